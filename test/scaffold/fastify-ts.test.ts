import { templateSuite } from './template-suite.js';

templateSuite({ framework: 'fastify', language: 'ts', scripts: ['typecheck', 'build', 'test'], start: ['node', 'dist/server.js'] });
