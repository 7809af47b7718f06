/**
 * A merchant's notification receiver is down for eight hours of virtual time (FakeClock), then comes
 * back: every notification is delivered exactly once, after every failed attempt was made on schedule
 * and recorded, in the store and in the activity log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { PAYCLI_RETRY_SCHEDULE_MS } from '../../src/providers/paycli/notifications.js';
import type { Delivery } from '../../src/webhooks/delivery.js';
import { paymentBody, startTestSandbox, type Api } from '../helpers/sandbox.js';
import { startSwitchableReceiver, type SwitchableReceiver } from './helpers.js';

const HOUR = 3_600_000;
const PAYMENTS = 25;

let api: Api | null = null;
let receiver: SwitchableReceiver | null = null;
afterEach(async () => {
  await api?.close();
  await receiver?.close();
  api = receiver = null;
});

/** When attempt n (1-based) happens, counted from the first attempt, on the default schedule. */
const attemptOffset = (n: number) => PAYCLI_RETRY_SCHEDULE_MS.slice(0, n - 1).reduce((a, b) => a + b, 0);

describe('a receiver down for hours', () => {
  it('gets every notification once it is back, with each failed attempt on schedule and recorded', async () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 1));
    api = await startTestSandbox({ clock });
    receiver = await startSwitchableReceiver();
    const t0 = clock.now();

    for (let i = 0; i < PAYMENTS; i++) {
      const res = await api.call('POST', '/v1/payments', paymentBody({ notify_url: receiver.url }));
      expect(res.status).toBe(201);
    }
    const deliveries = () => api!.sandbox.store.list<Delivery>('deliveries');
    const expected = deliveries().length;
    expect(expected).toBe(PAYMENTS * 2); // payment.created and payment.succeeded

    // Eight hours down: attempts 1-8 fail (the 8th at ~4.2 h); the 9th is due at ~10.2 h.
    await clock.advance(8 * HOUR);
    await api.sandbox.dispatcher.whenIdle();
    expect(receiver.received).toHaveLength(0);
    const failedAttempts = 8;
    expect(attemptOffset(failedAttempts)).toBeLessThan(8 * HOUR);
    expect(attemptOffset(failedAttempts + 1)).toBeGreaterThan(8 * HOUR);
    for (const d of deliveries()) {
      expect(d.status).toBe('pending');
      expect(d.attempts).toHaveLength(failedAttempts);
      expect(d.next_attempt_at).toBe(t0 + attemptOffset(failedAttempts + 1));
    }
    expect(receiver.refused).toBeGreaterThanOrEqual(expected * failedAttempts);

    receiver.up = true;
    await clock.advance(3 * HOUR);
    await api.sandbox.dispatcher.whenIdle();

    // Each event arrived exactly once, identified by its stable webhook-id.
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);
    expect(new Set(ids)).toEqual(new Set(deliveries().map((d) => d.event_id)));

    for (const d of deliveries()) {
      expect(d.status).toBe('succeeded');
      expect(d.next_attempt_at).toBeNull();
      expect(d.attempts.map((a) => a.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(d.attempts.map((a) => a.at - t0)).toEqual(d.attempts.map((a) => attemptOffset(a.number)));
      for (const a of d.attempts.slice(0, failedAttempts)) {
        expect(a).toMatchObject({ status: null, acknowledged: false, simulated: false });
        expect(a.error).toMatch(/ECONNRESET|socket hang up|EPIPE/);
      }
      expect(d.attempts[failedAttempts]).toMatchObject({ status: 200, acknowledged: true, error: null });
    }

    // The same history over the control API and in the activity log.
    const listed = await api.call('GET', '/_sandbox/deliveries?limit=100');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(expected);
    expect(listed.body.data.every((d: { status: string; attempts: unknown[] }) => d.status === 'succeeded' && d.attempts.length === 9)).toBe(true);
    const logged = api.sandbox.activity.since(0).filter((e) => e.kind === 'delivery');
    expect(logged).toHaveLength(expected * 9);
    expect(logged.filter((e) => e.kind === 'delivery' && e.outcome === 'retry')).toHaveLength(expected * failedAttempts);
  });
});
