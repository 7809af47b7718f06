/**
 * Builds dist/ before the tests that run it (bin/paycli.js, the packed package, child sandboxes), once per
 * run and only when it is stale: when a source file, tsconfig or package.json is newer than the last
 * build's stamp. Test files must not build on their own: concurrent builds rewrite files other tests are
 * loading.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');

/** The newest modification time (ms) of the inputs of the build. */
function newestInput(): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  visit(path.join(root, 'src'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, statSync(path.join(root, file)).mtimeMs);
  return newest;
}

/** Whether dist/ needs a build. */
export function distIsStale(): boolean {
  if (!existsSync(stamp) || !existsSync(path.join(root, 'dist', 'cli.js'))) return true;
  return newestInput() > statSync(stamp).mtimeMs;
}

export default function setup(): void {
  if (!distIsStale()) return;
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const startedInputs = newestInput();
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  } catch (err) {
    // Type errors still emit JavaScript; `npm test` type-checks separately and fails on them.
    if (!existsSync(path.join(root, 'dist', 'cli.js'))) throw err;
  }
  // Stamped only when no input changed during the build, so an edit made meanwhile builds again next run.
  if (newestInput() === startedInputs) writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
