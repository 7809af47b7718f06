/**
 * The default store: every document in memory, made durable in two kinds of file.
 *
 * - `<data>` is a lowdb JSON snapshot people can read, one document per line (`snapshot-file.ts`, a
 *   lowdb adapter that writes it in chunks). Rewritten whole (seconds at 100k payments): only to compact.
 * - The journal holds the changes since the snapshot as JSON lines, in segments (`<data>.journal`,
 *   `.journal.1`, …: `journal-segments.ts`). A `commit()` appends every line staged since the last one
 *   in one write to the newest segment (group commit: at most one write in flight; callers arriving
 *   meanwhile share the next). Its cost does not grow with the stored data.
 *
 * Compaction (when the journal passes a size threshold) does not hold up commits: at the end of a
 * flush, in one tick, appends switch to a new segment and a view of the state is taken (a copy of each
 * collection's array; documents are immutable values). Its snapshot is written in the background
 * (temp file + rename, yielding between chunks) while commits append to the new segment; then the older
 * segments are deleted, oldest first. Open replays the snapshot and every segment left, in order. A
 * kill before the rename leaves the old snapshot and every segment; after it, a suffix of segments the
 * new snapshot holds, whose replay changes nothing (a put carries the whole document, a del or clear is
 * idempotent; the one trace: a document deleted and put again there can move later in `list()` order).
 * Open, close and the recovery from a failed append instead fold everything into the snapshot while
 * nothing appends, and start again at `<data>.journal`.
 *
 * "Durable" means handed to the OS: it survives a crash or SIGKILL of the process, not a power loss
 * (no fsync, as lowdb).
 */
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PaycliError } from '../errors.js';
import {
  clearLine,
  dataFileUnreadable,
  dataFileUnwritable,
  delLine,
  describeFsError,
  journalPathFor,
  putLine,
  segmentPathFor,
  SNAPSHOT_VERSION,
  validateSnapshot,
  type JournalEntry,
  type Snapshot,
} from './data-file-format.js';
import { DocCollections, type CollectionsView } from './doc-collections.js';
import { dropSegmentsBefore, listSegments, replaySegment } from './journal-segments.js';
import { SnapshotFile } from './snapshot-file.js';
import { COLLECTIONS, type CollectionName, type Store, type StoredDoc } from './store.js';

/**
 * When the journal is compacted: once it holds at least this many lines AND as many lines as the
 * snapshot has documents, or this many bytes AND as many as the snapshot. The second half keeps the cost
 * per write flat as the data grows (as Redis rewrites its AOF when it doubles).
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

  readonly #docs = new DocCollections();
  readonly #snapshotFile: SnapshotFile<Snapshot>;
  readonly #compactAfterLines: number;
  readonly #compactAfterBytes: number;
  #state: State = 'new';
  /** The newest journal segment, where appends go. */
  #journal: FileHandle | null = null;
  /** Generations of the segments on disk, oldest first; the last is `#journal`'s. */
  #segments: number[] = [];
  /** Journal lines staged by put/remove since the last flush started. */
  #staged: string[] = [];
  /** Lines and bytes appended since the state the snapshot holds (in every segment). */
  #journalLines = 0;
  #journalBytes = 0;
  /** Size of the snapshot last written or loaded, in bytes and documents. */
  #snapshotBytes = 0;
  #snapshotDocs = 0;
  /** The journal lacks changes memory has (a write failed): the next flush folds instead of appending. */
  #mustCompact = false;
  /** Compact at the next flush whatever the thresholds say (after clear(): reclaim the disk). */
  #compactSoon = false;
  /** After a failed compaction, the journal lines to wait for before trying again. */
  #retryCompactionAt = 0;
  /** The compaction writing a snapshot in the background, if any; never more than one. */
  #compaction: Promise<void> | null = null;
  /** The flush being written, if any; never more than one. */
  #inFlight: Promise<void> | null = null;
  /** The flush that will start when `#inFlight` ends, shared by every commit() arriving meanwhile. */
  #queued: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  constructor(path: string, options: FileStoreOptions = {}) {
    this.path = path;
    this.#snapshotFile = new SnapshotFile<Snapshot>(path);
    this.#compactAfterLines = options.compactAfterLines ?? 50_000;
    this.#compactAfterBytes = options.compactAfterBytes ?? 64 * 1024 * 1024;
  }

  /** The journal segment appends go to now: `<data>.journal`, or `<data>.journal.<n>` after compactions. */
  get journalPath(): string {
    return segmentPathFor(this.path, this.#segments.at(-1) ?? 0);
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
      this.#segments = await listSegments(this.path);
      let journalHadContent = false;
      for (const generation of this.#segments) {
        if (await replaySegment(segmentPathFor(this.path, generation), (entry) => this.#apply(entry))) journalHadContent = true;
      }
      try {
        // Folding also drops a torn last journal line, which must not sit before the next append.
        if (!snapshotIsValid || journalHadContent) await this.#fold();
        else {
          await dropSegmentsBefore(this.path, this.#segments, Infinity); // all empty
          this.#journal = await open(journalPathFor(this.path), 'a');
          this.#segments = [0];
        }
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
    // One journal line, so a kill leaves the state before or after it; lines staged before are moot.
    this.#staged = [clearLine()];
    this.#compactSoon = true;
    await this.commit();
  }

  /** Resolves once no compaction writes a snapshot in the background (close() waits for it; commits do not). */
  async whenCompacted(): Promise<void> {
    await this.#compaction;
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
      // A failure here leaves #mustCompact set, so the fold below retries it.
      await this.commit().catch(() => undefined);
      await this.#compaction;
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

  #apply(entry: JournalEntry): void {
    if (entry.op === 'put') this.#docs.put(entry.c, entry.doc);
    else if (entry.op === 'del') this.#docs.remove(entry.c, entry.id);
    else this.#docs.clear();
  }

  #startFlush(): Promise<void> {
    const flush: Promise<void> = this.#flush().finally(() => {
      if (this.#inFlight === flush) this.#inFlight = null;
    });
    this.#inFlight = flush;
    return flush;
  }

  /** Makes every staged change durable: one journal append, then starts a compaction if one is due. */
  async #flush(): Promise<void> {
    // Taken in one tick, so a failure flagged while this flush runs is left for the next.
    const lines = this.#staged;
    this.#staged = [];
    const mustCompact = this.#mustCompact;
    this.#mustCompact = false;
    // Whether the journal (or the snapshot to come) covers `lines`.
    let covered = mustCompact || lines.length === 0;
    try {
      if (mustCompact) {
        await this.#compaction; // never two snapshot writes at once
        await this.#fold();
        return;
      }
      if (!covered) {
        const journal = this.#journal;
        if (journal === null) throw new PaycliError('internal_error', `The store for ${this.path} is not open`);
        const text = lines.join('');
        await journal.appendFile(text, 'utf8');
        covered = true;
        this.#journalLines += lines.length;
        this.#journalBytes += Buffer.byteLength(text);
      }
    } catch (err) {
      // Memory now holds changes the files lack (and the segment may end in a torn line): the next
      // flush folds the whole state into a snapshot instead, which covers them.
      if (mustCompact || !covered) this.#mustCompact = true;
      throw dataFileUnwritable(this.path, err);
    }
    if (this.#compaction === null && this.#compactionDue()) await this.#rotate();
  }

  #compactionDue(): boolean {
    if (this.#journalLines < this.#retryCompactionAt) return false;
    return (
      this.#compactSoon ||
      (this.#journalLines >= this.#compactAfterLines && this.#journalLines >= this.#snapshotDocs) ||
      (this.#journalBytes >= this.#compactAfterBytes && this.#journalBytes >= this.#snapshotBytes)
    );
  }

  /** Switches appends to a new segment and snapshots this moment in the background (no append is in flight). */
  async #rotate(): Promise<void> {
    const generation = (this.#segments.at(-1) ?? 0) + 1;
    const next = await open(segmentPathFor(this.path, generation), 'a').catch(() => null);
    if (next === null) {
      this.#retryCompactionAt = this.#journalLines + this.#compactAfterLines; // the commit is durable all the same
      return;
    }
    // From here to the start of the compaction, one tick: the view is the state the new segment
    // continues from. Lines staged but not yet appended are in both, which replays harmlessly.
    const previous = this.#journal;
    this.#journal = next;
    this.#segments.push(generation);
    this.#compactSoon = false;
    const view = this.#docs.view();
    const covers = { lines: this.#journalLines, bytes: this.#journalBytes };
    const compaction: Promise<void> = this.#compactInBackground(previous, generation, view, covers).finally(() => {
      if (this.#compaction === compaction) this.#compaction = null;
    });
    this.#compaction = compaction;
  }

  /** Writes the snapshot of `view`, then deletes the segments before `generation`. Never rejects. */
  async #compactInBackground(
    previous: FileHandle | null,
    generation: number,
    view: CollectionsView,
    covers: { lines: number; bytes: number },
  ): Promise<void> {
    try {
      await previous?.close().catch(() => undefined);
      await this.#writeSnapshot(view);
      this.#journalLines -= covers.lines;
      this.#journalBytes -= covers.bytes;
      this.#retryCompactionAt = 0;
      await dropSegmentsBefore(this.path, this.#segments, generation);
    } catch {
      // Nothing is lost: the older segments stay until a later compaction covers them. Wait for more
      // lines before trying again, rather than rewriting the snapshot on each commit to a full disk.
      this.#retryCompactionAt = this.#journalLines + this.#compactAfterLines;
    }
  }

  /**
   * Writes the whole state as the snapshot and starts the journal afresh at `<data>.journal`. Runs
   * only where nothing appends and no compaction runs: in open(), or in a flush that waited for it.
   */
  async #fold(): Promise<void> {
    await this.#writeSnapshot(this.#docs.view());
    this.#journalLines = 0;
    this.#journalBytes = 0;
    this.#compactSoon = false;
    this.#retryCompactionAt = 0;
    const previous = this.#journal;
    this.#journal = null; // a failure from here on leaves #mustCompact set, so nothing appends to it
    await previous?.close().catch(() => undefined);
    await dropSegmentsBefore(this.path, this.#segments, Infinity);
    this.#journal = await open(journalPathFor(this.path), 'a');
    this.#segments = [0];
  }

  async #writeSnapshot(view: CollectionsView): Promise<void> {
    const parts = view.map(([key, docs]) => ({ key, docs }));
    await this.#snapshotFile.writeParts([{ key: 'version', value: SNAPSHOT_VERSION }, ...parts]);
    this.#snapshotBytes = (await stat(this.path)).size;
    this.#snapshotDocs = view.reduce((total, [, docs]) => total + docs.length, 0);
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
      // Not lowdb's Low.read(): it ignores a file holding `null` or `false`, which would then be
      // overwritten as if empty.
      parsed = await this.#snapshotFile.read();
    } catch (err) {
      if (err instanceof SyntaxError) throw dataFileUnreadable(this.path, `it is not valid JSON (${err.message})`, err);
      throw dataFileUnreadable(this.path, describeFsError(err), err);
    }
    const snapshot = validateSnapshot(parsed, this.path);
    for (const name of Object.keys(snapshot) as CollectionName[]) {
      if ((name as string) === 'version') continue;
      for (const doc of Object.values(snapshot[name] ?? {})) this.#docs.put(name, doc);
    }
    this.#snapshotDocs = this.#docs.size;
    return true;
  }
}
