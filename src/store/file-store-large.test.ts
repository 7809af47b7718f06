/**
 * The file store past the sizes a single JavaScript string can hold: the journal is replayed in 8 MB
 * pieces (lines may span two pieces), and damage deep inside it is reported by its real line number.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaycliError } from '../errors.js';
import { journalPathFor, putLine } from './data-file-format.js';
import { FileStore } from './file-store.js';

let dir: string;
let path: string;
const open: FileStore[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paycli-store-large-'));
  path = join(dir, 'data.json');
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  await rm(dir, { recursive: true, force: true });
});

/** Journal lines for `n` payments of ~1 KB each (odd sizes, so lines straddle the 8 MB pieces). */
function lines(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const doc = { id: `pay_${i}`, n: i, note: 'é'.repeat(500 + (i % 97)) };
    return putLine('payments', doc);
  });
}

describe('FileStore with a journal of many pieces', () => {
  it('replays a 20 MB journal exactly, torn last line dropped', async () => {
    const all = lines(20_000);
    await writeFile(journalPathFor(path), `${all.join('')}{"op":"put","c":"payments","id":"pay_torn","doc":{"id":"pay_t`);
    const store = new FileStore(path);
    open.push(store);
    await store.open();
    expect(store.count('payments')).toBe(20_000);
    expect(store.get('payments', 'pay_torn')).toBeUndefined();
    expect(store.get<{ id: string; n: number; note: string }>('payments', 'pay_12345')).toEqual({ id: 'pay_12345', n: 12345, note: 'é'.repeat(500 + (12345 % 97)) });
    expect(store.list('payments').map((d) => d.id).slice(0, 3)).toEqual(['pay_0', 'pay_1', 'pay_2']);
  });

  it('names the real line of a damaged entry far into the journal', async () => {
    const all = lines(20_000);
    all[17_000] = '{"op":"put","c":"payments","id":"pay_x","doc":{"id":"pay_x"}\n'; // one brace short
    await writeFile(journalPathFor(path), all.join(''));
    const store = new FileStore(path);
    const error = await store.open().then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(PaycliError);
    expect((error as PaycliError).code).toBe('data_file_unreadable');
    expect((error as PaycliError).message).toContain('line 17001 of the journal');
  });
});
