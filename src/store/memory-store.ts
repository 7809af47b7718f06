/**
 * The store for CI and tests (`paycli sandbox start --in-memory`): nothing touches the disk, so
 * `commit()` has nothing to wait for.
 */
import { PaycliError } from '../errors.js';
import { DocCollections } from './doc-collections.js';
import type { CollectionName, Store, StoredDoc } from './store.js';

/**
 * A Store that lives and dies with the process.
 *
 * @example
 * const store = new MemoryStore();
 * await store.open();
 * store.put('payments', { id: 'pay_1' });
 * await store.commit();
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly path = null;
  readonly #docs = new DocCollections();
  #closed = false;

  async open(): Promise<void> {}

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
    this.#assertOpen();
    this.#docs.put(collection, doc);
  }

  remove(collection: CollectionName, id: string): void {
    this.#assertOpen();
    this.#docs.remove(collection, id);
  }

  async commit(): Promise<void> {}

  async whenDurable(): Promise<boolean> {
    return true;
  }

  /** Nothing is ever rolled back: there is no write to fail. */
  onRollback(_listener: () => void): () => void {
    return () => {};
  }

  async clear(): Promise<void> {
    this.#assertOpen();
    this.#docs.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  // A write after close is a shutdown-order bug in the caller; with a file store it would be lost.
  #assertOpen(): void {
    if (this.#closed) throw new PaycliError('internal_error', 'The in-memory store was written to after close()');
  }
}
