/**
 * When the file store compacts its journal into a new snapshot: once the journal holds at least
 * `compactAfterLines` lines AND as many lines as the snapshot has documents, or `compactAfterBytes`
 * bytes AND as many as the snapshot. The second half keeps the cost per write flat as the data grows (as
 * Redis rewrites its AOF when it doubles). After `clear()` it compacts at once, to reclaim the disk; after
 * a compaction that failed, it waits for as many lines again before the next try, rather than rewriting
 * the snapshot on each commit to a full disk.
 */

export interface FileStoreOptions {
  /** Minimum journal lines before a compaction (default 50,000). */
  compactAfterLines?: number;
  /** Minimum journal bytes before a compaction (default 64 MiB). */
  compactAfterBytes?: number;
}

export class CompactionPolicy {
  readonly afterLines: number;
  readonly afterBytes: number;
  /** Size of the snapshot last written or loaded, in bytes and documents. */
  snapshotBytes = 0;
  snapshotDocs = 0;
  /** Compact at the next flush whatever the thresholds say (after clear(): reclaim the disk). */
  soon = false;
  /** After a failed compaction, the journal lines to wait for before trying again. */
  #retryAt = 0;

  constructor(options: FileStoreOptions = {}) {
    this.afterLines = options.compactAfterLines ?? 50_000;
    this.afterBytes = options.compactAfterBytes ?? 64 * 1024 * 1024;
  }

  /** Whether a journal of this size is due for compaction. */
  due(journal: { lines: number; bytes: number }): boolean {
    if (journal.lines < this.#retryAt) return false;
    return (
      this.soon ||
      (journal.lines >= this.afterLines && journal.lines >= this.snapshotDocs) ||
      (journal.bytes >= this.afterBytes && journal.bytes >= this.snapshotBytes)
    );
  }

  /** A compaction failed, or could not start, with the journal at `lines`: wait for more before trying again. */
  failed(lines: number): void {
    this.#retryAt = lines + this.afterLines;
  }

  /** A snapshot now holds the journal, up to the segment appends go to (or all of it: `restarted`). */
  compacted(): void {
    this.#retryAt = 0;
  }

  /** The journal starts again empty after a snapshot holding everything. */
  restarted(): void {
    this.soon = false;
    this.#retryAt = 0;
  }
}
