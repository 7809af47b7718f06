import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnapshotFile } from './snapshot-file.js';

type Data = Record<string, unknown>;

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paycli-snapshot-'));
  path = join(dir, 'data.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const sample: Data = {
  version: 1,
  merchants: { mch_1: { id: 'mch_1', name: 'Shop, "quoted"\nnewline', fees: { percent: 2.9 } } },
  payments: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`pay_${i}`, { id: `pay_${i}`, amount: i, note: i % 7 === 0 ? 'ends with a comma,' : null, tags: ['a', { b: [] }] }])),
  refunds: {},
  settings: { retry: { id: 'retry', schedule: [1, 2] } },
};

describe('SnapshotFile', () => {
  it('returns null when the file does not exist', async () => {
    expect(await new SnapshotFile(path).read()).toBeNull();
  });

  it('writes valid JSON with one document per line, and reads it back', async () => {
    await new SnapshotFile(path).write(sample);
    const text = await readFile(path, 'utf8');
    expect(JSON.parse(text)).toEqual(sample);
    const lines = text.split('\n');
    expect(lines.filter((l) => l.startsWith('    "pay_'))).toHaveLength(50);
    expect(lines).toContain('  "version": 1,');
    expect(lines).toContain('  "refunds": {},');
    expect(await new SnapshotFile(path).read()).toEqual(sample);
  });

  it('reads a file larger than the whole-parse limit line by line, to the same value', async () => {
    await new SnapshotFile(path).write(sample);
    expect(await new SnapshotFile(path, { wholeParseMaxBytes: 10 }).read()).toEqual(sample);
  });

  it('still reads other JSON layouts (e.g. a pretty-printed lowdb file) below the limit', async () => {
    await writeFile(path, JSON.stringify(sample, null, 2));
    expect(await new SnapshotFile(path).read()).toEqual(sample);
  });

  it('rejects a truncated or damaged file with a SyntaxError, whole or line by line', async () => {
    await new SnapshotFile(path).write(sample);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, Math.floor(text.length / 2)));
    await expect(new SnapshotFile(path).read()).rejects.toThrow(SyntaxError);
    await expect(new SnapshotFile(path, { wholeParseMaxBytes: 10 }).read()).rejects.toThrow(SyntaxError);
    await writeFile(path, text.replace('"pay_3": {', '"pay_3": {{'));
    await expect(new SnapshotFile(path, { wholeParseMaxBytes: 10 }).read()).rejects.toThrow(/line \d+/);
  });

  it('replaces the file through a temp file and leaves no temp file behind', async () => {
    await new SnapshotFile(path).write({ version: 1, payments: {} });
    await new SnapshotFile(path).write(sample);
    expect(await readdir(dir)).toEqual(['data.json']);
  });

  it('writes a snapshot larger than its chunk size intact', async () => {
    const big: Data = { version: 1, events: {} };
    const events = big.events as Record<string, unknown>;
    for (let i = 0; i < 6_000; i++) events[`evt_${i}`] = { id: `evt_${i}`, body: 'x'.repeat(1_000) };
    await new SnapshotFile(path).write(big);
    expect(await new SnapshotFile(path).read()).toEqual(big);
    expect(await new SnapshotFile(path, { wholeParseMaxBytes: 10 }).read()).toEqual(big);
  });
});
