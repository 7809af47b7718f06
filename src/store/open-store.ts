/**
 * The one place that picks a Store implementation, so the sandbox depends on the interface only.
 */
import { PaycliError } from '../errors.js';
import { FileStore } from './file-store.js';
import { MemoryStore } from './memory-store.js';
import type { Store } from './store.js';

/** Where the sandbox keeps its state. */
export interface OpenStoreOptions {
  /** Keep everything in memory (CI, tests); `path` is then ignored. */
  inMemory?: boolean;
  /** The JSON data file; its journal is `<path>.journal`. Required unless `inMemory`. */
  path?: string;
}

/**
 * Creates and opens the store. Throws PaycliError `data_file_unreadable` (with a hint) when the data
 * file exists but cannot be used.
 *
 * @example
 * const store = await openStore({ path: '.paycli/data.json' });
 * const ci = await openStore({ inMemory: true });
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  let store: Store;
  if (options.inMemory) {
    store = new MemoryStore();
  } else if (options.path !== undefined && options.path !== '') {
    store = new FileStore(options.path);
  } else {
    throw new PaycliError('internal_error', 'openStore() needs either inMemory or a data file path');
  }
  await store.open();
  return store;
}
