/**
 * Writes a planned scaffold into a directory, never overwriting a file unless asked. The decision is made
 * for the whole plan before anything is written: when a file exists with other contents and `force` is
 * off, nothing at all is written, so a refused run leaves the directory exactly as it was.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PlannedFile } from './plan.js';

/** What happens to one planned file. */
export type FileAction =
  /** Does not exist: will be (or was) created. */
  | 'create'
  /** Exists with the same contents: left alone. */
  | 'unchanged'
  /** Exists with other contents: overwritten only with `force`. */
  | 'conflict'
  /** A conflict overwritten because of `force`. */
  | 'overwrite';

export interface FileOutcome {
  path: string;
  action: FileAction;
}

export interface WriteResult {
  dir: string;
  files: FileOutcome[];
  /** Whether anything was written (false for a dry run, a refused run or a run with nothing to do). */
  wrote: boolean;
  /** Files that exist with other contents and stopped the run (empty with `force`). */
  conflicts: string[];
}

function existing(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Compares a plan with the directory without writing anything. */
export function inspectScaffold(dir: string, plan: readonly PlannedFile[], force = false): FileOutcome[] {
  return plan.map((f) => {
    const current = existing(path.join(dir, f.path));
    const action: FileAction = current === null ? 'create' : current === f.contents ? 'unchanged' : force ? 'overwrite' : 'conflict';
    return { path: f.path, action };
  });
}

/**
 * Writes the plan into `dir` (created if needed). With `dryRun` only reports what it would do. Files that
 * exist with identical contents are not touched, so running it twice changes nothing.
 */
export function writeScaffold(dir: string, plan: readonly PlannedFile[], opts: { force?: boolean; dryRun?: boolean } = {}): WriteResult {
  const files = inspectScaffold(dir, plan, opts.force ?? false);
  const conflicts = files.filter((f) => f.action === 'conflict').map((f) => f.path);
  const toWrite = files.filter((f) => f.action === 'create' || f.action === 'overwrite');
  if (opts.dryRun || conflicts.length > 0 || toWrite.length === 0) return { dir, files, wrote: false, conflicts };
  const byPath = new Map(plan.map((f) => [f.path, f.contents]));
  for (const f of toWrite) {
    const target = path.join(dir, f.path);
    mkdirSync(path.dirname(target), { recursive: true });
    // 'wx' for new files: if one appeared since the check, fail rather than overwrite it.
    writeFileSync(target, byPath.get(f.path)!, { flag: f.action === 'create' ? 'wx' : 'w' });
  }
  return { dir, files, wrote: true, conflicts };
}
