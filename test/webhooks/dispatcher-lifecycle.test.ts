import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, SystemClock } from '../../src/clock.js';
import type { Delivery } from '../../src/webhooks/dispatcher.js';
import { idFactory, makeEvent, makeHarness, MapStore, newSecret, testDispatcher, startReceiver, type Receiver, type TestTarget } from './fixtures.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function receiverFor(reply?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(reply);
  cleanup.push(() => r.close());
  return r;
}

function harness(opts: Parameters<typeof makeHarness>[0] = {}) {
  const h = makeHarness(opts);
  cleanup.push(() => h.dispatcher.close());
  return h;
}

const target = (r: Receiver): TestTarget => ({ url: r.url, secret: newSecret(), kind: 'forward' });

describe('WebhookDispatcher restart, resend and shutdown', () => {
  it('cancel stops a pending delivery: no more attempts, failed and marked canceled', async () => {
    const r = await receiverFor(() => ({ status: 500 }));
    const h = harness({ retryScheduleMs: [1_000, 1_000] });
    const [d] = h.dispatcher.enqueue(makeEvent(Math.floor(h.clock.now() / 1000)), target(r));
    const [other] = h.dispatcher.enqueue(makeEvent(Math.floor(h.clock.now() / 1000)), target(r));
    await h.store.commit();
    await h.clock.advance(0);
    expect(r.requests).toHaveLength(2);

    const canceled = h.dispatcher.cancel(d!.id);
    expect(canceled).toMatchObject({ status: 'failed', next_attempt_at: null, canceled_at: h.clock.now() });
    expect(h.store.get<Delivery>('deliveries', d!.id)).toEqual(canceled);
    // The other delivery's retry is the sentinel: it is sent when d's would have been, d is not.
    await h.clock.advance(1_000);
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([d!.event_id, other!.event_id, other!.event_id]);
    expect(() => h.dispatcher.cancel(d!.id)).toThrow(expect.objectContaining({ code: 'invalid_state' }));
    expect(() => h.dispatcher.cancel('dlv_nope')).toThrow(expect.objectContaining({ code: 'resource_missing' }));
  });

  it.each([
    { name: 'before the retry is due', restartAfterMs: 0, chaos: {}, waitBeforeDue: 1_000 },
    { name: 'after the retry is overdue', restartAfterMs: 3_600_000, chaos: {}, waitBeforeDue: 0 },
    { name: 'with a delayed first attempt', restartAfterMs: 10_000, chaos: { delayMs: 30_000 }, waitBeforeDue: 20_000 },
  ])('a new dispatcher on the same store resumes pending deliveries ($name)', async ({ restartAfterMs, chaos, waitBeforeDue }) => {
    const r = await receiverFor((_req, i) => ({ status: i === 0 && !('delayMs' in chaos) ? 500 : 200 }));
    const store = new MapStore();
    const first = harness({ store });
    const t = target(r);
    const event = makeEvent(Math.floor(first.clock.now() / 1000));
    const [d] = first.dispatcher.enqueue(event, t, chaos);
    const done = first.dispatcher.enqueue(makeEvent(1), t, { drop: true }); // not pending: not resumed
    await store.commit();
    if (!('delayMs' in chaos)) await first.clock.advance(0);
    const sentBefore = r.requests.length;
    await first.dispatcher.close();
    expect(store.get<Delivery>('deliveries', d!.id)!.status).toBe('pending');

    // "Restart": a fresh clock (later on the timeline) and dispatcher over the same store.
    const clock = new FakeClock(first.clock.now() + restartAfterMs);
    const second = harness({ store, clock, newId: first.newId });
    expect(second.dispatcher.resume()).toBe(1);
    expect(second.dispatcher.resume()).toBe(0); // already scheduled
    expect(done[0]!.status).toBe('dropped');

    if (waitBeforeDue > 0) {
      await clock.advance(waitBeforeDue - 1);
      expect(r.requests).toHaveLength(sentBefore); // nothing yet
      await clock.advance(1);
    } else {
      await clock.advance(0);
    }
    expect(r.requests).toHaveLength(sentBefore + 1);
    const doc = store.get<Delivery>('deliveries', d!.id)!;
    expect(doc.status).toBe('succeeded');
    expect(doc.attempts.map((a) => a.number)).toEqual(sentBefore === 1 ? [1, 2] : [1]);
    expect(new Set(r.requests.map((q) => q.headers['webhook-id']))).toEqual(new Set([event.id]));
  });

  it('resend delivers the same event again with the same webhook-id', async () => {
    const r = await receiverFor();
    const h = harness();
    const t = target(r);
    const event = makeEvent(Math.floor(h.clock.now() / 1000));
    const [original] = h.dispatcher.enqueue(event, t);
    await h.clock.advance(0);
    const again = h.dispatcher.resend(event.id, t);
    expect(again.id).not.toBe(original!.id);
    expect(again).toMatchObject({ status: 'pending', event_id: event.id, attempts: [], fail_first: 0, probe: null });
    await h.clock.advance(0);
    expect(r.requests).toHaveLength(2);
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([event.id, event.id]);
    for (const q of r.requests) expect(() => new Webhook(t.secret).verify(q.body, q.headers)).not.toThrow();
    expect(h.store.get<Delivery>('deliveries', again.id)!.status).toBe('succeeded');
  });

  it('resend of an unknown event is resource_missing', () => {
    const h = harness();
    expect(() => h.dispatcher.resend('evt_nope', { url: 'http://127.0.0.1:1/', secret: newSecret(), kind: 'endpoint' })).toThrow(
      expect.objectContaining({ code: 'resource_missing' }),
    );
  });

  it('close cancels scheduled attempts (they stay pending) and refuses new work', async () => {
    const r = await receiverFor(() => ({ status: 500 }));
    const h = harness();
    const [d] = h.dispatcher.enqueue(makeEvent(1), target(r));
    await h.clock.advance(0);
    expect(h.clock.pending).toBe(1);
    await h.dispatcher.close();
    expect(h.clock.pending).toBe(0);
    await h.clock.advance(3_600_000);
    expect(r.requests).toHaveLength(1);
    expect(h.store.get<Delivery>('deliveries', d!.id)).toMatchObject({ status: 'pending', next_attempt_at: expect.any(Number) });
    expect(() => h.dispatcher.enqueue(makeEvent(1), target(r))).toThrow(/closed/);
  });

  it('close waits for an attempt in flight', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const h = harness({ transport: async () => (await gate, { status: 200, body: 'late' }) });
    const [d] = h.dispatcher.enqueue(makeEvent(1), { url: 'http://x.invalid/', secret: newSecret(), kind: 'listen' });
    const advancing = h.clock.advance(0);
    let closed = false;
    const closing = h.dispatcher.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    release();
    await Promise.all([advancing, closing]);
    expect(h.store.get<Delivery>('deliveries', d!.id)!.status).toBe('succeeded');
  });

  it('listeners can unsubscribe, and a throwing listener does not stop delivery', async () => {
    const r = await receiverFor();
    const errors: unknown[] = [];
    const h = harness({ onError: (err) => errors.push(err) });
    const seen: string[] = [];
    const off = h.dispatcher.on((u) => seen.push(u.type));
    h.dispatcher.on(() => {
      throw new Error('listener bug');
    });
    h.dispatcher.enqueue(makeEvent(1), target(r));
    off();
    await h.clock.advance(0);
    expect(seen).toEqual(['scheduled']);
    expect(r.requests).toHaveLength(1);
    expect(errors.map((e) => (e as Error).message)).toEqual(['listener bug', 'listener bug']);
  });

  it('delivers concurrently on the system clock; whenIdle waits for the attempts', async () => {
    const r = await receiverFor();
    const store = new MapStore();
    const dispatcher = testDispatcher({ store, clock: new SystemClock(), newId: idFactory() });
    cleanup.push(() => dispatcher.close());
    const n = 300;
    let acknowledged = 0;
    const all = new Promise<void>((resolve) =>
      dispatcher.on((u) => {
        if (u.type === 'attempt' && u.attempt.acknowledged && ++acknowledged === n) resolve();
      }),
    );
    const t = target(r);
    for (let i = 0; i < n; i++) dispatcher.enqueue(makeEvent(1), t);
    await all;
    await dispatcher.whenIdle();
    expect(r.requests).toHaveLength(n);
    expect(store.list<Delivery>('deliveries').every((d) => d.status === 'succeeded')).toBe(true);
  });
});
