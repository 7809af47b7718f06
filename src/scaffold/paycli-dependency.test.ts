import path from 'node:path';
import { expect, test } from 'vitest';
import { paycliDependency } from './paycli-dependency.js';

test.each([
  ['/home/me/shop/node_modules/paycli', '^0.1.0', null],
  ['/usr/lib/node_modules/paycli', '^0.1.0', null],
  ['/home/me/.npm/_npx/abc/node_modules/paycli', '^0.1.0', null],
  // A checkout: packed into the app, and a relative path that installs on any machine.
  ['/home/me/src/paycli', 'file:vendor/paycli-0.1.0.tgz', 'vendor/paycli-0.1.0.tgz'],
  ['/home/me/node_modules_backup/paycli', 'file:vendor/paycli-0.1.0.tgz', 'vendor/paycli-0.1.0.tgz'],
])('%s → %s', (root, spec, vendorFile) => {
  expect(paycliDependency(path.normalize(root), '0.1.0')).toEqual({ spec, vendorFile });
});
