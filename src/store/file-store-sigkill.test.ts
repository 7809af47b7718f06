/**
 * A real crash: a child process writes through a FileStore and prints every id whose commit resolved;
 * the parent SIGKILLs it mid-stream and checks that every acknowledged change is on disk.
 *
 * The child runs compiled JavaScript (no tsx here). Only the store and what it imports are compiled,
 * into a temp folder, so the test neither races other tests over dist/ nor depends on the rest of the
 * tree type-checking.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from './file-store.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// Eight writers share the store, so commits really group; each writer removes every 10th id it
// acknowledged (ending in 5) right after, to check acknowledged removals too. With a third argument,
// the child's background compactions write slowly and announce themselves ('c' when one starts, 'r'
// once its snapshot is renamed into place, before the older journal segments are deleted), so the
// parent can kill it inside either window while commits go on.
const CHILD = `
import { FileStore } from './dist/store/file-store.js';
import { SnapshotFile } from './dist/store/snapshot-file.js';
const [path, round, slow] = process.argv.slice(2);
const store = new FileStore(path, { compactAfterLines: 300 });
await store.open();
if (slow) {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
  // Background compactions merge the files (writeMerged); writeParts is their fallback.
  for (const name of ['writeMerged', 'writeParts']) {
    const write = SnapshotFile.prototype[name];
    SnapshotFile.prototype[name] = async function (...args) {
      process.stdout.write('c\\n');
      await pause();
      const result = await write.apply(this, args);
      process.stdout.write('r\\n');
      await pause();
      return result;
    };
  }
}
let next = 0;
async function writer() {
  for (;;) {
    const n = next++;
    const id = 'pay_' + round + '_' + n;
    store.put('payments', { id, n, note: 'x'.repeat(200) });
    await store.commit();
    process.stdout.write('+' + id + '\\n');
    if (n % 10 === 5) {
      store.remove('payments', id);
      await store.commit();
      process.stdout.write('-' + id + '\\n');
    }
  }
}
for (let i = 0; i < 8; i++) void writer();
`;

/** Where a round kills the child: after some acknowledgements, or that many after a compaction marker. */
type KillPoint = { acks: number; after?: 'c' | 'r' };

/** Runs the child until the kill point, SIGKILLs it, returns the lines it printed. */
function runAndKill(buildDir: string, dataPath: string, round: number, at: KillPoint): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const args = [join(buildDir, 'child.mjs'), dataPath, String(round), ...(at.after ? ['slow'] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    let stderr = '';
    const lines: string[] = [];
    let killed = false;
    // Never leave a stuck child behind: the test fails instead.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? ''; // an unfinished line is not counted: conservative
      lines.push(...parts);
      const marker = at.after === undefined ? -1 : lines.indexOf(at.after);
      const acks = lines.slice(marker + 1).filter((l) => l.startsWith('+') || l.startsWith('-')).length;
      if (!killed && (at.after === undefined || marker >= 0) && acks >= at.acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      if (killed) resolvePromise(lines);
      else reject(new Error(`child ended before its kill point ${JSON.stringify(at)} (${String(signal)}): ${stderr}`));
    });
  });
}

describe('FileStore under SIGKILL', () => {
  let buildDir: string;

  beforeAll(async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'paycli-store-build-'));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await promisify(execFile)(
      process.execPath,
      [tsc, '--outDir', join(buildDir, 'dist'), '--rootDir', join(repo, 'src'), '--module', 'nodenext', '--moduleResolution', 'nodenext',
        '--target', 'es2022', '--skipLibCheck', '--types', 'node', join(repo, 'src/store/file-store.ts')],
      { cwd: repo },
    );
    await writeFile(join(buildDir, 'package.json'), '{ "type": "module" }\n');
    await symlink(join(repo, 'node_modules'), join(buildDir, 'node_modules'), 'dir');
    await writeFile(join(buildDir, 'child.mjs'), CHILD);
  });
  afterAll(async () => {
    await rm(buildDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged put and removal across repeated kills', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'paycli-store-'));
    const dataPath = join(dataDir, 'data.json');
    const mustHave = new Set<string>();
    const mustLack = new Set<string>();
    try {
      // Different kill points land in appends, group waits and compactions (every 300 lines or more),
      // two of them inside a background compaction: while its snapshot is written, and after the
      // snapshot's rename but before the old journal segment is deleted.
      const killPoints: KillPoint[] = [{ acks: 400 }, { acks: 60, after: 'c' }, { acks: 1500 }, { acks: 5, after: 'r' }, { acks: 3100 }];
      for (const [round, at] of killPoints.entries()) {
        const lines = await runAndKill(buildDir, dataPath, round, at);
        if (at.after !== undefined) {
          // The kill came with the compaction unfinished: the old segment is still there, and commits
          // were acknowledged after the compaction started (they did not wait for it).
          const segments = (await readdir(dataDir)).filter((f) => f.startsWith('data.json.journal'));
          expect(segments.length).toBeGreaterThanOrEqual(2);
          expect(lines.slice(lines.indexOf('c') + 1).filter((l) => l.startsWith('+')).length).toBeGreaterThan(0);
        }
        for (const line of lines) {
          if (line === 'c' || line === 'r') continue;
          const id = line.slice(1);
          // An id the child goes on to remove may be gone before that removal is acknowledged.
          const removedNext = id.endsWith('5');
          if (line.startsWith('-')) mustLack.add(id);
          else if (!removedNext) mustHave.add(id);
        }
        // The snapshot is replaced atomically, so it parses whenever the kill came.
        expect(JSON.parse(await readFile(dataPath, 'utf8'))).toMatchObject({ version: 1 });

        const store = new FileStore(dataPath);
        await store.open();
        const missing = [...mustHave].filter((id) => store.get('payments', id) === undefined);
        const resurrected = [...mustLack].filter((id) => store.get('payments', id) !== undefined);
        await store.close();
        expect(missing).toEqual([]);
        expect(resurrected).toEqual([]);
      }
      expect(mustHave.size).toBeGreaterThan(4500);
      expect(mustLack.size).toBeGreaterThan(300);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
