/**
 * The in-memory state both store implementations share: per collection, the documents in insertion
 * order in an array, and each id's position in it. A replaced document keeps its position; a removal
 * (rare: webhook endpoints) shifts the later ones down. The array is what `live()` hands out, so a
 * page of a list costs the page, not the collection.
 */
import { PaycliError } from '../errors.js';
import { COLLECTIONS, isCollectionName, type CollectionName, type StoredDoc } from './store.js';

const COLLECTION_SET: ReadonlySet<string> = new Set(COLLECTIONS);

/** Every collection's documents in insertion order, as `view()` hands them out. */
export type CollectionsView = Array<[CollectionName, readonly StoredDoc[]]>;

/** Every collection, each mapping id → document, in insertion order (providers' collections when they hold any). */
export type CollectionsSnapshot = { [C in (typeof COLLECTIONS)[number]]: Record<string, StoredDoc> } & Partial<Record<CollectionName, Record<string, StoredDoc>>>;

/** What `clear()` took away, opaque to callers. */
export type ClearedCollections = ReadonlyMap<CollectionName, Collection>;

/** One collection: its documents in order and their positions (internal to the stores). */
export interface Collection {
  docs: StoredDoc[];
  /** id → index in `docs` */
  at: Map<string, number>;
}

/** The documents of every collection, held in memory; no I/O. */
export class DocCollections {
  readonly #collections = new Map<CollectionName, Collection>();
  /**
   * `list()` results, copied lazily after a change. A fresh frozen array per change means a caller
   * still iterating an earlier result never sees it move under its feet.
   */
  readonly #lists = new Map<CollectionName, readonly StoredDoc[]>();

  constructor() {
    for (const name of COLLECTIONS) this.#collections.set(name, { docs: [], at: new Map() });
  }

  /** The document with this id, if any. */
  get<T extends StoredDoc>(collection: CollectionName, id: string): T | undefined {
    const c = this.#collection(collection);
    const i = c.at.get(id);
    return (i === undefined ? undefined : c.docs[i]) as T | undefined;
  }

  /** Every document of the collection, oldest first, as a frozen array. */
  list<T extends StoredDoc>(collection: CollectionName): readonly T[] {
    let list = this.#lists.get(collection);
    if (list === undefined) {
      list = Object.freeze(this.#collection(collection).docs.slice());
      this.#lists.set(collection, list);
    }
    return list as readonly T[];
  }

  /** The collection's own array, oldest first: no copy, so read it at once and never change it. */
  live<T extends StoredDoc>(collection: CollectionName): readonly T[] {
    return this.#collection(collection).docs as readonly StoredDoc[] as readonly T[];
  }

  /** How many documents all collections hold together. */
  get size(): number {
    let total = 0;
    for (const c of this.#collections.values()) total += c.docs.length;
    return total;
  }

  /** How many documents the collection holds. */
  count(collection: CollectionName): number {
    return this.#collection(collection).docs.length;
  }

  /** Inserts or replaces (keeping the position of) a document; returns the one it replaced, if any. */
  put(collection: CollectionName, doc: StoredDoc): StoredDoc | undefined {
    const c = this.#collection(collection);
    if (doc === null || typeof doc !== 'object' || typeof doc.id !== 'string' || doc.id === '') {
      throw new PaycliError('internal_error', `A document put into "${collection}" has no string id`);
    }
    const i = c.at.get(doc.id);
    let prev: StoredDoc | undefined;
    if (i === undefined) {
      c.at.set(doc.id, c.docs.length);
      c.docs.push(doc);
    } else {
      prev = c.docs[i];
      c.docs[i] = doc;
    }
    this.#lists.delete(collection);
    return prev;
  }

  /** Removes a document; returns whether there was one. */
  remove(collection: CollectionName, id: string): boolean {
    const c = this.#collection(collection);
    const i = c.at.get(id);
    if (i === undefined) return false;
    c.docs.splice(i, 1);
    c.at.delete(id);
    for (let j = i; j < c.docs.length; j++) c.at.set(c.docs[j]!.id, j);
    this.#lists.delete(collection);
    return true;
  }

  /** Where the document sits in its collection's order, or -1. */
  indexOf(collection: CollectionName, id: string): number {
    return this.#collection(collection).at.get(id) ?? -1;
  }

  /** Puts a removed document back where it was (undoing `remove()`); `index` is clamped to the end. */
  insertAt(collection: CollectionName, doc: StoredDoc, index: number): void {
    const c = this.#collection(collection);
    if (c.at.has(doc.id)) throw new PaycliError('internal_error', `insertAt: "${collection}" already holds ${doc.id}`);
    const i = Math.max(0, Math.min(index, c.docs.length));
    c.docs.splice(i, 0, doc);
    for (let j = i; j < c.docs.length; j++) c.at.set(c.docs[j]!.id, j);
    this.#lists.delete(collection);
  }

  /** Empties every collection; returns what they held, for `restoreCleared()`. */
  clear(): ClearedCollections {
    const before: ClearedCollections = new Map(this.#collections);
    // New arrays rather than emptied ones: a `live()` array read at this moment stays as it was.
    // Providers' collections are emptied too, but stay known.
    for (const name of this.#collections.keys()) this.#collections.set(name, { docs: [], at: new Map() });
    this.#lists.clear();
    return before;
  }

  /**
   * Undoes `clear()`: the collections become what it returned (untouched since, as clear() gave the
   * store new arrays). Changes made after the clear must have been undone first.
   */
  restoreCleared(before: ClearedCollections): void {
    for (const [name, c] of before) this.#collections.set(name, c);
    this.#lists.clear();
  }

  /**
   * Every collection as plain objects (id → document), for the JSON snapshot. Shares the document
   * objects, which the Store contract treats as immutable values.
   */
  toSnapshot(): CollectionsSnapshot {
    const snapshot = {} as CollectionsSnapshot;
    for (const name of this.#collections.keys()) {
      if (!COLLECTION_SET.has(name) && this.#collection(name).docs.length === 0) continue;
      const docs: Record<string, StoredDoc> = {};
      for (const doc of this.#collection(name).docs) docs[doc.id] = doc;
      snapshot[name] = docs;
    }
    return snapshot;
  }

  /**
   * Every collection's documents as they are now, oldest first: a copy of each array (not of the
   * documents, which are immutable values), so later changes do not show. Cheap enough for one tick
   * (a few ms for 300k documents), unlike `toSnapshot()`, which builds an object per collection.
   */
  view(): CollectionsView {
    return [...this.#collections.keys()].map((name) => [name, this.#collection(name).docs.slice()]);
  }

  #collection(collection: CollectionName): Collection {
    let c = this.#collections.get(collection);
    if (c === undefined) {
      if (!isCollectionName(collection)) throw new PaycliError('internal_error', `Unknown store collection "${String(collection)}"`);
      c = { docs: [], at: new Map() };
      this.#collections.set(collection, c);
    }
    return c;
  }
}
