/**
 * Builds dist/ once before any test runs, so end-to-end tests (which run bin/paycli.js or spawn the
 * compiled sandbox in a child process) test the current source. Test files must not build on their own:
 * concurrent builds rewrite files other tests are loading.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  } catch (err) {
    // Type errors still emit JavaScript; `npm test` type-checks separately and fails on them.
    if (!existsSync(path.join(root, 'dist', 'cli.js'))) throw err;
  }
}
