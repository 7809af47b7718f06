/**
 * Builds dist/ once before any test runs, so end-to-end tests (which run bin/paycli.js or spawn the
 * compiled sandbox in a child process) test the current source. Test files must not build on their own:
 * concurrent builds rewrite files other tests are loading.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
