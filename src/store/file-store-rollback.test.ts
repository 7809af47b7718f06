/**
 * A failed write changes nothing (issue: a 503 answered change stayed in memory, was served and was
 * written later), and commit() used as a barrier waits for what others staged before it.
 */
import { lstat, mkdir, mkdtemp, open, readFile, rm, stat, symlink, chmod, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStore, type FileStoreOptions } from './file-store.js';

type AppendFile = (this: unknown, data: string, encoding: string) => Promise<void>;

/** The prototype FileHandle.appendFile lives on, to inject failures and holds into journal appends. */
async function fileHandleProto(dir: string): Promise<{ appendFile: AppendFile }> {
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { appendFile: AppendFile };
  await probe.close();
  return proto;
}

const enospc = () => Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });

describe('FileStore: a failed write changes nothing', () => {
  let dir: string;
  let path: string;
  let stores: FileStore[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paycli-rollback-'));
    path = join(dir, 'data.json');
    stores = [];
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const store of stores) await store.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  async function openAt(options?: FileStoreOptions): Promise<FileStore> {
    const store = new FileStore(path, options);
    stores.push(store);
    await store.open();
    return store;
  }

  it('undoes inserts, replacements and removals, in place, and tells rollback listeners', async () => {
    const store = await openAt();
    for (const id of ['a', 'b', 'c']) store.put('payments', { id, v: 1 });
    await store.commit();
    const rolledBack = vi.fn();
    store.onRollback(rolledBack);
    vi.spyOn(await fileHandleProto(dir), 'appendFile').mockRejectedValueOnce(enospc());
    store.put('payments', { id: 'b', v: 2 });
    store.remove('payments', 'a');
    store.put('payments', { id: 'd', v: 1 });
    const durable = store.whenDurable();
    await expect(store.commit()).rejects.toMatchObject({ code: 'data_file_unwritable' });
    expect(await durable).toBe(false);
    expect(rolledBack).toHaveBeenCalledTimes(1);
    expect(store.list('payments')).toEqual([
      { id: 'a', v: 1 },
      { id: 'b', v: 1 },
      { id: 'c', v: 1 },
    ]);
  });

  it('also undoes what was staged while the failing write ran, and rejects those commits too', async () => {
    const store = await openAt();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const proto = await fileHandleProto(dir);
    vi.spyOn(proto, 'appendFile').mockImplementationOnce(async () => {
      await gate;
      throw enospc();
    });
    store.put('payments', { id: 'first' });
    const first = store.commit();
    store.put('payments', { id: 'second' }); // staged on top of the write in flight
    const second = store.commit();
    release();
    await expect(first).rejects.toMatchObject({ code: 'data_file_unwritable' });
    await expect(second).rejects.toMatchObject({ code: 'data_file_unwritable' });
    expect(store.list('payments')).toEqual([]);
    // The next change starts from what the files hold and is written normally.
    store.put('payments', { id: 'third' });
    await store.commit();
    expect((await openAt()).list('payments')).toEqual([{ id: 'third' }]);
  });

  it('cuts a partly written append away, so none of it comes back after a crash', async () => {
    const store = await openAt();
    store.put('payments', { id: 'kept' });
    await store.commit();
    const sizeBefore = (await stat(store.journalPath)).size;
    const proto = await fileHandleProto(dir);
    const original = proto.appendFile;
    vi.spyOn(proto, 'appendFile').mockImplementationOnce(async function (this: unknown, data: string, encoding: string) {
      // The disk fills up after the first complete line of the batch.
      await original.call(this, data.slice(0, data.indexOf('\n') + 1), encoding);
      throw enospc();
    });
    store.put('payments', { id: 'lost1' });
    store.put('payments', { id: 'lost2' });
    await expect(store.commit()).rejects.toMatchObject({ code: 'data_file_unwritable' });
    expect((await stat(store.journalPath)).size).toBe(sizeBefore);
    expect((await openAt()).list('payments')).toEqual([{ id: 'kept' }]);
  });

  it('undoes a failed clear()', async () => {
    const store = await openAt();
    store.put('payments', { id: 'a' });
    store.put('refunds', { id: 're_1' });
    await store.commit();
    vi.spyOn(await fileHandleProto(dir), 'appendFile').mockRejectedValueOnce(enospc());
    await expect(store.clear()).rejects.toMatchObject({ code: 'data_file_unwritable' });
    expect(store.list('payments')).toEqual([{ id: 'a' }]);
    expect(store.list('refunds')).toEqual([{ id: 're_1' }]);
  });

  it('as a barrier, commit() with nothing staged waits for the write of what others staged before', async () => {
    const store = await openAt();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const proto = await fileHandleProto(dir);
    const original = proto.appendFile;
    vi.spyOn(proto, 'appendFile').mockImplementationOnce(async function (this: unknown, data: string, encoding: string) {
      await gate;
      return original.call(this, data, encoding);
    });
    store.put('payments', { id: 'a' });
    const writer = store.commit();
    const order: string[] = [];
    const barrier = store.commit().then(() => order.push('barrier'));
    const durable = store.whenDurable().then((ok) => order.push(`durable:${ok}`));
    // A sentinel: a later write proves the barrier did not resolve while the first was held.
    await new Promise((resolve) => setImmediate(resolve));
    order.push('released');
    release();
    await Promise.all([writer, barrier, durable]);
    expect(order[0]).toBe('released');
    expect(order.slice(1).sort()).toEqual(['barrier', 'durable:true']);
  });

  it('a compaction whose snapshot holds a change that then fails to be written keeps the old snapshot', async () => {
    const store = await openAt({ compactAfterLines: 3 });
    for (let i = 0; i < 3; i++) store.put('payments', { id: `p${i}` });
    await store.commit(); // compaction now due
    await store.whenCompacted();
    for (let i = 3; i < 6; i++) store.put('payments', { id: `p${i}` });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const proto = await fileHandleProto(dir);
    const original = proto.appendFile;
    const spy = vi.spyOn(proto, 'appendFile');
    spy.mockImplementationOnce(async function (this: unknown, data: string, encoding: string) {
      await gate; // p3..p5 being written: compaction is due when it ends, while 'doomed' is staged
      return original.call(this, data, encoding);
    });
    spy.mockImplementationOnce(async () => {
      throw enospc();
    });
    const first = store.commit();
    store.put('payments', { id: 'doomed' });
    const second = store.commit();
    release();
    await first;
    await expect(second).rejects.toMatchObject({ code: 'data_file_unwritable' });
    await store.whenCompacted();
    expect(store.get('payments', 'doomed')).toBeUndefined();
    const snapshot = JSON.parse(await readFile(path, 'utf8')) as { payments: Record<string, unknown> };
    expect(Object.keys(snapshot.payments)).not.toContain('doomed');
    expect((await openAt()).get('payments', 'doomed')).toBeUndefined();
  });
});

describe('FileStore: its files are private and its own', () => {
  let dir: string;
  let stores: FileStore[];
  let umask: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paycli-private-'));
    stores = [];
    umask = process.umask(0); // the loosest umask: modes must not depend on it
  });
  afterEach(async () => {
    process.umask(umask);
    for (const store of stores) await store.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  async function openAt(path: string, options?: FileStoreOptions): Promise<FileStore> {
    const store = new FileStore(path, options);
    stores.push(store);
    await store.open();
    return store;
  }
  const modeOf = async (p: string) => (await lstat(p)).mode & 0o777;

  it('creates the folder 0700 and the data file and every journal segment 0600', async () => {
    const path = join(dir, '.paycli', 'sandbox.json');
    const store = await openAt(path, { compactAfterLines: 2 });
    for (let i = 0; i < 5; i++) {
      store.put('payments', { id: `p${i}`, secret: 'sk_test_x' });
      await store.commit();
    }
    await store.whenCompacted();
    expect(await modeOf(join(dir, '.paycli'))).toBe(0o700);
    expect(await modeOf(path)).toBe(0o600);
    expect(await modeOf(store.journalPath)).toBe(0o600);
  });

  it('tightens an existing 0644 data file, journal and .paycli folder', async () => {
    const folder = join(dir, '.paycli');
    const path = join(folder, 'sandbox.json');
    await openAt(path).then((s) => s.close());
    await chmod(folder, 0o755);
    await chmod(path, 0o644);
    await writeFile(`${path}.journal`, '', { mode: 0o644 });
    await chmod(`${path}.journal`, 0o644);
    await openAt(path);
    expect(await modeOf(folder)).toBe(0o700);
    expect(await modeOf(path)).toBe(0o600);
    expect(await modeOf(`${path}.journal`)).toBe(0o600);
  });

  it('refuses a data file that is a symbolic link, and leaves its target alone', async () => {
    const target = join(dir, 'elsewhere.json');
    await writeFile(target, 'precious');
    const path = join(dir, 'data.json');
    await symlink(target, path);
    await expect(openAt(path)).rejects.toMatchObject({ code: 'data_file_unreadable', message: expect.stringContaining('symbolic link') });
    expect(await readFile(target, 'utf8')).toBe('precious');
  });

  it('refuses a journal segment that is a symbolic link, and leaves its target alone', async () => {
    const target = join(dir, 'elsewhere.txt');
    await writeFile(target, '');
    const path = join(dir, 'data.json');
    await symlink(target, `${path}.journal`);
    await expect(openAt(path)).rejects.toMatchObject({ code: 'data_file_unreadable', message: expect.stringContaining('symbolic link') });
    expect(await readFile(target, 'utf8')).toBe('');
  });

  it('refuses a read-only data file instead of replacing it', async () => {
    const path = join(dir, 'data.json');
    await openAt(path).then((s) => s.close());
    const before = await readFile(path, 'utf8');
    await chmod(path, 0o444);
    await expect(openAt(path)).rejects.toMatchObject({ code: 'data_file_unreadable', message: expect.stringContaining('read-only'), hint: expect.stringContaining('chmod u+w') });
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await modeOf(path)).toBe(0o444);
  });

  it('refuses to write its snapshot through a symbolic link planted at the temp path', async () => {
    const path = join(dir, 'data.json');
    const target = join(dir, 'victim.txt');
    await writeFile(target, 'precious');
    await mkdir(dir, { recursive: true });
    await symlink(target, join(dir, '.data.json.tmp'));
    await expect(openAt(path)).rejects.toMatchObject({ code: 'data_file_unreadable' });
    expect(await readFile(target, 'utf8')).toBe('precious');
  });
});
