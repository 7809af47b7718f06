/**
 * The merged snapshot (previous snapshot + journal segments, as bytes) against the reference: the
 * same files replayed into memory, as open() does, and serialised by `writeParts`. They must be the
 * same bytes, for generated histories of puts, replacements, removals, re-insertions and clears,
 * across several segments, with ids that need escaping, and journal lines in other layouts.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearLine, delLine, putLine, SNAPSHOT_VERSION, type JournalEntry } from './data-file-format.js';
import { DocCollections } from './doc-collections.js';
import { replaySegment } from './journal-segments.js';
import { SnapshotFile } from './snapshot-file.js';
import { mergeSnapshot, SnapshotLayoutError } from './snapshot-merge.js';
import type { CollectionName, StoredDoc } from './store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paycli-merge-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Op =
  | { op: 'put'; c: CollectionName; id: string; v: number; note: string }
  | { op: 'del'; c: CollectionName; id: string }
  | { op: 'clear' };

// Core collections and providers' own (the latter may first appear in the journal).
const collections = ['payments', 'events', 'refunds', 'stripe_events', 'alipay_trades'] as CollectionName[];
const ids = ['pay_1', 'pay_2', 'pay_3', 'pay_4', 'evt_"quoted"', 'back\\slash', '支付_5', 'nl\nline'];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('put' as const), c: fc.constantFrom(...collections), id: fc.constantFrom(...ids), v: fc.nat(99), note: fc.string({ maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('del' as const), c: fc.constantFrom(...collections), id: fc.constantFrom(...ids) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

const docOf = (op: Extract<Op, { op: 'put' }>): StoredDoc => ({ id: op.id, v: op.v, note: op.note, nested: { list: [op.v, null, true], '7': 'integer-like key' } }) as StoredDoc;

/** A journal line as putLine/delLine write it, or (`other`) as another writer might: keys in another order. */
function lineOf(op: Op, other: boolean): string {
  if (op.op === 'clear') return other ? '{ "op": "clear" }\n' : clearLine();
  if (op.op === 'del') return other ? `${JSON.stringify({ id: op.id, c: op.c, op: 'del' })}\n` : delLine(op.c, op.id);
  return other ? `${JSON.stringify({ doc: docOf(op), id: op.id, c: op.c, op: 'put' })}\n` : putLine(op.c, docOf(op));
}

function apply(docs: DocCollections, op: Op): void {
  if (op.op === 'put') docs.put(op.c, docOf(op));
  else if (op.op === 'del') docs.remove(op.c, op.id);
  else docs.clear();
}

/** The snapshot `writeParts` writes for these collections. */
async function writeReference(file: string, docs: DocCollections): Promise<void> {
  await new SnapshotFile(file).writeParts([{ key: 'version', value: SNAPSHOT_VERSION }, ...docs.view().map(([key, list]) => ({ key, docs: list }))]);
}

let round = 0;
async function check(initial: Op[], segments: Array<Array<{ op: Op; other: boolean }>>, tornTail: boolean, pieceBytes?: number): Promise<void> {
  const at = join(dir, `r${round++}`);
  // The previous snapshot: what the initial history leaves, as the store writes it.
  const start = new DocCollections();
  for (const op of initial) apply(start, op);
  await writeReference(`${at}.json`, start);
  const paths: string[] = [];
  for (const [k, segment] of segments.entries()) {
    const path = `${at}.journal.${k}`;
    let text = segment.map(({ op, other }) => lineOf(op, other)).join('');
    if (tornTail && k === segments.length - 1) text += '{"op":"put","c":"payments","id":"pay_torn","doc":{"id":"pa';
    await writeFile(path, text);
    paths.push(path);
  }
  // The reference: open() replays the same files into memory; writeParts writes that.
  const replayed = new DocCollections();
  for (const op of initial) apply(replayed, op);
  for (const path of paths) {
    await replaySegment(path, (entry: JournalEntry) => {
      if (entry.op === 'put') replayed.put(entry.c, entry.doc);
      else if (entry.op === 'del') replayed.remove(entry.c, entry.id);
      else replayed.clear();
    });
  }
  await writeReference(`${at}.expected.json`, replayed);
  const chunks: Buffer[] = [];
  // Copies: the merge fills its output buffers again once a write has returned.
  const count = await mergeSnapshot(`${at}.json`, paths, async (parts) => void chunks.push(...parts.map((part) => Buffer.from(part))), pieceBytes);
  const expected = await readFile(`${at}.expected.json`, 'utf8');
  expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
  expect(count).toBe(replayed.size);
}

const segmentArb = fc.array(fc.record({ op: opArb, other: fc.boolean() }), { maxLength: 25 });

describe('mergeSnapshot', () => {
  it('writes the bytes writeParts writes for the replayed state, for generated histories', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { maxLength: 25 }),
        fc.array(segmentArb, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.constantFrom(undefined, 64, 257),
        async (initial, segments, torn, pieceBytes) => {
          await check(initial, segments, torn, pieceBytes);
        },
      ),
      { seed: 20261130, numRuns: 300 },
    );
  });

  it('keeps a replaced document in place and moves one removed and put again to the end', async () => {
    const put = (id: string, v: number): Op => ({ op: 'put', c: 'payments' as CollectionName, id, v, note: '' });
    await check(
      [put('pay_1', 1), put('pay_2', 1), put('pay_3', 1)],
      [[{ op: put('pay_4', 1), other: false }, { op: put('pay_2', 2), other: false }, { op: { op: 'del', c: 'payments' as CollectionName, id: 'pay_1' }, other: false }], [{ op: put('pay_1', 3), other: false }]],
      false,
    );
    const merged = await readFile(join(dir, `r${round - 1}.expected.json`), 'utf8');
    const order = Object.keys(JSON.parse(merged).payments as object);
    expect(order).toEqual(['pay_2', 'pay_3', 'pay_4', 'pay_1']);
  });

  it('reads lines that cross the pieces a file is read in, and lines longer than a piece', async () => {
    // Read 64 KB at a time: documents of 10-200 KB land across and over those bounds.
    const big = (id: string, kb: number, v = 0): Op => ({ op: 'put', c: 'payments' as CollectionName, id, v, note: 'x'.repeat(kb * 1024) });
    const initial = Array.from({ length: 12 }, (_, i) => big(`pay_${i}`, 10 + ((i * 37) % 150)));
    const journal = [big('pay_3', 90, 1), big('pay_new', 200), { op: 'del' as const, c: 'payments' as CollectionName, id: 'pay_5' }, big('pay_5', 70, 2)];
    await check(initial, [journal.map((op) => ({ op, other: false }))], true, 64 * 1024);
  });

  it('refuses a snapshot in another layout, leaving the data file as it was and no temp file', async () => {
    const sub = await mkdtemp(join(dir, 'pretty-'));
    const path = join(sub, 'data.json');
    const pretty = JSON.stringify({ version: 1, payments: { pay_1: { id: 'pay_1' } } }, null, 2);
    await writeFile(path, pretty);
    await writeFile(`${path}.journal`, putLine('payments' as CollectionName, { id: 'pay_2' }));
    await expect(new SnapshotFile(path).writeMerged([`${path}.journal`])).rejects.toBeInstanceOf(SnapshotLayoutError);
    expect(await readFile(path, 'utf8')).toBe(pretty);
    expect(await readdir(sub)).toEqual(['data.json', 'data.json.journal']);
  });
});
