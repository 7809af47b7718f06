/**
 * The default store: every document in memory, made durable in two kinds of file.
 *
 * - `<data>` is a lowdb JSON snapshot people can read, one document per line (`snapshot-file.ts`, a
 *   lowdb adapter that writes it in chunks). Rewritten whole (seconds at 100k payments): only to compact.
 * - The journal holds the changes since the snapshot as JSON lines, in segments (`<data>.journal`,
 *   `.journal.1`, …: read in `journal-segments.ts`, written through `journal-writer.ts`). A `commit()`
 *   appends every line staged since the last one in one write to the newest segment (group commit: at
 *   most one write in flight; callers arriving meanwhile share the next). Its cost does not grow with
 *   the stored data.
 *
 * Compaction (when the journal passes a size threshold, `compaction-policy.ts`) does not hold up
 * commits: at the end of a flush, in one tick, appends switch to a new segment and a view of the state
 * is taken (a copy of each collection's array; documents are immutable values). The new snapshot is
 * written in the background (temp file + rename, yielding between chunks) while commits append to the
 * new segment; then the older segments are deleted, oldest first. It is merged from the files' bytes
 * (the old snapshot with the older segments applied, `snapshot-merge.ts`: no document is serialised
 * again); the view is serialised instead only when the data file is in a layout the merge does not read. Open replays the snapshot and every
 * segment left, in order. A kill before the rename leaves the old snapshot and every segment; after it,
 * a suffix of segments the new snapshot holds, whose replay changes nothing (a put carries the whole
 * document, a del or clear is idempotent; the one trace: a document deleted and put again there can
 * move later in `list()` order). Open, close and the recovery from a failed append instead fold
 * everything into the snapshot while nothing appends, and start again at `<data>.journal`.
 *
 * A failed write changes nothing: every change not yet durable (the failed batch and whatever was
 * staged on top of it) is undone in memory, a torn append is truncated away, and callers of commit()
 * whose changes those were are rejected with `data_file_unwritable`. A compaction whose view held
 * changes still being written renames its snapshot into place only once they are durable.
 *
 * The files are private (0600 in a 0700 folder) and never symbolic links; a data file made read-only,
 * or emptied, is refused at open rather than replaced.
 *
 * "Durable" means handed to the OS: it survives a crash or SIGKILL of the process, not a power loss
 * (no fsync, as lowdb).
 */
import { stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PaycliError } from '../errors.js';
import { ensurePrivateDir, tightenFile } from '../private-files.js';
import { dataFileUnreadable, dataFileUnwritable, describeFsError, segmentPathFor, SNAPSHOT_VERSION, type JournalEntry, type Snapshot } from './data-file-format.js';
import { CompactionPolicy, type FileStoreOptions } from './compaction-policy.js';
import { DocCollections, type CollectionsView } from './doc-collections.js';
import { Durability } from './durability.js';
import { replaySegment } from './journal-segments.js';
import { JournalWriter } from './journal-writer.js';
import { SnapshotFile } from './snapshot-file.js';
import { readSnapshot } from './snapshot-read.js';
import { StagedChanges, type Batch } from './staged-changes.js';
import type { CollectionName, Store, StoredDoc } from './store.js';

export type { FileStoreOptions } from './compaction-policy.js';

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
  readonly #staged = new StagedChanges(this.#docs);
  readonly #durability = new Durability();
  readonly #rollbackListeners = new Set<() => void>();
  readonly #snapshotFile: SnapshotFile<Snapshot>;
  readonly #compactions: CompactionPolicy;
  readonly #journal: JournalWriter;
  #state: State = 'new';
  /** Compaction is due but lines were staged at the end of the last flush: rotate at the next one's start. */
  #rotateAtNextFlush = false;
  /** The journal lacks changes memory has (a write failed): the next flush folds instead of appending. */
  #mustCompact = false;
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
    this.#journal = new JournalWriter(path);
    this.#compactions = new CompactionPolicy(options);
  }

  /** The journal segment appends go to now: `<data>.journal`, or `<data>.journal.<n>` after compactions. */
  get journalPath(): string {
    return this.#journal.path;
  }

  async open(): Promise<void> {
    if (this.#state !== 'new') throw new PaycliError('internal_error', `The store for ${this.path} was opened twice`);
    this.#state = 'opening';
    try {
      try {
        await ensurePrivateDir(dirname(this.path));
      } catch (err) {
        throw dataFileUnreadable(this.path, `cannot create its folder (${describeFsError(err)})`, err);
      }
      const snapshotIsValid = await this.#loadSnapshot();
      const segments = await this.#journal.discover();
      try {
        // Written by an older paycli, or under a loose umask: they hold the keys, so only this user reads them.
        if (snapshotIsValid) await tightenFile(this.path);
        for (const generation of segments) await tightenFile(segmentPathFor(this.path, generation));
      } catch (err) {
        throw dataFileUnreadable(this.path, describeFsError(err), err);
      }
      let journalHadContent = false;
      for (const generation of segments) {
        if (await replaySegment(segmentPathFor(this.path, generation), (entry) => this.#apply(entry))) journalHadContent = true;
      }
      try {
        // Folding also drops a torn last journal line, which must not sit before the next append.
        if (!snapshotIsValid || journalHadContent) await this.#fold();
        else await this.#journal.restart(); // every segment is empty
      } catch (err) {
        throw dataFileUnreadable(this.path, `cannot write it or its journal (${describeFsError(err)})`, err);
      }
      this.#state = 'open';
    } catch (err) {
      this.#state = 'failed';
      await this.#journal.close().catch(() => undefined);
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
    this.#staged.put(collection, doc);
    this.#durability.stage();
  }

  remove(collection: CollectionName, id: string): void {
    this.#assertWritable();
    if (this.#staged.remove(collection, id)) this.#durability.stage();
  }

  commit(): Promise<void> {
    const ticket = this.#durability.ticket();
    if (this.#durability.state(ticket) === 'durable' && !this.#mustCompact) return Promise.resolve();
    const settle = (): Promise<void> | void => {
      const state = this.#durability.state(ticket);
      if (state === 'lost') throw this.#durability.failure;
      if (state === 'pending') return this.#scheduleFlush().then(settle);
    };
    return this.#scheduleFlush().then(settle);
  }

  whenDurable(): Promise<boolean> {
    return this.#durability.wait();
  }

  onRollback(listener: () => void): () => void {
    this.#rollbackListeners.add(listener);
    return () => this.#rollbackListeners.delete(listener);
  }

  /** Starts (or joins) the flush that will write what is staged now; resolves when it ends. */
  #scheduleFlush(): Promise<void> {
    if (this.#staged.size === 0 && !this.#mustCompact) {
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
    // One journal line, so a kill leaves the state before or after it.
    this.#staged.clear();
    this.#durability.stage();
    this.#compactions.soon = true;
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
      if (this.#journal.lines > 0 || this.#mustCompact) {
        this.#mustCompact = true;
        await this.commit();
      }
    } finally {
      await this.#journal.close();
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

  /** Makes every staged change durable: one journal append (or a fold), or else rolls them all back. */
  async #flush(): Promise<void> {
    const mustCompact = this.#mustCompact;
    // A fold writes the state of memory: taken in the same tick as the batch, it is the durable state
    // plus exactly this batch. Never two snapshot writes at once.
    if (mustCompact) await this.#compaction;
    let outcome: ((durable: boolean) => void) | null = null;
    if (!mustCompact && this.#rotateAtNextFlush && this.#compaction === null) {
      this.#rotateAtNextFlush = false;
      // The view taken now holds lines this very flush writes: its snapshot may replace the data file
      // only once they are durable.
      const written = new Promise<boolean>((resolve) => (outcome = resolve));
      await this.#rotate(written);
    }
    // Taken in one tick, so a failure flagged while this flush runs is left for the next.
    this.#mustCompact = false;
    const upTo = this.#durability.seq;
    const batch = this.#staged.take();
    try {
      if (mustCompact) {
        await this.#writeSnapshot(this.#docs.view());
        // The snapshot now holds the batch: durable whatever happens to the journal below.
        try {
          await this.#restartJournal();
        } catch {
          this.#mustCompact = true; // no journal to append to: the next flush folds again
        }
      } else if (batch.lines.length > 0) {
        await this.#journal.append(batch.lines.join(''), batch.lines.length, () => {
          this.#mustCompact = true; // could not cut it: the next flush rewrites everything instead
        });
      }
    } catch (err) {
      // A fold that failed may have left a torn or missing journal: the next flush folds again.
      if (mustCompact) this.#mustCompact = true;
      const error = dataFileUnwritable(this.path, err);
      this.#rollBack([batch], error);
      (outcome as ((durable: boolean) => void) | null)?.(false);
      throw error;
    }
    this.#durability.markDurable(upTo);
    (outcome as ((durable: boolean) => void) | null)?.(true);
    if (this.#compaction === null && this.#compactions.due(this.#journal)) {
      // With nothing staged the view is exactly what is durable; otherwise let the next flush, which
      // writes what is staged, take it.
      if (this.#staged.size === 0) await this.#rotate(null);
      else this.#rotateAtNextFlush = true;
    }
  }

  /** Undoes in memory every change not yet durable and tells whoever keeps state derived from it. */
  #rollBack(batches: readonly Batch[], error: unknown): void {
    this.#staged.rollBack(batches);
    this.#durability.rolledBack(error);
    for (const listener of this.#rollbackListeners) listener();
  }

  /**
   * Switches appends to a new segment and snapshots this moment in the background (no append is in
   * flight). `written` settles whether lines the view holds but the files do not yet were written.
   */
  async #rotate(written: Promise<boolean> | null): Promise<void> {
    const next = await this.#journal.openNext();
    if (next === null) {
      this.#compactions.failed(this.#journal.lines); // the commit is durable all the same
      return;
    }
    // From here to the start of the compaction, one tick: the view is the state the new segment
    // continues from. Lines staged but not yet appended are in both, which replays harmlessly.
    const previous = this.#journal.switchTo(next);
    this.#compactions.soon = false;
    const view = this.#docs.view();
    const covers = { lines: this.#journal.lines, bytes: this.#journal.bytes, segments: this.#journal.pathsBefore(next.generation) };
    const compaction: Promise<void> = this.#compactInBackground(previous, next.generation, view, covers, written).finally(() => {
      if (this.#compaction === compaction) this.#compaction = null;
    });
    this.#compaction = compaction;
  }

  /**
   * Writes the snapshot that the data file and the segments before `generation` make together, then
   * deletes those segments. Never rejects. The snapshot is merged from the files' bytes; when the data
   * file is not in the layout that merge reads (written by hand or by an older paycli), it is `view`
   * serialised, which may also hold lines of the flush that opened the new segment.
   */
  async #compactInBackground(
    previous: FileHandle | null,
    generation: number,
    view: CollectionsView,
    covers: { lines: number; bytes: number; segments: readonly string[] },
    written: Promise<boolean> | null,
  ): Promise<void> {
    try {
      await previous?.close().catch(() => undefined);
      let merged: number | null = null;
      try {
        merged = await this.#snapshotFile.writeMerged(covers.segments);
      } catch {
        // Not a layout the merge reads, or it could not be written: memory is the other source.
      }
      if (merged === null) {
        await this.#writeSnapshot(view, async () => {
          if (written && !(await written)) throw new Error('the snapshot holds changes that were rolled back');
        });
      } else {
        this.#compactions.snapshotBytes = (await stat(this.path)).size;
        this.#compactions.snapshotDocs = merged;
      }
      this.#journal.lines -= covers.lines;
      this.#journal.bytes -= covers.bytes;
      this.#compactions.compacted();
      await this.#journal.dropBefore(generation);
    } catch {
      // Nothing is lost: the older segments stay until a later compaction covers them.
      this.#compactions.failed(this.#journal.lines);
    }
  }

  /**
   * Writes the whole state as the snapshot and starts the journal afresh at `<data>.journal`. Runs
   * only where nothing appends and no compaction runs: in open(), or in a flush that waited for it.
   */
  async #fold(): Promise<void> {
    await this.#writeSnapshot(this.#docs.view());
    await this.#restartJournal();
  }

  /** After a snapshot holding everything: drops every segment and starts again at an empty `<data>.journal`. */
  async #restartJournal(): Promise<void> {
    this.#compactions.restarted();
    // A failure in it leaves #mustCompact set, so nothing appends to the journal meanwhile.
    await this.#journal.restart();
  }

  async #writeSnapshot(view: CollectionsView, beforeRename?: () => Promise<void>): Promise<void> {
    const parts = view.map(([key, docs]) => ({ key, docs }));
    await this.#snapshotFile.writeParts([{ key: 'version', value: SNAPSHOT_VERSION }, ...parts], beforeRename);
    this.#compactions.snapshotBytes = (await stat(this.path)).size;
    this.#compactions.snapshotDocs = view.reduce((total, [, docs]) => total + docs.length, 0);
  }

  /** Loads the snapshot; returns false when there is none yet (absent or empty file). */
  async #loadSnapshot(): Promise<boolean> {
    const loaded = await readSnapshot(this.path, this.#snapshotFile);
    if (loaded === null) return false;
    this.#compactions.snapshotBytes = loaded.bytes;
    // Every collection the snapshot holds, providers' own included.
    for (const name of Object.keys(loaded.snapshot) as CollectionName[]) {
      if ((name as string) === 'version') continue;
      for (const doc of Object.values(loaded.snapshot[name] ?? {})) this.#docs.put(name, doc);
    }
    this.#compactions.snapshotDocs = this.#docs.size;
    return true;
  }
}
