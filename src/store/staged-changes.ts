/**
 * The changes a file store has applied in memory but not yet written: their journal lines, and how to
 * undo each one. When a write fails, the store undoes every change not yet durable (newest first), so
 * memory goes back to exactly what the files hold: a change answered `503 data_file_unwritable` is
 * not served, not replayed and not written later.
 *
 * A put is serialised when the batch is taken, not when it is staged, and a document put again before
 * then (a Stripe PaymentIntent created and confirmed in one request) is written once, with its latest
 * value, at the place of its first put: replaying that line leaves the document where memory has it
 * (a replaced document keeps its position). A removal or a clear in between ends the merging.
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

/** A staged put, serialised when its batch is taken (documents are immutable once stored). */
interface PendingPut {
  c: CollectionName;
  doc: StoredDoc;
}

export class StagedChanges {
  #lines: Array<string | PendingPut> = [];
  #undo: Undo[] = [];
  /** Per collection, the staged put of each document id that a later put may still replace. */
  #puts = new Map<CollectionName, Map<string, PendingPut>>();

  constructor(private readonly docs: DocCollections) {}

  get size(): number {
    return this.#lines.length;
  }

  put(c: CollectionName, doc: StoredDoc): void {
    const prev = this.docs.put(c, doc);
    this.#undo.push({ op: 'put', c, id: doc.id, prev });
    let puts = this.#puts.get(c);
    if (!puts) this.#puts.set(c, (puts = new Map()));
    const staged = puts.get(doc.id);
    if (staged) {
      staged.doc = doc;
      return;
    }
    const line: PendingPut = { c, doc };
    puts.set(doc.id, line);
    this.#lines.push(line);
  }

  /** Returns whether there was such a document. */
  remove(c: CollectionName, id: string): boolean {
    const at = this.docs.indexOf(c, id);
    const prev = this.docs.get(c, id);
    if (at < 0 || prev === undefined) return false;
    this.docs.remove(c, id);
    this.#puts.get(c)?.delete(id);
    this.#lines.push(delLine(c, id));
    this.#undo.push({ op: 'del', c, prev, at });
    return true;
  }

  clear(): void {
    // Lines staged before stay: replayed before the clear they change nothing, and undoing the clear
    // must find them still staged.
    this.#undo.push({ op: 'clear', before: this.docs.clear() });
    this.#puts.clear();
    this.#lines.push(clearLine());
  }

  /** Hands every staged change to a write and starts an empty set. */
  take(): Batch {
    const lines = this.#lines.map((l) => (typeof l === 'string' ? l : putLine(l.c, l.doc)));
    const batch = { lines, undo: this.#undo };
    this.#lines = [];
    this.#undo = [];
    this.#puts.clear();
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
    this.#puts.clear();
    for (let i = all.length - 1; i >= 0; i--) {
      const u = all[i]!;
      if (u.op === 'clear') this.docs.restoreCleared(u.before);
      else if (u.op === 'del') this.docs.insertAt(u.c, u.prev, u.at);
      else if (u.prev === undefined) this.docs.remove(u.c, u.id);
      else this.docs.put(u.c, u.prev);
    }
  }
}
