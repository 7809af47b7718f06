/**
 * The sandbox's persistence: one interface, two implementations (memory for CI and tests, a lowdb JSON
 * file by default), one contract test suite (`store-contract.ts`).
 *
 * The model is deliberately small: named collections of documents keyed by `id`, all held in memory.
 * Reads are synchronous. Writes are staged in memory at once (so every later read sees them, and
 * JavaScript's single thread makes read-modify-write in one tick free of lost updates), and become
 * durable on `commit()`, which concurrent callers share (group commit). A request handler mutates, then
 * awaits `commit()`, then answers: an acknowledged change is never lost.
 */

export const COLLECTIONS = [
  'merchants',
  'payments',
  'refunds',
  'events',
  'webhook_endpoints',
  /** One document per (event, destination): the notification and its attempts. */
  'deliveries',
  'idempotency_keys',
  /** Sandbox-wide settings (e.g. the configured retry schedule). */
  'settings',
  /** Providers' notifications of domain events, unsigned; deliveries refer to them by id. */
  'notifications',
  /** Each provider's credentials per merchant (`<provider>:<merchant id>`). */
  'provider_credentials',
  /** Identifiers providers registered for payments (a Stripe `pi_…`), for the simulated buyer's `{ref}`. */
  'payment_refs',
] as const;

/** The core's collections, always present. */
export type CoreCollectionName = (typeof COLLECTIONS)[number];
/**
 * A provider's own collection: `<provider>_<name>` (e.g. `stripe_payment_intents`). The store creates it on
 * first use and keeps whatever a data file holds under such a name, so a run without that provider
 * neither fails on nor loses its documents.
 */
export type ProviderCollectionName = `${string}_${string}`;
export type CollectionName = CoreCollectionName | ProviderCollectionName;

const PROVIDER_COLLECTION = /^[a-z][a-z0-9]*_[a-z0-9_]+$/;
const CORE_SET: ReadonlySet<string> = new Set(COLLECTIONS);

/** Whether `name` can be a store collection: a core one, or a provider's `<provider>_<name>`. */
export function isCollectionName(name: string): name is CollectionName {
  return CORE_SET.has(name) || PROVIDER_COLLECTION.test(name);
}

export interface StoredDoc {
  id: string;
}

export interface Store {
  /** `memory` or `file`. */
  readonly kind: 'memory' | 'file';
  /** The data file, for file stores. */
  readonly path: string | null;

  /**
   * Loads existing data (creating an empty store if there is none).
   * Throws PaycliError `data_file_unreadable` (with a hint) when the file cannot be read or parsed.
   */
  open(): Promise<void>;

  get<T extends StoredDoc>(collection: CollectionName, id: string): T | undefined;
  /** Every document of a collection, in insertion order (oldest first). Do not mutate the result. */
  list<T extends StoredDoc>(collection: CollectionName): readonly T[];
  /**
   * The same documents without a copy, for a page of a list on a large collection (`list()` copies the
   * collection after each change): it changes with the store, so read it at once, never across an
   * await, and never modify it.
   */
  live<T extends StoredDoc>(collection: CollectionName): readonly T[];
  count(collection: CollectionName): number;

  /**
   * Inserts or replaces a document. Visible to reads at once; durable after the next `commit()`
   * resolves. Documents are treated as immutable values: put a new object rather than mutating one.
   */
  put<T extends StoredDoc>(collection: CollectionName, doc: T): void;
  remove(collection: CollectionName, id: string): void;

  /**
   * Resolves once every change staged before the call is durable (for a file store: handed to the OS by
   * an atomic write). Concurrent callers share one write. When the write fails it rejects with
   * `data_file_unwritable` and every change not yet durable is undone: memory goes back to what the
   * files hold. Called with nothing staged, it is a barrier: it resolves once what was staged before
   * (by anyone) is durable, or rejects if that was rolled back.
   */
  commit(): Promise<void>;

  /**
   * Resolves true once every change staged before the call is durable, false if a failed write rolled
   * it back; unlike commit() it starts no write (so it can be awaited while a caller is still staging).
   * Optional: a store whose writes cannot fail need not offer it (nor onRollback).
   */
  whenDurable?(): Promise<boolean>;

  /**
   * Called (synchronously, before any commit() rejects) after a failed write undid every change not yet
   * durable, so whoever derives state from the documents (indexes, timers) rebuilds it.
   */
  onRollback?(listener: () => void): () => void;

  /** Removes every document of every collection and commits. */
  clear(): Promise<void>;

  /** Commits what is staged and releases resources. */
  close(): Promise<void>;
}
