/**
 * The default store: every document in memory, made durable in two files.
 *
 * - `<data>` is a lowdb JSON snapshot people can read, one document per line (`snapshot-file.ts`, which
 *   writes it in chunks rather than as one string). It is rewritten whole (seconds at 100k payments),
 *   so only when compacting.
 * - `<data>.journal` takes the changes between snapshots as JSON lines. A `commit()` appends every
 *   line staged since the last one in a single write (group commit: at most one write in flight;
 *   callers arriving meanwhile share the next). Its cost does not grow with the stored data.
 *
 * Compaction (on open, on close, and when the journal passes a size threshold) writes the full
 * snapshot through lowdb (temp file + rename, so a kill leaves the old snapshot intact and at worst a
 * stray `.<data>.tmp`), and only then truncates the journal. A kill between the two leaves a journal
 * the snapshot already contains; replaying it again is harmless because a put carries the whole
 * document and a del is idempotent. (The one visible trace: a document deleted and put again within
 * that journal can end up later in `list()` order than before.)
 *
 * "Durable" means handed to the OS: it survives a crash or SIGKILL of the process, not a power loss
 * (no fsync, as lowdb).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { PaycliError } from '../errors.js';
import {
  dataFileUnreadable,
  delLine,
  describeFsError,
  emptySnapshot,
  journalPathFor,
  parseJournal,
  putLine,
  validateSnapshot,
  type Snapshot,
} from './data-file-format.js';
import { SnapshotFile } from './snapshot-file.js';
import { DocCollections } from './doc-collections.js';
import { COLLECTIONS, type CollectionName, type Store, type StoredDoc } from './store.js';

/**
 * When the journal is folded into the snapshot: once it holds at least this many lines AND as many
 * lines as the snapshot has documents, or at least this many bytes AND as many bytes as the snapshot. The
 * second half keeps the cost of compaction per write flat as the data grows (as Redis rewrites its
 * AOF when it doubles): rewriting 100k payments every 50k lines would slow every write down.
 */
export interface FileStoreOptions {
  /** Minimum journal lines before a compaction (default 50,000). */
  compactAfterLines?: number;
  /** Minimum journal bytes before a compaction (default 64 MiB). */
  compactAfterBytes?: number;
}

type State = 'new' | 'opening' | 'open' | 'closing' | 'closed' | 'failed';

/**
 * A Store kept in a lowdb JSON file plus an append-only journal beside it.
 *
 * @example
 * const store = new FileStore('.paycli/data.json');
 * await store.open();
 * store.put('payments', { id: 'pay_1' });
 * await store.commit(); // now it survives a crash
 */
export class FileStore implements Store {
  readonly kind = 'file' as const;
  readonly path: string;
  readonly journalPath: string;

  readonly #docs = new DocCollections();
  readonly #db: Low<Snapshot>;
  readonly #compactAfterLines: number;
  readonly #compactAfterBytes: number;
  #state: State = 'new';
  #journal: FileHandle | null = null;
  /** Journal lines staged by put/remove since the last flush started. */
  #staged: string[] = [];
  #journalLines = 0;
  #journalBytes = 0;
  /** Size of the snapshot last written or loaded, in bytes and documents. */
  #snapshotBytes = 0;
  #snapshotDocs = 0;
  /**
   * The journal lacks changes memory has (after clear(), a failed write, or at close), so the next
   * flush writes a full snapshot instead of appending.
   */
  #mustCompact = false;
  /** The flush being written, if any; never more than one. */
  #inFlight: Promise<void> | null = null;
  /** The flush that will start when `#inFlight` ends, shared by every commit() arriving meanwhile. */
  #queued: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  constructor(path: string, options: FileStoreOptions = {}) {
    this.path = path;
    this.journalPath = journalPathFor(path);
    this.#db = new Low<Snapshot>(new SnapshotFile<Snapshot>(path), emptySnapshot());
    this.#compactAfterLines = options.compactAfterLines ?? 50_000;
    this.#compactAfterBytes = options.compactAfterBytes ?? 64 * 1024 * 1024;
  }

  async open(): Promise<void> {
    if (this.#state !== 'new') throw new PaycliError('internal_error', `The store for ${this.path} was opened twice`);
    this.#state = 'opening';
    try {
      try {
        await mkdir(dirname(this.path), { recursive: true });
      } catch (err) {
        throw dataFileUnreadable(this.path, `cannot create its folder (${describeFsError(err)})`, err);
      }
      const snapshotIsValid = await this.#loadSnapshot();
      const journalHadContent = await this.#replayJournal();
      try {
        this.#journal = await open(this.journalPath, 'a');
        // Also drops a torn last journal line, which must not sit before the next append.
        if (!snapshotIsValid || journalHadContent) await this.#compact();
      } catch (err) {
        throw dataFileUnreadable(this.path, `cannot write it or its journal (${describeFsError(err)})`, err);
      }
      this.#state = 'open';
    } catch (err) {
      this.#state = 'failed';
      await this.#journal?.close().catch(() => undefined);
      this.#journal = null;
      throw err;
    }
  }

  get<T extends StoredDoc>(collection: CollectionName, id: string): T | undefined {
    return this.#docs.get<T>(collection, id);
  }

  list<T extends StoredDoc>(collection: CollectionName): readonly T[] {
    return this.#docs.list<T>(collection);
  }

  live<T extends StoredDoc>(collection: CollectionName): readonly T[] {
    return this.#docs.live<T>(collection);
  }

  count(collection: CollectionName): number {
    return this.#docs.count(collection);
  }

  put<T extends StoredDoc>(collection: CollectionName, doc: T): void {
    this.#assertWritable();
    this.#docs.put(collection, doc);
    this.#staged.push(putLine(collection, doc));
  }

  remove(collection: CollectionName, id: string): void {
    this.#assertWritable();
    if (this.#docs.remove(collection, id)) this.#staged.push(delLine(collection, id));
  }

  commit(): Promise<void> {
    if (this.#staged.length === 0 && !this.#mustCompact) {
      // Everything staged before this call is already durable or in the flush being written.
      return this.#queued ?? this.#inFlight ?? Promise.resolve();
    }
    if (this.#queued) return this.#queued;
    if (!this.#inFlight) return this.#startFlush();
    const queued = this.#inFlight
      .then(
        () => undefined,
        () => undefined, // that flush's callers get its error; this one tries afresh
      )
      .then(() => {
        this.#queued = null;
        return this.#startFlush();
      });
    this.#queued = queued;
    return queued;
  }

  async clear(): Promise<void> {
    this.#assertWritable();
    this.#docs.clear();
    // An empty snapshot replaces the journal, so lines staged before are moot.
    this.#staged = [];
    this.#mustCompact = true;
    await this.commit();
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#state !== 'open') {
      this.#state = 'closed';
      return;
    }
    this.#state = 'closing';
    try {
      // A failure here leaves #mustCompact set, so the compaction below retries it.
      await this.commit().catch(() => undefined);
      // Fold the journal into the snapshot so the data file alone holds everything.
      if (this.#journalLines > 0 || this.#mustCompact) {
        this.#mustCompact = true;
        await this.commit();
      }
    } finally {
      await this.#journal?.close();
      this.#journal = null;
      this.#state = 'closed';
    }
  }

  #assertWritable(): void {
    if (this.#state !== 'open') {
      throw new PaycliError('internal_error', `The store for ${this.path} was written to while ${this.#state}`);
    }
  }

  #startFlush(): Promise<void> {
    const flush: Promise<void> = this.#flush().finally(() => {
      if (this.#inFlight === flush) this.#inFlight = null;
    });
    this.#inFlight = flush;
    return flush;
  }

  /** Makes every staged change durable: one journal append, then a compaction if one is due. */
  async #flush(): Promise<void> {
    const journal = this.#journal;
    if (journal === null) throw new PaycliError('internal_error', `The store for ${this.path} is not open`);
    // Taken in one tick, so a clear() or a failure flagged while this flush runs is left for the next.
    const lines = this.#staged;
    this.#staged = [];
    const mustCompact = this.#mustCompact;
    this.#mustCompact = false;
    // Whether the journal (or the snapshot to come) covers `lines`.
    let covered = mustCompact || lines.length === 0;
    try {
      if (!covered) {
        const text = lines.join('');
        await journal.appendFile(text, 'utf8');
        covered = true;
        this.#journalLines += lines.length;
        this.#journalBytes += Buffer.byteLength(text);
      }
      if (mustCompact || this.#compactionDue()) {
        await this.#compact();
      }
    } catch (err) {
      // Memory now holds changes the files lack (and the journal may end in a torn line): the next
      // flush writes a full snapshot instead, which covers them. A failed threshold compaction needs
      // no such repair: the journal still has everything.
      if (mustCompact || !covered) this.#mustCompact = true;
      throw err;
    }
  }

  #compactionDue(): boolean {
    return (
      (this.#journalLines >= this.#compactAfterLines && this.#journalLines >= this.#snapshotDocs) ||
      (this.#journalBytes >= this.#compactAfterBytes && this.#journalBytes >= this.#snapshotBytes)
    );
  }

  /**
   * Writes the whole in-memory state as the snapshot, then empties the journal. Runs only inside a
   * flush or during open(), so never beside a journal append or another lowdb write.
   */
  async #compact(): Promise<void> {
    const journal = this.#journal;
    if (journal === null) throw new PaycliError('internal_error', `The store for ${this.path} is not open`);
    // The snapshot object is built in this tick from documents that are immutable values, so it is
    // the state of this tick although it is written in chunks; changes staged while it is written
    // stay staged and go to the emptied journal afterwards.
    this.#db.data = { version: 1, ...this.#docs.toSnapshot() };
    const docs = this.#docs.size;
    try {
      await this.#db.write();
    } finally {
      this.#db.data = emptySnapshot(); // do not pin a second copy of the object graph
    }
    const bytes = (await stat(this.path)).size;
    await journal.truncate(0);
    this.#snapshotBytes = bytes;
    this.#snapshotDocs = docs;
    this.#journalLines = 0;
    this.#journalBytes = 0;
  }

  /** Loads the snapshot; returns false when there is none yet (absent or empty file). */
  async #loadSnapshot(): Promise<boolean> {
    let size: number;
    try {
      const info = await stat(this.path);
      if (info.isDirectory()) throw dataFileUnreadable(this.path, 'it is a directory, not a file');
      size = info.size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      if (err instanceof PaycliError) throw err;
      throw dataFileUnreadable(this.path, describeFsError(err), err);
    }
    if (size === 0) return false;
    this.#snapshotBytes = size;
    let parsed: unknown;
    try {
      // The adapter rather than db.read(): Low.read() ignores a file holding `null` or `false`,
      // which would then be overwritten as if empty.
      parsed = await this.#db.adapter.read();
    } catch (err) {
      if (err instanceof SyntaxError) throw dataFileUnreadable(this.path, `it is not valid JSON (${err.message})`, err);
      throw dataFileUnreadable(this.path, describeFsError(err), err);
    }
    const snapshot = validateSnapshot(parsed, this.path);
    for (const name of COLLECTIONS) {
      for (const doc of Object.values(snapshot[name])) this.#docs.put(name, doc);
    }
    this.#snapshotDocs = this.#docs.size;
    return true;
  }

  /**
   * Applies the journal over the loaded snapshot; returns whether the journal had any bytes. Read in
   * pieces: a journal can outgrow the longest string V8 allows (~512 MB).
   */
  async #replayJournal(): Promise<boolean> {
    let carry = ''; // the start of a line whose end is in the next piece
    let nextLine = 1;
    let hadBytes = false;
    try {
      for await (const piece of createReadStream(this.journalPath, { encoding: 'utf8', highWaterMark: 8 * 1024 * 1024 })) {
        hadBytes = true;
        const text = carry + (piece as string);
        const end = text.lastIndexOf('\n') + 1;
        carry = text.slice(end);
        if (end === 0) continue;
        for (const entry of parseJournal(text.slice(0, end), this.journalPath, nextLine)) {
          if (entry.op === 'put') this.#docs.put(entry.c, entry.doc);
          else this.#docs.remove(entry.c, entry.id);
        }
        for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) nextLine++;
      }
    } catch (err) {
      if (err instanceof PaycliError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw dataFileUnreadable(this.journalPath, describeFsError(err), err);
    }
    // `carry` now holds a last line without its newline: a write torn by a kill, never acknowledged.
    return hadBytes;
  }
}
