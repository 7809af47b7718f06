import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from './file-store.js';

describe('staged changes: a document put again before its commit', () => {
  let dir: string;
  let path: string;
  const stores: FileStore[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paycli-staged-'));
    path = join(dir, 'data.json');
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  const open = async () => {
    const store = new FileStore(path);
    stores.push(store);
    await store.open();
    return store;
  };
  const journal = async (store: FileStore) =>
    (await readFile(store.journalPath, 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { op: string; id?: string; doc?: { id: string; v?: number } });

  it('is written once, with its latest value, where it was first put; a reopen keeps the order', async () => {
    const store = await open();
    store.put('payments', { id: 'pay_a', v: 1 });
    store.put('payments', { id: 'pay_b', v: 1 });
    store.put('payments', { id: 'pay_a', v: 2 });
    store.put('events', { id: 'evt_1' });
    store.put('payments', { id: 'pay_a', v: 3 });
    await store.commit();
    expect((await journal(store)).map((l) => [l.id, l.doc?.v])).toEqual([
      ['pay_a', 3],
      ['pay_b', 1],
      ['evt_1', undefined],
    ]);
    expect(store.list('payments')).toEqual([
      { id: 'pay_a', v: 3 },
      { id: 'pay_b', v: 1 },
    ]);
    // A restart after a crash replays the journal: the same documents in the same order.
    const reopened = await open();
    expect(reopened.list('payments')).toEqual(store.list('payments'));
  });

  it('is not merged across a removal, nor with a put already committed', async () => {
    const store = await open();
    store.put('webhook_endpoints', { id: 'we_1', v: 1 });
    await store.commit();
    store.put('webhook_endpoints', { id: 'we_1', v: 2 });
    store.remove('webhook_endpoints', 'we_1');
    store.put('webhook_endpoints', { id: 'we_2', v: 1 });
    store.put('webhook_endpoints', { id: 'we_1', v: 3 });
    await store.commit();
    expect((await journal(store)).map((l) => [l.op, l.id, l.doc?.v])).toEqual([
      ['put', 'we_1', 1],
      ['put', 'we_1', 2],
      ['del', 'we_1', undefined],
      ['put', 'we_2', 1],
      ['put', 'we_1', 3],
    ]);
    const reopened = await open();
    expect(reopened.list('webhook_endpoints')).toEqual([
      { id: 'we_2', v: 1 },
      { id: 'we_1', v: 3 },
    ]);
  });
});
