import { templateSuite } from './template-suite.js';

templateSuite({ framework: 'express', language: 'ts', scripts: ['typecheck', 'build', 'test'], start: ['node', 'dist/server.js'] });
