/**
 * Everything a client was told exists survives a crash. Repeated SIGKILL under load, where each step
 * sends two concurrent requests with one Idempotency-Key (so one is often a replay while the original is
 * still being written, on a disk made slow so that window is wide) and every other step reuses the merchant_order_id of the step before (so a 409
 * often names a payment that is still being written); a 409's payment is then read. Every payment vouched
 * for by any 2xx (created, replayed, read) or named by a 409 must be there after the restarts. The test
 * counts them by source and reports how many were missing (before the fix, some always were).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildSandboxes, type ChildSandbox } from './helpers.js';

const WORKERS = 16;
/**
 * Each life is killed at the first replay or 409 after this many answers: the moment such an answer
 * arrives is when the write it vouches for may still be under way, the window a kill must hit.
 */
const KILL_AFTER = [211, 377, 150, 298, 263, 331];
/** A slow disk (each journal append takes this long), so the window between visible and durable is wide. */
const SLOW_APPEND_MS = 5;

type Source = 'created' | 'replayed' | 'named by 409' | 'read';

const children = new ChildSandboxes();
let dir: string;
beforeAll(async () => {
  await children.setup();
  dir = await mkdtemp(path.join(tmpdir(), 'paycli-vouched-'));
});
afterAll(async () => {
  await children.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('SIGKILL under load with same-key pairs and reused merchant_order_ids', () => {
  it('keeps every payment vouched for by a 2xx or named by a 409', { timeout: 180_000 }, async () => {
    const dataFile = path.join(dir, 'sandbox.json');
    const vouched = new Map<string, Source>();
    const counts: Record<Source, number> = { created: 0, replayed: 0, 'named by 409': 0, read: 0 };
    const vouch = (id: string, source: Source) => {
      counts[source]++;
      if (!vouched.has(id)) vouched.set(id, source);
    };
    let step = 0;

    for (const killAfter of KILL_AFTER) {
      const sb = await children.start(dataFile, { compactAfterLines: 400, slowAppendMs: SLOW_APPEND_MS });
      let answers = 0;
      let killed: Promise<void> | null = null;
      const answered = (racy = false) => {
        if (++answers >= killAfter && racy && !killed) killed = sb.kill();
      };
      const attempt = async (fn: () => Promise<void>) => {
        try {
          await fn();
        } catch (err) {
          if (!killed) throw err; // before the kill nothing may fail; after it, requests in flight do
        }
      };
      const worker = async (): Promise<void> => {
        while (!killed) {
          const n = step++;
          const order = `order-${n % 2 === 0 ? n : n - 1}`;
          const body = { amount: 1000 + (n % 7), currency: 'usd', merchant_order_id: order, payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034 } } };
          const key = `pair-${n}`;
          const one = () =>
            attempt(async () => {
              const res = await sb.call('POST', '/v1/payments', body, { 'idempotency-key': key });
              answered(res.status === 409 || res.headers.get('idempotent-replayed') === 'true');
              if (res.status === 201) vouch(res.body.id, res.headers.get('idempotent-replayed') === 'true' ? 'replayed' : 'created');
              else if (res.status === 409) {
                expect(res.body.error.code).toBe('duplicate_merchant_order_id');
                vouch(res.body.error.payment_id, 'named by 409');
                const read = await sb.call('GET', `/v1/payments/${res.body.error.payment_id}`);
                answered();
                expect(read.status).toBe(200);
                vouch(read.body.id, 'read');
              } else if (!killed) throw new Error(`${key} answered ${res.status}: ${JSON.stringify(res.body)}`);
            });
          await Promise.all([one(), one()]);
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, worker));
      await killed;
    }

    const sb: ChildSandbox = await children.start(dataFile);
    try {
      const ids = [...vouched.keys()];
      const missing: string[] = [];
      for (let i = 0; i < ids.length; i += 50) {
        await Promise.all(
          ids.slice(i, i + 50).map(async (id) => {
            if ((await sb.call('GET', `/v1/payments/${id}`)).status !== 200) missing.push(id);
          }),
        );
      }
      const bySource = Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.info(`vouched payments: ${vouched.size} (answers: ${bySource}); missing after ${KILL_AFTER.length} kills: ${missing.length}`);
      expect(counts.replayed).toBeGreaterThan(100);
      expect(counts['named by 409']).toBeGreaterThan(100);
      expect(missing.map((id) => `${id} (${vouched.get(id)})`)).toEqual([]);
    } finally {
      await sb.kill();
    }
  });
});
