/**
 * The changes a file store has applied in memory but not yet written: their journal lines, and how to
 * undo each one. When a write fails, the store undoes every change not yet durable (newest first), so
 * memory goes back to exactly what the files hold: a change answered `503 data_file_unwritable` is
 * not served, not replayed and not written later.
 */
import { putLine, delLine, clearLine } from './data-file-format.js';
import type { ClearedCollections, DocCollections } from './doc-collections.js';
import type { CollectionName, StoredDoc } from './store.js';

type Undo =
  /** A put: `prev` is the replaced document, or undefined for an insert. */
  | { op: 'put'; c: CollectionName; id: string; prev: StoredDoc | undefined }
  /** A removal of `prev`, which sat at `at`. */
  | { op: 'del'; c: CollectionName; prev: StoredDoc; at: number }
  | { op: 'clear'; before: ClearedCollections };

/** Staged changes taken by one write: the text to append and how to take them back. */
export interface Batch {
  readonly lines: readonly string[];
  readonly undo: readonly Undo[];
}

export class StagedChanges {
  #lines: string[] = [];
  #undo: Undo[] = [];

  constructor(private readonly docs: DocCollections) {}

  get size(): number {
    return this.#lines.length;
  }

  put(c: CollectionName, doc: StoredDoc): void {
    const prev = this.docs.get(c, doc.id);
    this.docs.put(c, doc);
    this.#lines.push(putLine(c, doc));
    this.#undo.push({ op: 'put', c, id: doc.id, prev });
  }

  /** Returns whether there was such a document. */
  remove(c: CollectionName, id: string): boolean {
    const at = this.docs.indexOf(c, id);
    const prev = this.docs.get(c, id);
    if (at < 0 || prev === undefined) return false;
    this.docs.remove(c, id);
    this.#lines.push(delLine(c, id));
    this.#undo.push({ op: 'del', c, prev, at });
    return true;
  }

  clear(): void {
    // Lines staged before stay: replayed before the clear they change nothing, and undoing the clear
    // must find them still staged.
    this.#undo.push({ op: 'clear', before: this.docs.clear() });
    this.#lines.push(clearLine());
  }

  /** Hands every staged change to a write and starts an empty set. */
  take(): Batch {
    const batch = { lines: this.#lines, undo: this.#undo };
    this.#lines = [];
    this.#undo = [];
    return batch;
  }

  /**
   * Undoes, newest first, what is still staged and then `batches` (oldest first, as written), leaving
   * nothing staged.
   */
  rollBack(batches: readonly Batch[]): void {
    const all = [...batches.flatMap((b) => b.undo), ...this.#undo];
    this.#lines = [];
    this.#undo = [];
    for (let i = all.length - 1; i >= 0; i--) {
      const u = all[i]!;
      if (u.op === 'clear') this.docs.restoreCleared(u.before);
      else if (u.op === 'del') this.docs.insertAt(u.c, u.prev, u.at);
      else if (u.prev === undefined) this.docs.remove(u.c, u.id);
      else this.docs.put(u.c, u.prev);
    }
  }
}
