/**
 * The sandbox is SIGKILLed while notifications are being retried (a file store, a virtual clock moved
 * over the control API), twice; each restart resumes the retries where they stopped: attempts already
 * made stay recorded and are not repeated, numbering continues, and once the receiver is back each
 * event is delivered exactly once with its original webhook-id.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildSandboxes, startSwitchableReceiver, type ChildSandbox } from './helpers.js';

const children = new ChildSandboxes();
let dir: string;
beforeAll(async () => {
  await children.setup();
  dir = await mkdtemp(path.join(tmpdir(), 'paycli-restart-retries-'));
});
afterAll(async () => {
  await children.cleanup();
  await rm(dir, { recursive: true, force: true });
});

interface PublicDelivery {
  id: string;
  event_id: string;
  status: string;
  next_attempt_at: number | null;
  attempts: { number: number; status: number | null; error: string | null; acknowledged: boolean }[];
}

async function deliveries(sb: ChildSandbox): Promise<PublicDelivery[]> {
  const res = await sb.call('GET', '/_sandbox/deliveries?limit=100');
  expect(res.status).toBe(200);
  return res.body.data as PublicDelivery[];
}

async function advance(sb: ChildSandbox, ms: number): Promise<void> {
  const res = await sb.call('POST', '/_sandbox/clock/advance', { ms });
  expect(res.status).toBe(200);
}

describe('a restart during notification retries', () => {
  it('resumes every pending retry after each of two SIGKILLs, and delivers each event once', async () => {
    const dataFile = path.join(dir, 'sandbox.json');
    const receiver = await startSwitchableReceiver();
    try {
      // First life: 10 payments, 20 notifications; attempts 1-4 (at 0, 1, 6 and 36 s) fail.
      const a = await children.start(dataFile, { virtualClock: true });
      for (let i = 0; i < 10; i++) {
        const res = await a.call('POST', '/v1/payments', {
          amount: 1500 + i,
          currency: 'usd',
          merchant_order_id: `retry-${i}`,
          notify_url: receiver.url,
          payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034 } },
        });
        expect(res.status).toBe(201);
      }
      await advance(a, 40_000);
      const before = await deliveries(a);
      expect(before).toHaveLength(20);
      for (const d of before) expect(d.attempts.map((x) => x.number)).toEqual([1, 2, 3, 4]);
      await a.kill();

      // Second life: the clock starts over, the attempts made are still there; attempt 5 (due 2 min
      // after attempt 4) fails too, then the process dies again.
      const b = await children.start(dataFile, { virtualClock: true });
      const resumed = await deliveries(b);
      expect(resumed.map((d) => [d.id, d.status, d.attempts.length, d.next_attempt_at])).toEqual(
        before.map((d) => [d.id, 'pending', 4, d.next_attempt_at]),
      );
      await advance(b, 200_000);
      for (const d of await deliveries(b)) expect(d.attempts.map((x) => x.number)).toEqual([1, 2, 3, 4, 5]);
      await b.kill();

      // Third life: the receiver is back; attempt 6 (due 10 min after attempt 5) is acknowledged.
      receiver.up = true;
      const c = await children.start(dataFile, { virtualClock: true });
      await advance(c, 15 * 60_000);
      const after = await deliveries(c);
      expect(after).toHaveLength(20);
      for (const d of after) {
        expect(d.status).toBe('succeeded');
        expect(d.attempts.map((x) => x.number)).toEqual([1, 2, 3, 4, 5, 6]);
        for (const failed of d.attempts.slice(0, 5)) expect(failed).toMatchObject({ status: null, acknowledged: false });
        expect(d.attempts[5]).toMatchObject({ status: 200, acknowledged: true, error: null });
      }
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(ids).toHaveLength(20);
      expect(new Set(ids)).toEqual(new Set(before.map((d) => d.event_id)));
      await c.kill();
    } finally {
      await receiver.close();
    }
  });
});
