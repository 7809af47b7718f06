/**
 * The on-disk format of the file store, kept apart from its I/O:
 *
 * - the snapshot `<data>`: lowdb JSON, `{ "version": 1, "<collection>": { "<id>": doc, ... }, ... }`,
 *   meant to stay readable by people;
 * - the journal: JSON lines `{"op":"put"|"del","c":collection,"id":...,"doc":...}` (and `{"op":"clear"}`)
 *   appended since the snapshot was written, replayed over it on open. It is kept in segments,
 *   `<data>.journal` then `<data>.journal.1`, `.2`, …, replayed in that order: a compaction switches
 *   appends to the next segment while it writes the snapshot (`journal-segments.ts`).
 *
 * Known limit: a snapshot collection is a JSON object, and JavaScript lists integer-like keys ("7",
 * "42") of an object before all others, so documents with such ids come back first after a reload.
 * paycli's ids are all prefixed (`pay_…`), which keeps insertion order exact.
 */
import { PaycliError } from '../errors.js';
import type { CollectionsSnapshot } from './doc-collections.js';
import { COLLECTIONS, isCollectionName, type CollectionName, type StoredDoc } from './store.js';

export const SNAPSHOT_VERSION = 1;

/** The whole snapshot file. */
export type Snapshot = { version: typeof SNAPSHOT_VERSION } & CollectionsSnapshot;

/** One journal line. */
export type JournalEntry =
  | { op: 'put'; c: CollectionName; id: string; doc: StoredDoc }
  | { op: 'del'; c: CollectionName; id: string }
  /** Every collection emptied (`Store.clear()`): one line, so a kill leaves the state before or after. */
  | { op: 'clear' };

const COLLECTION_SET: ReadonlySet<string> = new Set(COLLECTIONS);

/** The journal that belongs to a data file (its first segment). */
export function journalPathFor(dataPath: string): string {
  return `${dataPath}.journal`;
}

/** Journal segment `generation` of a data file: `<data>.journal` for 0, `<data>.journal.<n>` after. */
export function segmentPathFor(dataPath: string, generation: number): string {
  return generation === 0 ? journalPathFor(dataPath) : `${journalPathFor(dataPath)}.${generation}`;
}

/** The `data_file_unreadable` error, naming the file and what is wrong with it. */
export function dataFileUnreadable(file: string, problem: string, cause?: unknown): PaycliError {
  return new PaycliError('data_file_unreadable', `Cannot use the sandbox data file ${file}: ${problem}.`, {
    hint: `Move the file aside (e.g. mv "${file}" "${file}.bak") or start on another file: paycli sandbox start --data other.json`,
    cause,
  });
}

/** A short human description of a failed file-system call. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a folder in its path is a file';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ELOOP':
      return 'it is a symbolic link, which paycli does not follow for the files it writes';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that a parsed snapshot has the expected shape and returns it typed. Missing collections are
 * empty; unknown top-level keys are refused rather than silently dropped on the next rewrite.
 */
export function validateSnapshot(value: unknown, file: string): Snapshot {
  const wrong = (what: string) => dataFileUnreadable(file, `it is not a paycli data file (${what})`);
  if (!isPlainObject(value)) throw wrong('expected a JSON object at the top level');
  if (value.version !== SNAPSHOT_VERSION) {
    throw wrong(`expected "version": ${SNAPSHOT_VERSION}, found ${JSON.stringify(value.version) ?? 'none'}`);
  }
  const snapshot = { version: SNAPSHOT_VERSION } as Snapshot;
  for (const key of Object.keys(value)) {
    if (key !== 'version' && !isCollectionName(key)) throw wrong(`unknown key "${key}"`);
  }
  const providers = Object.keys(value).filter((key) => key !== 'version' && !COLLECTION_SET.has(key)) as CollectionName[];
  for (const name of [...COLLECTIONS, ...providers]) {
    const docs = value[name] ?? {};
    if (!isPlainObject(docs)) throw wrong(`"${name}" must be an object of documents keyed by id`);
    for (const [id, doc] of Object.entries(docs)) {
      if (!isPlainObject(doc) || doc.id !== id) throw wrong(`"${name}"."${id}" must be a document whose "id" is "${id}"`);
    }
    snapshot[name] = docs as Record<string, StoredDoc>;
  }
  return snapshot;
}

/** A snapshot with every collection empty. */
export function emptySnapshot(): Snapshot {
  const snapshot = { version: SNAPSHOT_VERSION } as Snapshot;
  for (const name of COLLECTIONS) snapshot[name] = {};
  return snapshot;
}

/** The journal line (with its newline) recording a put. */
export function putLine(collection: CollectionName, doc: StoredDoc): string {
  return `${JSON.stringify({ op: 'put', c: collection, id: doc.id, doc })}\n`;
}

/** The journal line (with its newline) recording a removal. */
export function delLine(collection: CollectionName, id: string): string {
  return `${JSON.stringify({ op: 'del', c: collection, id })}\n`;
}

/** The journal line (with its newline) recording `Store.clear()`. */
export function clearLine(): string {
  return '{"op":"clear"}\n';
}

/**
 * Parses a journal. A last line without its newline is a write torn by a kill: it was never
 * acknowledged, so it is dropped. Any other bad line means the file was damaged or edited, and is an
 * error rather than a silent loss. `firstLine` numbers the lines of a journal read in pieces.
 */
export function parseJournal(text: string, file: string, firstLine = 1): JournalEntry[] {
  const lines = text.split('\n');
  lines.pop(); // '' after the final newline, or the torn tail
  const entries: JournalEntry[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const bad = (what: string) => dataFileUnreadable(file, `line ${firstLine + index} of the journal ${what}`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw bad(`is not valid JSON (${(err as Error).message})`);
    }
    if (isPlainObject(value) && value.op === 'clear') {
      entries.push({ op: 'clear' });
      continue;
    }
    if (!isPlainObject(value) || typeof value.c !== 'string' || !isCollectionName(value.c) || typeof value.id !== 'string') {
      throw bad('is not a journal entry');
    }
    const c = value.c as CollectionName;
    if (value.op === 'put') {
      if (!isPlainObject(value.doc) || value.doc.id !== value.id) throw bad('holds a document without a matching id');
      entries.push({ op: 'put', c, id: value.id, doc: value.doc as unknown as StoredDoc });
    } else if (value.op === 'del') {
      entries.push({ op: 'del', c, id: value.id });
    } else {
      throw bad(`has an unknown op ${JSON.stringify(value.op)}`);
    }
  }
  return entries;
}

/**
 * A failed write of the data files is the environment's fault (disk full, permissions), not a bug: an
 * errno error becomes `data_file_unwritable` with a hint; anything else passes through.
 */
export function dataFileUnwritable(file: string, err: unknown): unknown {
  if (err instanceof PaycliError || typeof (err as NodeJS.ErrnoException)?.code !== 'string') return err;
  return new PaycliError('data_file_unwritable', `Cannot write the sandbox data file ${file}: ${describeFsError(err)}.`, {
    hint: 'Free disk space or fix the folder permissions; the last change was not saved.',
    cause: err,
  });
}
