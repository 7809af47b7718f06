/**
 * Repeated SIGKILL under load, as a client with retries sees it. 32 concurrent clients create payments
 * and refunds, each request with an Idempotency-Key; the compiled sandbox (file store compacting every
 * 400 journal lines, so kills also land mid-compaction) is SIGKILLed four times at different points.
 * After each kill the data file must be valid JSON; after each restart every request that got no
 * answer is retried with its key, as a client would. At the end, exactly what was asked for exists:
 * every acknowledged payment and refund, one payment per merchant order id and per key, refunds that
 * add up to each payment's amount_refunded, no more refunded than captured, and replays that return
 * the original object.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildSandboxes, type ChildSandbox } from './helpers.js';

const WRITERS = 32;
/** Acknowledged writes after which each life is killed. */
const KILL_AFTER = [173, 389, 120, 251];
const REFUND = 100;

interface Sent {
  key: string;
  kind: 'payment' | 'refund';
  path: string;
  body: Record<string, unknown>;
  /** The created object's id, once a response said so. */
  id: string | null;
}

const children = new ChildSandboxes();
let dir: string;
beforeAll(async () => {
  await children.setup();
  dir = await mkdtemp(path.join(tmpdir(), 'paycli-sigkill-load-'));
});
afterAll(async () => {
  await children.cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** Sends a request with its Idempotency-Key; returns the created id, or throws on anything but 201. */
async function send(sb: ChildSandbox, req: Sent): Promise<{ id: string; replayed: boolean }> {
  const res = await sb.call('POST', req.path, req.body, { 'idempotency-key': req.key });
  if (res.status !== 201) throw new Error(`${req.kind} ${req.key} answered ${res.status}: ${JSON.stringify(res.body)}`);
  if (req.id !== null && res.body.id !== req.id) throw new Error(`${req.key} was acknowledged as ${req.id}, its replay returned ${res.body.id}`);
  return { id: res.body.id as string, replayed: res.headers.get('idempotent-replayed') === 'true' };
}

/** The data file is whole JSON in the store's format, and every complete line of every journal segment parses. */
async function expectValidFiles(dataFile: string): Promise<void> {
  const snapshot = JSON.parse(await readFile(dataFile, 'utf8')) as { version: number; payments: object };
  expect(snapshot.version).toBe(1);
  expect(typeof snapshot.payments).toBe('object');
  const base = path.basename(dataFile);
  const segments = (await readdir(path.dirname(dataFile))).filter((f) => f.startsWith(base) && /^\.journal(\.\d+)?$/.test(f.slice(base.length)));
  for (const segment of segments) {
    const lines = (await readFile(path.join(path.dirname(dataFile), segment), 'utf8')).split('\n');
    lines.pop(); // '' after the last newline, or a line torn by the kill (never acknowledged)
    for (const line of lines) expect(() => JSON.parse(line), `${segment}: ${line.slice(0, 80)}`).not.toThrow();
  }
}

describe('SIGKILL under load', () => {
  it('keeps every acknowledged write, and retried keys create nothing twice', { timeout: 120_000 }, async () => {
    const dataFile = path.join(dir, 'sandbox.json');
    const sent: Sent[] = [];
    const refundable = new Map<string, number>(); // acknowledged payment id → amount not yet asked back
    let seq = 0;

    for (let life = 0; life <= KILL_AFTER.length; life++) {
      const sb = await children.start(dataFile, { compactAfterLines: 400 });
      // What the last life left unanswered, retried with the same key and body.
      for (const req of sent.filter((r) => r.id === null)) {
        const { id } = await send(sb, req);
        req.id = id;
        if (req.kind === 'payment') refundable.set(id, req.body.amount as number);
      }
      if (life === KILL_AFTER.length) {
        // One sandbox per data file: this one goes (killed too) before the last life starts on it.
        await sb.kill();
        break;
      }

      let acked = 0;
      let killed: Promise<void> | null = null;
      const writer = async (): Promise<void> => {
        while (!killed) {
          const n = seq++;
          const target = n % 3 === 2 ? [...refundable].find(([, left]) => left >= REFUND) : undefined;
          let req: Sent;
          if (target) {
            refundable.set(target[0], target[1] - REFUND);
            req = { key: `refund-${n}`, kind: 'refund', path: '/v1/refunds', body: { payment_id: target[0], amount: REFUND }, id: null };
          } else {
            const body = { amount: 1000 + (n % 50) * 10, currency: 'usd', merchant_order_id: `order-${n}`, payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034 } } };
            req = { key: `create-${n}`, kind: 'payment', path: '/v1/payments', body, id: null };
          }
          sent.push(req);
          try {
            const { id } = await send(sb, req);
            req.id = id;
            if (req.kind === 'payment') refundable.set(id, req.body.amount as number);
            if (++acked === KILL_AFTER[life]) killed = sb.kill();
          } catch (err) {
            if (!killed) throw err; // before the kill nothing may fail; after it, requests in flight do
          }
        }
      };
      await Promise.all(Array.from({ length: WRITERS }, writer));
      await killed;
      await expectValidFiles(dataFile);
    }

    // The last life: everything asked for exists, once.
    const sb = await children.start(dataFile);
    try {
      const payments = sent.filter((r) => r.kind === 'payment');
      const refunds = sent.filter((r) => r.kind === 'refund');
      expect(sent.every((r) => r.id !== null)).toBe(true);
      expect(new Set(sent.map((r) => r.id)).size).toBe(sent.length);
      const health = await sb.call('GET', '/_sandbox/health');
      expect(health.body.counts).toMatchObject({ payments: payments.length, refunds: refunds.length });

      const refundsOf = new Map<string, Sent[]>();
      for (const r of refunds) refundsOf.set(r.body.payment_id as string, [...(refundsOf.get(r.body.payment_id as string) ?? []), r]);
      for (const p of payments) {
        const got = await sb.call('GET', `/v1/payments/${p.id}`);
        expect(got.status).toBe(200);
        expect(got.body).toMatchObject({ amount: p.body.amount, merchant_order_id: p.body.merchant_order_id, status: 'succeeded' });
        const mine = refundsOf.get(p.id!) ?? [];
        expect(got.body.amount_refunded).toBe(mine.length * REFUND);
        expect(got.body.amount_refunded).toBeLessThanOrEqual(got.body.amount_captured);
        const byOrder = await sb.call('GET', `/v1/payments?merchant_order_id=${encodeURIComponent(p.body.merchant_order_id as string)}`);
        expect(byOrder.body.data.map((x: { id: string }) => x.id)).toEqual([p.id]);
        if (mine.length > 0) {
          const listed = await sb.call('GET', `/v1/refunds?payment_id=${p.id}&limit=100`);
          expect(new Set(listed.body.data.map((x: { id: string }) => x.id))).toEqual(new Set(mine.map((r) => r.id)));
        }
      }
      // Replays after all those restarts still return the original objects.
      for (const req of sent.filter((_, i) => i % 25 === 0)) expect((await send(sb, req)).replayed).toBe(true);
      expect(payments.length).toBeGreaterThan(500);
      expect(refunds.length).toBeGreaterThan(150);
    } finally {
      await sb.kill();
    }
  });
});
