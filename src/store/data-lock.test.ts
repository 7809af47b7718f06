import { lstat, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockDataFile, lockPathFor, refuseEmptyDataFile } from './data-lock.js';

describe('lockDataFile', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'paycli-lock-'));
    file = path.join(dir, 'data.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second lock naming the holder (pid, URL) and the way out, and frees it on release', async () => {
    const first = await lockDataFile(file);
    first.setUrl('http://127.0.0.1:4242');
    expect((await lstat(lockPathFor(file))).mode & 0o777).toBe(0o700);
    const refused = await lockDataFile(file).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'data_file_locked' });
    expect((refused as Error).message).toContain(`pid ${process.pid}, http://127.0.0.1:4242`);
    for (const way of ['--data', '--in-memory', 'paycli sandbox status']) expect((refused as Error).message).toContain(way);
    await first.release();
    const second = await lockDataFile(file);
    await second.release();
  });

  it('takes over a lock whose holder is gone, and not one whose holder runs', async () => {
    const held = await lockDataFile(file);
    const owner = JSON.parse(await readFile(path.join(lockPathFor(file), 'owner.json'), 'utf8')) as { pid: number };
    // Our own pid is never taken over from, so the owner is made another process, reported alive, then gone.
    await writeFile(path.join(lockPathFor(file), 'owner.json'), JSON.stringify({ ...owner, pid: 999_999_999 }));
    const refused = await lockDataFile(file, { isAlive: () => true }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'data_file_locked' });
    const taken = await lockDataFile(file, { isAlive: () => false });
    expect(JSON.parse(await readFile(path.join(lockPathFor(file), 'owner.json'), 'utf8'))).toMatchObject({ pid: process.pid });
    await taken.release();
    await held.release(); // taken over: nothing left to release
  });
});

describe('refuseEmptyDataFile', () => {
  it('refuses a 0-byte data file with a hint, and lets a missing or non-empty one through', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'paycli-empty-'));
    const file = path.join(dir, 'data.json');
    await expect(refuseEmptyDataFile(file)).resolves.toBeUndefined();
    await writeFile(file, '');
    await expect(refuseEmptyDataFile(file)).rejects.toMatchObject({ code: 'data_file_unreadable', hint: expect.stringContaining('backup') });
    await writeFile(file, '{"version":1}');
    await expect(refuseEmptyDataFile(file)).resolves.toBeUndefined();
    await rm(dir, { recursive: true, force: true });
  });
});
