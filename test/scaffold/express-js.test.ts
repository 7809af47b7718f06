import { templateSuite } from './template-suite.js';

// Plain JavaScript: nothing to compile; the app runs from src/.
templateSuite({ framework: 'express', language: 'js', scripts: ['test'], start: ['node', 'src/server.js'] });
