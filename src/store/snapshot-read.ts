/**
 * Reading the file store's snapshot at open, and refusing a data file paycli must not use: a symbolic
 * link (never followed), a folder, a read-only file (a compaction would replace it by a rename, which its
 * mode does not prevent), or anything that is not a paycli snapshot.
 */
import { PaycliError } from '../errors.js';
import { refuseSymlink } from '../private-files.js';
import { dataFileUnreadable, describeFsError, validateSnapshot, type Snapshot } from './data-file-format.js';
import type { SnapshotFile } from './snapshot-file.js';

/** The snapshot and its size in bytes, or null when there is none yet (absent or empty file). */
export async function readSnapshot(path: string, file: SnapshotFile<Snapshot>): Promise<{ snapshot: Snapshot; bytes: number } | null> {
  let size: number;
  try {
    const info = await refuseSymlink(path);
    if (info === null) return null;
    if (info.isDirectory()) throw dataFileUnreadable(path, 'it is a directory, not a file');
    if ((info.mode & 0o200) === 0) {
      // Say no now rather than silently overwrite a file someone made read-only.
      throw new PaycliError('data_file_unreadable', `Cannot use the sandbox data file ${path}: it is read-only (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}).`, {
        hint: `paycli rewrites its data file; make it writable (chmod u+w "${path}") or start on another file with --data, or --in-memory.`,
      });
    }
    size = info.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (err instanceof PaycliError) throw err;
    throw dataFileUnreadable(path, describeFsError(err), err);
  }
  if (size === 0) return null;
  let parsed: unknown;
  try {
    // Not lowdb's Low.read(): it ignores a file holding `null` or `false`, which would then be
    // overwritten as if empty.
    parsed = await file.read();
  } catch (err) {
    if (err instanceof SyntaxError) throw dataFileUnreadable(path, `it is not valid JSON (${err.message})`, err);
    throw dataFileUnreadable(path, describeFsError(err), err);
  }
  return { snapshot: validateSnapshot(parsed, path), bytes: size };
}
