/**
 * One sandbox per data file. Two processes appending to one journal lose what they acknowledge (the
 * second start folds and deletes the journal the first still appends to), so `sandbox start` takes an
 * exclusive lock on the data file first: `proper-lockfile`'s lock folder `<data>.lock` (an atomic
 * mkdir), with `owner.json` inside naming the holder (pid, URL). A second start fails at once with a
 * message naming the running sandbox and the way out.
 *
 * A lock left by a sandbox killed with `kill -9` is taken over at once: its owner's pid is gone (on
 * this host). proper-lockfile's own mtime staleness is set far out, because a sandbox that is merely
 * suspended (a laptop asleep, SIGSTOP) still owns its journal and must not be robbed of it.
 */
import fs from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { PaycliError } from '../errors.js';
import { ensurePrivateDir, writePrivateFileSync } from '../private-files.js';
import { dataFileUnreadable, describeFsError } from './data-file-format.js';

/** Who holds a data file, as written in `<data>.lock/owner.json`. */
export interface DataLockOwner {
  pid: number;
  hostname: string;
  /** Null while the sandbox is starting (before it listens). */
  url: string | null;
  started_at: string;
}

export interface DataLock {
  readonly lockPath: string;
  /** Records the URL the sandbox answers on, for the message a second start gets. */
  setUrl(url: string): void;
  release(): Promise<void>;
}

/** A day: effectively "never stale by age"; staleness is decided by the owner's pid. */
const MTIME_STALE_MS = 24 * 3_600_000;

/** proper-lockfile removes its lock folder with rmdir; ours holds owner.json, so remove it whole. */
const lockFs = {
  ...fs,
  rmdir: (p: string, cb: (err: NodeJS.ErrnoException | null) => void) => fs.rm(p, { recursive: true, force: true }, cb),
  rmdirSync: (p: string) => fs.rmSync(p, { recursive: true, force: true }),
};

export function lockPathFor(dataFile: string): string {
  return `${dataFile}.lock`;
}

/** Whether a process with this pid runs on this machine (EPERM: it runs, as another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(lockPath: string): Promise<DataLockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(path.join(lockPath, 'owner.json'), 'utf8')) as DataLockOwner;
    return typeof owner?.pid === 'number' ? owner : null;
  } catch {
    return null;
  }
}

/** The lock is held by a process that no longer exists on this host (killed with -9, or crashed). */
function isAbandoned(owner: DataLockOwner | null, isAlive: (pid: number) => boolean): owner is DataLockOwner {
  return owner !== null && owner.hostname === hostname() && owner.pid !== process.pid && !isAlive(owner.pid);
}

function lockedError(dataFile: string, owner: DataLockOwner | null): PaycliError {
  const who = owner ? `pid ${owner.pid}${owner.url ? `, ${owner.url}` : ', starting'}${owner.hostname !== hostname() ? ` on ${owner.hostname}` : ''}` : 'starting';
  // One line: what is wrong, who holds it, and the ways out.
  return new PaycliError(
    'data_file_locked',
    `Another sandbox (${who}) is using ${dataFile}: stop it, or start this one with --data <other file> or --in-memory (\`paycli sandbox status\` shows the running one).`,
  );
}

/**
 * Takes the data file's lock or throws `data_file_locked` naming its holder. `isAlive` is for tests.
 *
 * @example
 * const lock = await lockDataFile('.paycli/sandbox.json');
 * lock.setUrl('http://127.0.0.1:4242');
 * await lock.release();
 */
export async function lockDataFile(dataFile: string, options: { isAlive?: (pid: number) => boolean } = {}): Promise<DataLock> {
  const isAlive = options.isAlive ?? isProcessAlive;
  const lockPath = lockPathFor(dataFile);
  const attempt = () =>
    lockfile.lock(dataFile, {
      realpath: false,
      lockfilePath: lockPath,
      stale: MTIME_STALE_MS,
      retries: 0,
      fs: lockFs,
      // Our own lock folder vanishing (someone deleted it) must not crash the sandbox from a timer.
      onCompromised: () => undefined,
    });
  let release: () => Promise<void>;
  try {
    await ensurePrivateDir(path.dirname(dataFile));
    release = await attempt();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') {
      throw dataFileUnreadable(dataFile, `cannot lock it (${describeFsError(err)})`, err);
    }
    const owner = await readOwner(lockPath);
    if (!isAbandoned(owner, isAlive)) throw lockedError(dataFile, owner);
    release = await takeOver(dataFile, lockPath, owner, attempt);
  }
  const owner: DataLockOwner = { pid: process.pid, hostname: hostname(), url: null, started_at: new Date().toISOString() };
  const writeOwner = () => writePrivateFileSync(path.join(lockPath, 'owner.json'), JSON.stringify(owner) + '\n');
  try {
    fs.chmodSync(lockPath, 0o700); // made by proper-lockfile's mkdir under the umask
    writeOwner();
  } catch (err) {
    await release().catch(() => undefined);
    throw dataFileUnreadable(dataFile, `cannot write its lock (${describeFsError(err)})`, err);
  }
  let released: Promise<void> | null = null;
  return {
    lockPath,
    setUrl(url: string) {
      owner.url = url;
      try {
        writeOwner();
      } catch {
        // Only the message a second start shows loses the URL; the lock itself holds.
      }
    },
    release() {
      released ??= release().catch((err: unknown) => {
        // Already released, or taken over (our process was deemed gone): nothing of ours to remove.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ERELEASED' && code !== 'ENOTACQUIRED') throw err;
      });
      return released;
    },
  };
}

/**
 * Moves an abandoned lock aside (rename is atomic: of two starters racing for it, one wins) and takes a
 * fresh one. If what was moved turns out to be a live sandbox's new lock, it is put back and refused.
 */
async function takeOver(dataFile: string, lockPath: string, seen: DataLockOwner, attempt: () => Promise<() => Promise<void>>): Promise<() => Promise<void>> {
  const aside = `${lockPath}.abandoned-${process.pid}`;
  try {
    await rename(lockPath, aside);
  } catch {
    throw lockedError(dataFile, await readOwner(lockPath));
  }
  const moved = await readOwner(aside);
  if (moved?.pid !== seen.pid) {
    await rename(aside, lockPath).catch(() => undefined);
    throw lockedError(dataFile, moved);
  }
  await rm(aside, { recursive: true, force: true });
  try {
    return await attempt();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw lockedError(dataFile, await readOwner(lockPath));
    throw err;
  }
}

/**
 * Refuses a data file that exists but is empty: paycli never leaves one (it writes by renaming a whole
 * file into place), so it was truncated or replaced, and opening it would start a fresh sandbox with
 * new keys over whatever the journal holds.
 */
export async function refuseEmptyDataFile(dataFile: string): Promise<void> {
  let size: number;
  try {
    const info = await fs.promises.lstat(dataFile);
    if (!info.isFile()) return; // the store says what is wrong with a link or a folder
    size = info.size;
  } catch {
    return;
  }
  if (size === 0) {
    throw new PaycliError('data_file_unreadable', `Cannot use the sandbox data file ${dataFile}: it is empty (0 bytes), so it was truncated or replaced.`, {
      hint: `Restore it from a backup, or delete it (and its .journal files) to start a fresh sandbox with new keys.`,
    });
  }
}
