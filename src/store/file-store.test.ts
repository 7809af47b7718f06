import { appendFile, mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PaycliError } from '../errors.js';
import { FileStore, type FileStoreOptions } from './file-store.js';
import { openStore } from './open-store.js';
import { describeStoreContract } from './store-contract.js';
import { COLLECTIONS } from './store.js';

function fileHarness(options?: FileStoreOptions) {
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paycli-store-'));
    const path = join(dir, 'data.json');
    const stores: FileStore[] = [];
    const openOne = async () => {
      // A reopen stands for a restart after a crash, when the first store no longer runs: so let a
      // compaction it runs in the background end first (two live stores on one file are not supported;
      // file-store-compaction.test.ts and the SIGKILL test cover kills in the middle of one).
      await Promise.all(stores.map((s) => s.whenCompacted()));
      const store = new FileStore(path, options);
      stores.push(store);
      await store.open();
      return store;
    };
    return {
      store: await openOne(),
      reopen: openOne,
      cleanup: async () => {
        for (const store of stores) await store.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  };
}

describeStoreContract('FileStore', fileHarness(), { durable: true });
// Compaction then interleaves with the appends of every contract test.
describeStoreContract('FileStore compacting every 7 journal lines', fileHarness({ compactAfterLines: 7 }), { durable: true });

describe('FileStore files', () => {
  let dir: string;
  let path: string;
  let stores: FileStore[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paycli-store-'));
    path = join(dir, 'data.json');
    stores = [];
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const store of stores) await store.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  async function openAt(at: string, options?: FileStoreOptions): Promise<FileStore> {
    const store = new FileStore(at, options);
    stores.push(store);
    await store.open();
    return store;
  }
  const readJson = async (file: string): Promise<unknown> => JSON.parse(await readFile(file, 'utf8'));
  const journalLines = async (store: FileStore): Promise<unknown[]> =>
    (await readFile(store.journalPath, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  const emptyCollections = () => Object.fromEntries(COLLECTIONS.map((c) => [c, {}]));

  /** Opens `path` expecting data_file_unreadable naming `named` (the data file or its journal). */
  async function expectUnreadable(message: RegExp, named = path): Promise<void> {
    const err: unknown = await openAt(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaycliError);
    const paycliError = err as PaycliError;
    expect(paycliError.code).toBe('data_file_unreadable');
    expect(paycliError.message).toContain(named);
    expect(paycliError.message).toMatch(message);
    expect(paycliError.hint).toMatch(/--data/);
  }

  it('creates missing folders and an empty, readable snapshot on open', async () => {
    const nested = join(dir, 'a', 'b', 'data.json');
    const store = await openAt(nested);
    expect(store.kind).toBe('file');
    expect(store.path).toBe(nested);
    expect(await readJson(nested)).toEqual({ version: 1, ...emptyCollections() });
    expect((await stat(store.journalPath)).size).toBe(0);
  });

  it('appends one JSON line per change on commit, without rewriting the snapshot', async () => {
    const store = await openAt(path);
    store.put('payments', { id: 'pay_1', amount: 1 });
    store.put('payments', { id: 'pay_2', amount: 2 });
    store.remove('payments', 'pay_1');
    store.remove('payments', 'pay_missing');
    await store.commit();
    expect(await journalLines(store)).toEqual([
      { op: 'put', c: 'payments', id: 'pay_1', doc: { id: 'pay_1', amount: 1 } },
      { op: 'put', c: 'payments', id: 'pay_2', doc: { id: 'pay_2', amount: 2 } },
      { op: 'del', c: 'payments', id: 'pay_1' },
    ]);
    expect(await readJson(path)).toEqual({ version: 1, ...emptyCollections() });
  });

  it('folds the journal into a pretty lowdb snapshot keyed by id on close', async () => {
    const store = await openAt(path);
    store.put('payments', { id: 'pay_1', amount: 1 });
    store.put('refunds', { id: 're_1', payment: 'pay_1' });
    await store.close();
    const text = await readFile(path, 'utf8');
    expect(text).toContain('\n  "version": 1,\n');
    expect(JSON.parse(text)).toEqual({
      version: 1,
      ...emptyCollections(),
      payments: { pay_1: { id: 'pay_1', amount: 1 } },
      refunds: { re_1: { id: 're_1', payment: 'pay_1' } },
    });
    expect((await stat(store.journalPath)).size).toBe(0);
  });

  it('shares one journal append among concurrent commits and never runs two at once', async () => {
    const store = await openAt(path);
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { appendFile: (...args: unknown[]) => Promise<void> };
    await probe.close();
    const original = proto.appendFile;
    let running = 0;
    let maxRunning = 0;
    const spy = vi.spyOn(proto, 'appendFile').mockImplementation(async function (this: unknown, ...args: unknown[]) {
      maxRunning = Math.max(maxRunning, ++running);
      try {
        return await original.apply(this, args);
      } finally {
        running--;
      }
    });
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        store.put('payments', { id: `pay_${i}` });
        await store.commit();
      }),
    );
    // The first commit starts a write at once; the other 199 arrive during it and share the next.
    expect(spy.mock.calls.length).toBe(2);
    expect(maxRunning).toBe(1);
    expect(await journalLines(store)).toHaveLength(200);
  });

  it('after a failed journal append, undoes the change: nothing of it is served or written later', async () => {
    const store = await openAt(path);
    store.put('payments', { id: 'pay_1' });
    await store.commit();
    const probe = await open(join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { appendFile: () => Promise<void> };
    await probe.close();
    vi.spyOn(proto, 'appendFile').mockRejectedValueOnce(Object.assign(new Error('no space left'), { code: 'ENOSPC' }));
    store.put('payments', { id: 'pay_2' });
    // The environment's fault, named as such with a hint, not reported as a bug.
    await expect(store.commit()).rejects.toMatchObject({ code: 'data_file_unwritable', isBug: false, message: expect.stringContaining(path) });
    expect(store.get('payments', 'pay_2')).toBeUndefined();
    await store.commit();
    expect(await readFile(store.journalPath, 'utf8')).not.toContain('pay_2');
    // Once the disk has room, the same change goes through.
    store.put('payments', { id: 'pay_2' });
    await store.commit();
    expect((await openAt(path)).list('payments')).toEqual([{ id: 'pay_1' }, { id: 'pay_2' }]); // as after a crash
  });

  it('refuses a file that is not JSON, with a hint, and leaves it untouched', async () => {
    await writeFile(path, 'not json {');
    await expectUnreadable(/not valid JSON/);
    expect(await readFile(path, 'utf8')).toBe('not json {');
  });

  it.each([
    ['an array', '[]'],
    ['null', 'null'],
    ['another JSON file', '{"name": "my-app", "version": "1.0.0"}'],
    ['a newer format', '{"version": 2}'],
    ['an unknown collection', '{"version": 1, "widgets": {}}'],
    ['a collection that is not an object', '{"version": 1, "payments": []}'],
    ['a document under the wrong id', '{"version": 1, "payments": {"pay_1": {"id": "pay_2"}}}'],
  ])('refuses JSON that is not a paycli data file: %s', async (_, content) => {
    await writeFile(path, content);
    await expectUnreadable(/not a paycli data file/);
    expect(await readFile(path, 'utf8')).toBe(content);
  });

  it('refuses a directory in place of the data file', async () => {
    await mkdir(path);
    await expectUnreadable(/directory/);
  });

  it('refuses a journal damaged before its last line', async () => {
    await writeFile(`${path}.journal`, '{"op":"put","c":"payments","id":"pay_1","doc":{"id":"pay_1"}}\ngarbage\n');
    await expectUnreadable(/line 2 of the journal is not valid JSON/, `${path}.journal`);
  });

  it('treats an empty data file as an empty store', async () => {
    await writeFile(path, '');
    const store = await openAt(path);
    expect(store.count('payments')).toBe(0);
    expect(await readJson(path)).toEqual({ version: 1, ...emptyCollections() });
  });

  it('drops a torn last journal line (a kill mid-append) and keeps the lines before it', async () => {
    const first = await openAt(path);
    first.put('payments', { id: 'pay_1' });
    await first.close();
    await appendFile(
      `${path}.journal`,
      '{"op":"put","c":"payments","id":"pay_2","doc":{"id":"pay_2"}}\n{"op":"put","c":"payments","id":"pay_3","doc":{"id":"pa',
    );
    const store = await openAt(path);
    expect(store.list('payments')).toEqual([{ id: 'pay_1' }, { id: 'pay_2' }]);
    // Compacted on open, so the torn bytes cannot precede the next append.
    expect((await stat(store.journalPath)).size).toBe(0);
    store.put('payments', { id: 'pay_4' });
    await store.commit();
    const again = await openAt(path);
    expect(again.list('payments').map((d) => d.id)).toEqual(['pay_1', 'pay_2', 'pay_4']);
  });

  it('replays a journal the snapshot already holds (a kill between snapshot and truncate)', async () => {
    const first = await openAt(path);
    first.put('payments', { id: 'pay_1', v: 1 });
    first.put('payments', { id: 'pay_2', v: 1 });
    first.put('payments', { id: 'pay_1', v: 2 });
    first.remove('payments', 'pay_2');
    await first.commit();
    const journal = await readFile(first.journalPath, 'utf8');
    await first.close();
    await writeFile(first.journalPath, journal);
    const store = await openAt(path);
    expect(store.list('payments')).toEqual([{ id: 'pay_1', v: 2 }]);
  });

  it('ignores a stray lowdb temp file left by a kill', async () => {
    await writeFile(join(dir, '.data.json.tmp'), '{"version": 1, "payme');
    const store = await openAt(path);
    store.put('payments', { id: 'pay_1' });
    await store.close();
    expect(((await readJson(path)) as { payments: object }).payments).toEqual({ pay_1: { id: 'pay_1' } });
  });

  it('compacts once the journal reaches the line threshold', async () => {
    const store = await openAt(path, { compactAfterLines: 10 });
    // Status updates: the same three payments replaced over and over.
    for (let i = 0; i < 25; i++) {
      store.put('payments', { id: `pay_${i % 3}`, version: i });
      await store.commit();
      await store.whenCompacted(); // compaction runs in the background; commits do not wait for it
    }
    expect(await journalLines(store)).toHaveLength(5);
    const snapshot = (await readJson(path)) as { payments: Record<string, unknown> };
    expect(snapshot.payments).toEqual({
      pay_0: { id: 'pay_0', version: 18 },
      pay_1: { id: 'pay_1', version: 19 },
      pay_2: { id: 'pay_2', version: 17 },
    });
    const again = await openAt(path); // as after a crash
    expect(again.list('payments')).toEqual(store.list('payments'));
  });

  it('raises the line threshold to the snapshot size, keeping compaction cost per write flat', async () => {
    const store = await openAt(path, { compactAfterLines: 10 });
    for (let i = 0; i < 100; i++) store.put('payments', { id: `pay_${i}` });
    await store.commit();
    expect(await journalLines(store)).toHaveLength(0); // 100 lines ≥ 10 and ≥ an empty snapshot
    await store.whenCompacted();
    for (let i = 100; i < 199; i++) {
      store.put('payments', { id: `pay_${i}` });
      await store.commit();
    }
    expect(await journalLines(store)).toHaveLength(99); // not yet as many lines as the 100 snapshot docs
    store.put('payments', { id: 'pay_199' });
    await store.commit();
    expect(await journalLines(store)).toHaveLength(0);
    await store.whenCompacted();
    expect(Object.keys(((await readJson(path)) as { payments: object }).payments)).toHaveLength(200);
  });

  it('compacts once the journal reaches the byte threshold (or the snapshot size, if larger)', async () => {
    const store = await openAt(path, { compactAfterBytes: 2_000 });
    for (let i = 0; i < 20; i++) {
      store.put('events', { id: `evt_${i}`, body: 'x'.repeat(500) });
      await store.commit();
      await store.whenCompacted();
      const [journal, snapshot] = await Promise.all([stat(store.journalPath), stat(path)]);
      expect(journal.size).toBeLessThan(Math.max(2_000, snapshot.size));
    }
    expect(Object.keys(((await readJson(path)) as { events: object }).events).length).toBeGreaterThan(3);
    const again = await openAt(path);
    expect(again.count('events')).toBe(20);
  });

  it('is what openStore() returns for a path, and a MemoryStore for inMemory', async () => {
    const fileStore = await openStore({ path });
    stores.push(fileStore as FileStore);
    expect(fileStore).toBeInstanceOf(FileStore);
    const memory = await openStore({ inMemory: true, path });
    expect(memory.kind).toBe('memory');
    expect(memory.path).toBeNull();
    await expect(openStore({})).rejects.toThrow(PaycliError);
  });
});
