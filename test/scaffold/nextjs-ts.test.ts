import { templateSuite } from './template-suite.js';

// `next build` compiles and type-checks; `next start` serves the build.
templateSuite({ framework: 'nextjs', language: 'ts', scripts: ['typecheck', 'build', 'test'], start: ['node', 'node_modules/next/dist/bin/next', 'start'] });
