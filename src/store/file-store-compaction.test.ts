/**
 * Compaction in the background: commits go on (to a new journal segment) while the snapshot is
 * written, and whatever moment a kill comes, reopening gives back every acknowledged change.
 *
 * The snapshot writer is held at a gate (a spy on SnapshotFile.writeMerged), so "during a compaction"
 * is a state the test controls rather than a race. A kill is simulated by copying the data folder at
 * that moment (what the disk holds is all a killed process leaves) and opening a store on the copy.
 */
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStore } from './file-store.js';
import { SnapshotFile } from './snapshot-file.js';
import { COLLECTIONS, type StoredDoc } from './store.js';

let dir: string;
let path: string;
let stores: FileStore[];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paycli-compaction-'));
  path = join(dir, 'data', 'data.json');
  stores = [];
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const store of stores) await store.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function openAt(at: string, options?: { compactAfterLines?: number }): Promise<FileStore> {
  const store = new FileStore(at, options);
  stores.push(store);
  await store.open();
  return store;
}

/** Opens a store on a copy of the data folder as it is now: the state a kill at this moment leaves. */
async function reopenAfterKill(): Promise<FileStore> {
  const copy = await mkdtemp(join(dir, 'killed-'));
  await cp(join(dir, 'data'), copy, { recursive: true });
  return openAt(join(copy, 'data.json'));
}

const contents = (store: FileStore): Record<string, readonly StoredDoc[]> => Object.fromEntries(COLLECTIONS.map((c) => [c, store.list(c)]));
const dataFiles = async (): Promise<string[]> => (await readdir(join(dir, 'data'))).sort();

/** A gate: `wait()` blocks until `open()`. */
function gate(): { wait: () => Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { wait: () => opened, open };
}

type WriteMerged = (this: SnapshotFile<Record<string, unknown>>, segments: readonly string[]) => Promise<number>;

/**
 * Holds the next background snapshot write (a merge of the data file and the older segments): before
 * it starts (`before`) and after its rename (`after`). `started`/`renamed` resolve when the write
 * reaches each gate.
 */
function holdNextSnapshotWrite() {
  const original = SnapshotFile.prototype.writeMerged as WriteMerged;
  const before = gate();
  const after = gate();
  const started = gate();
  const renamed = gate();
  let finished = false;
  vi.spyOn(SnapshotFile.prototype, 'writeMerged').mockImplementationOnce(async function (this: SnapshotFile<Record<string, unknown>>, segments) {
    started.open();
    await before.wait();
    const docs = await original.call(this, segments);
    renamed.open();
    await after.wait();
    finished = true;
    return docs;
  });
  return { before, after, started: started.wait(), renamed: renamed.wait(), finished: () => finished };
}

/** Puts `n` payments numbered from `from`, each with its own commit. */
async function putPayments(store: FileStore, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    store.put('payments', { id: `pay_${i}`, n: i });
    await store.commit();
  }
}

describe('FileStore compaction in the background', () => {
  it('resolves commits issued during a compaction before the compaction finishes', async () => {
    const store = await openAt(path, { compactAfterLines: 10 });
    const held = holdNextSnapshotWrite();
    await putPayments(store, 0, 10); // the 10th commit starts a compaction
    await held.started;
    expect(store.journalPath).toBe(`${path}.journal.1`);

    await putPayments(store, 10, 5);
    store.remove('payments', 'pay_3');
    await store.commit();
    expect(held.finished()).toBe(false);
    expect(await dataFiles()).toEqual(['data.json', 'data.json.journal', 'data.json.journal.1']);

    held.before.open();
    held.after.open();
    await store.whenCompacted();
    expect(held.finished()).toBe(true);
    // The snapshot is the state when appends switched segments; the old segment is gone.
    const snapshot = JSON.parse(await readFile(path, 'utf8')) as { payments: Record<string, unknown> };
    expect(Object.keys(snapshot.payments)).toEqual(Array.from({ length: 10 }, (_, i) => `pay_${i}`));
    expect(await dataFiles()).toEqual(['data.json', 'data.json.journal.1']);
    const again = await reopenAfterKill();
    expect(contents(again)).toEqual(contents(store));
  });

  it('loses nothing acknowledged when killed while the snapshot is being written', async () => {
    const store = await openAt(path, { compactAfterLines: 10 });
    await putPayments(store, 0, 3);
    const held = holdNextSnapshotWrite();
    await putPayments(store, 3, 7);
    await held.started;
    // Replacements and removals on both sides of the switch.
    store.put('payments', { id: 'pay_1', n: 100 });
    store.remove('payments', 'pay_2');
    store.remove('payments', 'pay_9');
    await putPayments(store, 10, 3);
    const again = await reopenAfterKill();
    expect(contents(again)).toEqual(contents(store));
    held.before.open();
    held.after.open();
  });

  it('loses nothing and resurrects nothing when killed after the rename, before the old segment is deleted', async () => {
    const store = await openAt(path, { compactAfterLines: 10 });
    const held = holdNextSnapshotWrite();
    store.put('payments', { id: 'pay_x', n: -1 });
    await store.commit();
    store.remove('payments', 'pay_x'); // put then removed within the old segment
    await store.commit();
    await putPayments(store, 0, 8);
    held.before.open();
    await held.renamed;
    expect(await dataFiles()).toEqual(['data.json', 'data.json.journal', 'data.json.journal.1']);
    store.remove('payments', 'pay_0');
    store.put('payments', { id: 'pay_1', n: 101 });
    await store.commit();
    const again = await reopenAfterKill();
    expect(again.get('payments', 'pay_x')).toBeUndefined();
    expect(contents(again)).toEqual(contents(store));
    held.after.open();
  });

  it('keeps the segments when a compaction fails, and compacts again later', async () => {
    const store = await openAt(path, { compactAfterLines: 10 });
    // The merge fails, and so does serialising memory instead.
    const full = Object.assign(new Error('no space left'), { code: 'ENOSPC' });
    vi.spyOn(SnapshotFile.prototype, 'writeMerged').mockRejectedValueOnce(full);
    vi.spyOn(SnapshotFile.prototype, 'writeParts').mockRejectedValueOnce(full);
    await putPayments(store, 0, 12);
    await store.whenCompacted();
    expect(await dataFiles()).toEqual(['data.json', 'data.json.journal', 'data.json.journal.1']);
    expect(contents(await reopenAfterKill())).toEqual(contents(store));
    await putPayments(store, 12, 20);
    await store.whenCompacted();
    const files = await dataFiles();
    expect(files).not.toContain('data.json.journal');
    expect(files).not.toContain('data.json.journal.1');
    expect(contents(await reopenAfterKill())).toEqual(contents(store));
    await store.close();
    expect(await dataFiles()).toEqual(['data.json', 'data.json.journal']);
    expect(contents(await openAt(path))).toEqual(contents(store));
  });

  it('records clear() as one journal line: a kill after it never brings back what was cleared', async () => {
    const store = await openAt(path);
    await putPayments(store, 0, 5);
    await store.close();
    const reopened = await openAt(path); // the five now sit in the snapshot
    await putPayments(reopened, 5, 5); // and five in the journal
    const held = holdNextSnapshotWrite(); // the compaction clear() asks for
    await reopened.clear();
    await held.started;
    reopened.put('payments', { id: 'pay_after', n: 0 });
    await reopened.commit();
    const again = await reopenAfterKill();
    expect(again.list('payments')).toEqual([{ id: 'pay_after', n: 0 }]);
    held.before.open();
    await held.renamed; // the empty snapshot is in place, the segment with the clear not yet deleted
    expect(contents(await reopenAfterKill())).toEqual(contents(reopened));
    held.after.open();
  });

  it('opens a data file whose journal continues in numbered segments, in order', async () => {
    const store = await openAt(path, { compactAfterLines: 5 });
    const held = holdNextSnapshotWrite();
    await putPayments(store, 0, 5);
    await held.started;
    store.put('payments', { id: 'pay_0', n: 'last' });
    await store.commit();
    const again = await reopenAfterKill();
    expect(again.get('payments', 'pay_0')).toEqual({ id: 'pay_0', n: 'last' });
    expect(contents(again)).toEqual(contents(store));
    // Opening folded both segments into the snapshot and started over at <data>.journal.
    expect(again.journalPath).toBe(`${again.path}.journal`);
    expect((await readdir(join(again.path, '..'))).filter((f) => f.includes('journal'))).toEqual(['data.json.journal']);
    held.before.open();
    held.after.open();
  });
});
