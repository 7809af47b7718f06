import { describeStoreContract } from './store-contract.js';
import { MemoryStore } from './memory-store.js';

describeStoreContract('MemoryStore', async () => {
  const store = new MemoryStore();
  await store.open();
  return { store, cleanup: () => store.close() };
});
