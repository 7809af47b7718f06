/**
 * The in-memory state both store implementations share: one insertion-ordered `Map` per collection.
 * A `Map` keeps a replaced key in its original position and, unlike a plain object, never reorders
 * integer-like keys, so it gives the Store contract's "insertion order" for free.
 */
import { PaycliError } from '../errors.js';
import { COLLECTIONS, type CollectionName, type StoredDoc } from './store.js';

/** Every collection, each mapping id → document, in insertion order. */
export type CollectionsSnapshot = { [C in CollectionName]: Record<string, StoredDoc> };

/** The documents of every collection, held in memory; no I/O. */
export class DocCollections {
  readonly #maps = new Map<CollectionName, Map<string, StoredDoc>>();
  /**
   * `list()` results, rebuilt lazily after a change. A fresh frozen array per change means a caller
   * still iterating an earlier result never sees it move under its feet.
   */
  readonly #lists = new Map<CollectionName, readonly StoredDoc[]>();

  constructor() {
    for (const name of COLLECTIONS) this.#maps.set(name, new Map());
  }

  /** The document with this id, if any. */
  get<T extends StoredDoc>(collection: CollectionName, id: string): T | undefined {
    return this.#map(collection).get(id) as T | undefined;
  }

  /** Every document of the collection, oldest first, as a frozen array. */
  list<T extends StoredDoc>(collection: CollectionName): readonly T[] {
    let list = this.#lists.get(collection);
    if (list === undefined) {
      list = Object.freeze(Array.from(this.#map(collection).values()));
      this.#lists.set(collection, list);
    }
    return list as readonly T[];
  }

  /** How many documents all collections hold together. */
  get size(): number {
    let total = 0;
    for (const map of this.#maps.values()) total += map.size;
    return total;
  }

  /** How many documents the collection holds. */
  count(collection: CollectionName): number {
    return this.#map(collection).size;
  }

  /** Inserts or replaces (keeping the position of) a document. */
  put(collection: CollectionName, doc: StoredDoc): void {
    const map = this.#map(collection);
    if (doc === null || typeof doc !== 'object' || typeof doc.id !== 'string' || doc.id === '') {
      throw new PaycliError('internal_error', `A document put into "${collection}" has no string id`);
    }
    map.set(doc.id, doc);
    this.#lists.delete(collection);
  }

  /** Removes a document; returns whether there was one. */
  remove(collection: CollectionName, id: string): boolean {
    const removed = this.#map(collection).delete(id);
    if (removed) this.#lists.delete(collection);
    return removed;
  }

  /** Empties every collection. */
  clear(): void {
    for (const map of this.#maps.values()) map.clear();
    this.#lists.clear();
  }

  /**
   * Every collection as plain objects (id → document), for the JSON snapshot. Shares the document
   * objects, which the Store contract treats as immutable values.
   */
  toSnapshot(): CollectionsSnapshot {
    const snapshot = {} as CollectionsSnapshot;
    for (const name of COLLECTIONS) snapshot[name] = Object.fromEntries(this.#map(name));
    return snapshot;
  }

  #map(collection: CollectionName): Map<string, StoredDoc> {
    const map = this.#maps.get(collection);
    if (map === undefined) throw new PaycliError('internal_error', `Unknown store collection "${String(collection)}"`);
    return map;
  }
}
