import path from 'node:path';
import { expect, test } from 'vitest';
import { paycliDependencySpec } from './paycli-dependency.js';

test.each([
  ['/home/me/shop/node_modules/paycli', '^0.1.0'],
  ['/usr/lib/node_modules/paycli', '^0.1.0'],
  ['/home/me/.npm/_npx/abc/node_modules/paycli', '^0.1.0'],
  ['/home/me/src/paycli', 'file:/home/me/src/paycli'],
  ['/home/me/node_modules_backup/paycli', 'file:/home/me/node_modules_backup/paycli'],
])('%s → %s', (root, spec) => {
  expect(paycliDependencySpec(path.normalize(root), '0.1.0')).toBe(spec.startsWith('file:') ? `file:${path.resolve(root)}` : spec);
});
