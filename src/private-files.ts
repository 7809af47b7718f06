/**
 * The files paycli writes hold secrets (`sk_test_…`, `whsec_…`, endpoint secrets, recorded request
 * headers), so they are private and paycli's own: 0600 in a 0700 folder whatever the umask, looser
 * existing ones tightened, and a path that is a symbolic link refused rather than followed (a link
 * planted in `.paycli/` must not make paycli overwrite, or leak into, a file elsewhere).
 */
import { closeSync, constants, fchmodSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync, chmodSync } from 'node:fs';
import { chmod, lstat, mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** paycli's own folder, which it tightens even when it existed before. */
const OWN_FOLDER = '.paycli';

/** The error for a path that is a symbolic link: an errno error (ELOOP) so callers describe it like any other. */
export function symlinkRefused(file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${file} is a symbolic link; paycli does not follow links for files it writes`), { code: 'ELOOP', path: file });
}

/** Whether a folder is one paycli may tighten: the ones it creates, and its own `.paycli` folders. */
function isOwnFolder(dir: string): boolean {
  return path.basename(dir) === OWN_FOLDER;
}

/**
 * Creates `dir` (and its parents) 0700. An existing folder is left as it is, except paycli's own
 * `.paycli`, which is tightened: a user's project folder given with `--data ./x.json` is not ours.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  for (const d of createdFolders(dir, first)) await chmod(d, PRIVATE_DIR_MODE);
  if (first === undefined && isOwnFolder(dir)) await tightenDir(dir);
}

/** The same as `ensurePrivateDir`, synchronously. */
export function ensurePrivateDirSync(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  for (const d of createdFolders(dir, first)) chmodSync(d, PRIVATE_DIR_MODE);
  if (first === undefined && isOwnFolder(dir)) {
    const mode = lstatSync(dir).mode & 0o777;
    if ((mode & 0o077) !== 0) chmodSync(dir, mode & 0o700);
  }
}

/** The folders `mkdir -p` created: from the first one it reports down to `dir` (the umask may have loosened none, but can tighten). */
function createdFolders(dir: string, first: string | undefined): string[] {
  if (first === undefined) return [];
  const out: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    out.unshift(d);
    if (d === path.resolve(first) || d === path.dirname(d)) break;
  }
  return out;
}

async function tightenDir(dir: string): Promise<void> {
  const mode = (await lstat(dir)).mode & 0o777;
  if ((mode & 0o077) !== 0) await chmod(dir, mode & 0o700);
}

/**
 * Refuses `file` when it is a symbolic link; returns its lstat, or null when it does not exist.
 */
export async function refuseSymlink(file: string): Promise<import('node:fs').Stats | null> {
  try {
    const info = await lstat(file);
    if (info.isSymbolicLink()) throw symlinkRefused(file);
    return info;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Tightens an existing file to 0600 if its group or others may read or write it. */
export async function tightenFile(file: string): Promise<void> {
  const info = await refuseSymlink(file);
  if (info && (info.mode & 0o077) !== 0) await chmod(file, PRIVATE_FILE_MODE);
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** Opens `file` for appending, created 0600 (an existing one tightened); a symbolic link is refused (ELOOP). */
export async function openPrivateAppend(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW, PRIVATE_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkRefused(file);
    throw err;
  }
  try {
    await handle.chmod(PRIVATE_FILE_MODE);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
  return handle;
}

/** Creates (or truncates) `file` for writing, 0600, refusing a symbolic link (for temp files renamed into place). */
export async function openPrivateWrite(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW, PRIVATE_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkRefused(file);
    throw err;
  }
  await handle.chmod(PRIVATE_FILE_MODE);
  return handle;
}

/**
 * Writes `text` to `file` atomically and privately: a 0600 temp file beside it, renamed over it. A
 * `file` that is a symbolic link is refused (ELOOP), never followed.
 */
export function writePrivateFileSync(file: string, text: string): void {
  ensurePrivateDirSync(path.dirname(file));
  try {
    if (lstatSync(file).isSymbolicLink()) throw symlinkRefused(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
