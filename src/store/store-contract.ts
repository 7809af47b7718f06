/**
 * The one contract test suite every Store implementation must pass. Each implementation's test file
 * calls `describeStoreContract` with a factory; durable stores also pass `{ durable: true }` and a
 * `reopen`, which adds the close/reopen and crash tests.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaycliError } from '../errors.js';
import { COLLECTIONS, type CollectionName, type Store, type StoredDoc } from './store.js';

/** What a factory hands the contract suite for one test. */
export interface StoreHarness {
  /** A fresh, opened, empty store. */
  store: Store;
  /** Opens another store on the same data as `store` (durable stores only). */
  reopen?: () => Promise<Store>;
  /** Closes what the factory opened and deletes its files. */
  cleanup: () => Promise<void>;
}

interface TestDoc extends StoredDoc {
  amount: number;
  note?: string;
}

const doc = (id: string, amount = 100, note?: string): TestDoc => (note === undefined ? { id, amount } : { id, amount, note });
const ids = (store: Store, collection: CollectionName): string[] => store.list(collection).map((d) => d.id);

/** Every collection's documents, in order: what must survive a reopen. */
function contents(store: Store): Record<string, readonly StoredDoc[]> {
  return Object.fromEntries(COLLECTIONS.map((c) => [c, store.list(c)]));
}

/** Registers the Store contract tests for one implementation. */
export function describeStoreContract(
  name: string,
  makeStore: () => Promise<StoreHarness>,
  options: { durable?: boolean } = {},
): void {
  describe(`Store contract: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;
    beforeEach(async () => {
      h = await makeStore();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('starts empty in every collection', () => {
      for (const c of COLLECTIONS) {
        expect(store.count(c)).toBe(0);
        expect(store.list(c)).toEqual([]);
        expect(store.get(c, 'pay_1')).toBeUndefined();
      }
    });

    it('shows a put document to get, list and count at once, before any commit', () => {
      store.put('payments', doc('pay_1', 500));
      expect(store.get<TestDoc>('payments', 'pay_1')).toEqual({ id: 'pay_1', amount: 500 });
      expect(store.list('payments')).toEqual([{ id: 'pay_1', amount: 500 }]);
      expect(store.count('payments')).toBe(1);
    });

    it('lists in insertion order, not id order', () => {
      for (const id of ['pay_c', 'pay_a', 'pay_b', 'pay_10', 'pay_2']) store.put('payments', doc(id));
      expect(ids(store, 'payments')).toEqual(['pay_c', 'pay_a', 'pay_b', 'pay_10', 'pay_2']);
    });

    it('replaces a document put again under its id and keeps its position', () => {
      for (const id of ['pay_1', 'pay_2', 'pay_3']) store.put('payments', doc(id));
      store.put('payments', doc('pay_2', 999, 'captured'));
      expect(ids(store, 'payments')).toEqual(['pay_1', 'pay_2', 'pay_3']);
      expect(store.get('payments', 'pay_2')).toEqual({ id: 'pay_2', amount: 999, note: 'captured' });
      expect(store.count('payments')).toBe(3);
    });

    it('removes one document, and removing a missing id does nothing', () => {
      for (const id of ['pay_1', 'pay_2', 'pay_3']) store.put('payments', doc(id));
      store.remove('payments', 'pay_2');
      store.remove('payments', 'pay_404');
      expect(store.get('payments', 'pay_2')).toBeUndefined();
      expect(ids(store, 'payments')).toEqual(['pay_1', 'pay_3']);
      expect(store.count('payments')).toBe(2);
    });

    it('puts a removed id, when put again, at the end', () => {
      for (const id of ['pay_1', 'pay_2', 'pay_3']) store.put('payments', doc(id));
      store.remove('payments', 'pay_1');
      store.put('payments', doc('pay_1', 7));
      expect(ids(store, 'payments')).toEqual(['pay_2', 'pay_3', 'pay_1']);
    });

    it('keeps collections independent, even for the same id', () => {
      store.put('payments', doc('obj_1', 1));
      store.put('refunds', doc('obj_1', 2));
      store.put('settings', doc('retry_schedule', 3));
      expect(store.get('payments', 'obj_1')).toEqual({ id: 'obj_1', amount: 1 });
      expect(store.get('refunds', 'obj_1')).toEqual({ id: 'obj_1', amount: 2 });
      store.remove('payments', 'obj_1');
      expect(store.get('refunds', 'obj_1')).toEqual({ id: 'obj_1', amount: 2 });
      expect(store.count('payments')).toBe(0);
      expect(store.count('events')).toBe(0);
      expect(store.count('settings')).toBe(1);
    });

    it('does not change a list returned earlier when the store changes', () => {
      store.put('payments', doc('pay_1'));
      const before = store.list('payments');
      store.put('payments', doc('pay_2'));
      store.put('payments', doc('pay_1', 5));
      store.remove('payments', 'pay_1');
      expect(before).toEqual([{ id: 'pay_1', amount: 100 }]);
      expect(ids(store, 'payments')).toEqual(['pay_2']);
    });

    it('refuses a document without a string id', () => {
      expect(() => store.put('payments', { amount: 1 } as unknown as StoredDoc)).toThrow(PaycliError);
      expect(() => store.put('payments', { id: '' })).toThrow(PaycliError);
      expect(store.count('payments')).toBe(0);
    });

    it('resolves a commit with nothing staged', async () => {
      await store.commit();
      await Promise.all([store.commit(), store.commit()]);
    });

    it('commits many puts and removes at once', async () => {
      for (let i = 0; i < 1000; i++) store.put('payments', doc(`pay_${i}`, i));
      for (let i = 0; i < 1000; i += 10) store.remove('payments', `pay_${i}`);
      await store.commit();
      expect(store.count('payments')).toBe(900);
      expect(store.get('payments', 'pay_999')).toEqual({ id: 'pay_999', amount: 999 });
    });

    it('resolves 200 concurrent put-then-commit calls, each seeing its own document', async () => {
      await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          store.put('events', doc(`evt_${i}`, i));
          await store.commit();
          expect(store.get('events', `evt_${i}`)).toEqual({ id: `evt_${i}`, amount: i });
        }),
      );
      expect(store.count('events')).toBe(200);
    });

    it('clears every collection and stays usable', async () => {
      for (const c of COLLECTIONS) store.put(c, doc(`${c}_1`));
      await store.commit();
      await store.clear();
      for (const c of COLLECTIONS) expect(store.count(c)).toBe(0);
      store.put('payments', doc('pay_after'));
      await store.commit();
      expect(ids(store, 'payments')).toEqual(['pay_after']);
    });

    it('closes idempotently and refuses writes afterwards', async () => {
      store.put('payments', doc('pay_1'));
      await Promise.all([store.close(), store.close()]);
      await store.close();
      expect(() => store.put('payments', doc('pay_2'))).toThrow(PaycliError);
      await store.commit();
    });

    if (!options.durable) return;

    describe('durability', () => {
      const reopen = (): Promise<Store> => {
        if (h.reopen === undefined) throw new Error('a durable store harness must provide reopen()');
        return h.reopen();
      };

      /** A mix of inserts, replacements and removals over several collections. */
      async function writeMixedHistory(s: Store): Promise<void> {
        for (let i = 0; i < 50; i++) s.put('payments', doc(`pay_${i}`, i));
        await s.commit();
        s.put('payments', doc('pay_3', 333, 'replaced'));
        s.remove('payments', 'pay_7');
        s.remove('payments', 'pay_0');
        s.put('payments', doc('pay_0', 0, 'back at the end'));
        s.put('refunds', doc('re_1', 5));
        s.put('merchants', doc('mer_1', 0, 'ünïcödé "quoted" \n newline'));
        s.put('settings', doc('retry_schedule', 6));
        await s.commit();
      }

      it('keeps everything across close and reopen, in order', async () => {
        await writeMixedHistory(store);
        const expected = contents(store);
        await store.close();
        const again = await reopen();
        expect(contents(again)).toEqual(expected);
        expect(ids(again, 'payments').at(-1)).toBe('pay_0');
      });

      it('keeps every committed change when abandoned without close (a crash)', async () => {
        await writeMixedHistory(store);
        const expected = contents(store);
        const again = await reopen();
        expect(contents(again)).toEqual(expected);
      });

      it('keeps all of 200 concurrent commits across a crash', async () => {
        await Promise.all(
          Array.from({ length: 200 }, async (_, i) => {
            store.put('payments', doc(`pay_${i}`, i));
            await store.commit();
          }),
        );
        const again = await reopen();
        expect(again.count('payments')).toBe(200);
        expect(ids(again, 'payments')).toEqual(Array.from({ length: 200 }, (_, i) => `pay_${i}`));
      });

      it('keeps many puts committed at once across a crash', async () => {
        for (let i = 0; i < 2000; i++) store.put('deliveries', doc(`del_${i}`, i));
        await store.commit();
        const again = await reopen();
        expect(again.count('deliveries')).toBe(2000);
        expect(again.get('deliveries', 'del_1999')).toEqual({ id: 'del_1999', amount: 1999 });
      });

      it('makes clear durable, and writes after it too', async () => {
        await writeMixedHistory(store);
        await store.clear();
        store.put('payments', doc('pay_new'));
        await store.commit();
        const again = await reopen();
        expect(contents(again)).toEqual(contents(store));
        expect(ids(again, 'payments')).toEqual(['pay_new']);
      });

      it('survives several reopen cycles with writes in between', async () => {
        let current = store;
        for (let round = 0; round < 3; round++) {
          current.put('events', doc(`evt_${round}`, round));
          await current.commit();
          if (round % 2 === 0) await current.close();
          current = await reopen();
        }
        expect(ids(current, 'events')).toEqual(['evt_0', 'evt_1', 'evt_2']);
      });
    });
  });
}
