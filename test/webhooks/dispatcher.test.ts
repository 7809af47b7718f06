import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { PAYCLI_RETRY_SCHEDULE_MS } from '../../src/providers/paycli/notifications.js';
import type { Delivery } from '../../src/webhooks/dispatcher.js';
import { freePort, makeEvent, nativeNotification, makeHarness, newSecret, startReceiver, type Harness, type Receiver, type TestTarget } from './fixtures.js';

let receiver: Receiver | null = null;
let harness: Harness | null = null;
afterEach(async () => {
  await harness?.dispatcher.close();
  await receiver?.close();
  receiver = null;
  harness = null;
});

function target(url: string, secret = newSecret()): TestTarget {
  return { url, secret, kind: 'notify_url' };
}

function stored(h: Harness, id: string): Delivery {
  const d = h.store.get<Delivery>('deliveries', id);
  if (!d) throw new Error(`no delivery ${id}`);
  return d;
}

describe('WebhookDispatcher delivery', () => {
  it('delivers a notification the receiver can verify with standardwebhooks', async () => {
    receiver = await startReceiver();
    harness = makeHarness();
    const h = harness;
    const event = makeEvent(Math.floor(h.clock.now() / 1000));
    const t = target(receiver.url);
    const [d] = h.dispatcher.enqueue(event, t);
    await h.store.commit();
    expect(d).toMatchObject({ object: 'delivery', status: 'pending', event_id: event.id, event_type: 'payment.succeeded', merchant_id: 'mch_1', kind: 'notify_url', endpoint_id: null, probe: null, attempts: [] });
    expect(receiver.requests).toHaveLength(0);

    await h.clock.advance(0);
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['webhook-id']).toBe(event.id);
    expect(req.headers['webhook-timestamp']).toBe(String(Math.floor(h.clock.now() / 1000)));
    expect(new Webhook(t.secret).verify(req.body, req.headers)).toEqual({ id: event.id, type: event.type, created: event.created, data: event.data });

    const done = stored(h, d!.id);
    expect(done.status).toBe('succeeded');
    expect(done.next_attempt_at).toBeNull();
    expect(done.attempts).toEqual([
      {
        number: 1,
        at: h.clock.now(),
        status: 200,
        latency_ms: expect.any(Number),
        error: null,
        response_excerpt: 'ok',
        acknowledged: true,
        simulated: false,
        request: { headers: expect.any(Object), body: req.body },
      },
    ]);
    // The recorded request is exactly what the receiver got.
    for (const [name, value] of Object.entries(done.attempts[0]!.request!.headers)) expect(req.headers[name.toLowerCase()]).toBe(value);
    expect(h.updates.map((u) => u.type)).toEqual(['scheduled', 'attempt']);
  });

  it('retries 500, 500, 200 on the schedule with one webhook-id', async () => {
    const answers = [500, 500, 200];
    receiver = await startReceiver((_req, i) => ({ status: answers[i] ?? 200, body: `answer ${i + 1}` }));
    harness = makeHarness();
    const h = harness;
    const t0 = h.clock.now();
    const t = target(receiver.url);
    const [d] = h.dispatcher.enqueue(makeEvent(Math.floor(t0 / 1000)), t);

    await h.clock.advance(0);
    expect(receiver.requests).toHaveLength(1);
    expect(stored(h, d!.id)).toMatchObject({ status: 'pending', next_attempt_at: t0 + 1_000 });
    await h.clock.advance(999);
    expect(receiver.requests).toHaveLength(1); // nothing yet
    await h.clock.advance(1);
    expect(receiver.requests).toHaveLength(2);
    await h.clock.advance(4_999);
    expect(receiver.requests).toHaveLength(2); // nothing yet
    await h.clock.advance(1);
    expect(receiver.requests).toHaveLength(3); // delivered
    await h.clock.runAll();
    expect(receiver.requests).toHaveLength(3);

    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([d!.event_id]));
    for (const r of receiver.requests) expect(() => new Webhook(t.secret).verify(r.body, r.headers)).not.toThrow();
    const done = stored(h, d!.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts.map((a) => [a.number, a.at - t0, a.status, a.acknowledged, a.response_excerpt])).toEqual([
      [1, 0, 500, false, 'answer 1'],
      [2, 1_000, 500, false, 'answer 2'],
      [3, 6_000, 200, true, 'answer 3'],
    ]);
    expect(h.updates.map((u) => u.type)).toEqual(['scheduled', 'attempt', 'scheduled', 'attempt', 'scheduled', 'attempt']);
  });

  it.each([
    { name: 'a timeout', setup: async () => ((receiver = await startReceiver(() => ({ status: 200, hang: true }))), receiver.url), error: /^timeout$/ },
    { name: 'a refused connection', setup: async () => `http://127.0.0.1:${await freePort()}/hook`, error: /^ECONNREFUSED 127\.0\.0\.1:\d+$/ },
  ])('records $name as an error and retries', async ({ setup, error }) => {
    const url = await setup();
    harness = makeHarness({ timeoutMs: 50 });
    const h = harness;
    const [d] = h.dispatcher.enqueue(makeEvent(1), target(url));
    await h.clock.advance(0);
    await h.clock.advance(1_000);
    const doc = stored(h, d!.id);
    expect(doc.status).toBe('pending');
    expect(doc.attempts).toHaveLength(2);
    for (const a of doc.attempts) {
      expect(a).toMatchObject({ status: null, acknowledged: false, simulated: false, response_excerpt: '' });
      expect(a.error).toMatch(error);
    }
  });

  it('keeps only the first 500 characters of a response', async () => {
    receiver = await startReceiver(() => ({ status: 503, body: 'x'.repeat(2_000) }));
    harness = makeHarness();
    const [d] = harness.dispatcher.enqueue(makeEvent(1), target(receiver.url));
    await harness.clock.advance(0);
    expect(stored(harness, d!.id).attempts[0]!.response_excerpt).toBe('x'.repeat(500));
  });

  it.each([
    { name: 'a custom schedule', schedule: [1_000, 2_000] as readonly number[] | undefined },
    { name: 'the default schedule', schedule: undefined },
  ])('gives up after $name is exhausted', async ({ schedule }) => {
    receiver = await startReceiver(() => ({ status: 500 }));
    harness = makeHarness(schedule ? { retryScheduleMs: schedule } : {});
    const h = harness;
    const expected = schedule ?? PAYCLI_RETRY_SCHEDULE_MS;
    const t0 = h.clock.now();
    const [d] = h.dispatcher.enqueue(makeEvent(1), target(receiver.url));
    await h.clock.runAll();

    expect(receiver.requests).toHaveLength(expected.length + 1);
    const doc = stored(h, d!.id);
    expect(doc.status).toBe('failed');
    expect(doc.next_attempt_at).toBeNull();
    const offsets = expected.reduce<number[]>((acc, wait) => [...acc, acc[acc.length - 1]! + wait], [0]);
    expect(doc.attempts.map((a) => a.at - t0)).toEqual(offsets);
    expect(h.updates.at(-1)).toMatchObject({ type: 'exhausted', delivery: { id: d!.id, status: 'failed' } });
    expect(h.updates.filter((u) => u.type === 'exhausted')).toHaveLength(1);
  });

  it('stops retrying when the receiver answers 410 Gone', async () => {
    receiver = await startReceiver(() => ({ status: 410, body: 'gone' }));
    harness = makeHarness();
    const h = harness;
    const [d] = h.dispatcher.enqueue(makeEvent(1), { ...target(receiver.url), kind: 'endpoint', endpoint_id: 'we_1' });
    await h.clock.runAll();
    expect(receiver.requests).toHaveLength(1);
    const doc = stored(h, d!.id);
    expect(doc).toMatchObject({ status: 'failed', endpoint_id: 'we_1', next_attempt_at: null });
    expect(doc.attempts[0]).toMatchObject({ status: 410, acknowledged: false, response_excerpt: 'gone' });
    expect(doc.attempts[0]!.error).toMatch(/410/);
    expect(h.updates.at(-1)?.type).toBe('exhausted');
  });

  it('treats a redirect as a failure', async () => {
    receiver = await startReceiver((_req, i) => (i === 0 ? { status: 302 } : { status: 204 }));
    harness = makeHarness();
    const [d] = harness.dispatcher.enqueue(makeEvent(1), target(receiver.url));
    await harness.clock.runAll();
    expect(stored(harness, d!.id).attempts.map((a) => [a.status, a.acknowledged])).toEqual([
      [302, false],
      [204, true],
    ]);
  });

  it('reads the notification from the store at attempt time and fails when it is gone', async () => {
    receiver = await startReceiver();
    harness = makeHarness();
    const h = harness;
    const event = makeEvent(1);
    const [d] = h.dispatcher.enqueue(event, target(receiver.url));
    expect(h.store.get('notifications', event.id)).toEqual(nativeNotification(event)); // staged by enqueue
    h.store.remove('notifications', event.id);
    await h.clock.runAll();
    expect(receiver.requests).toHaveLength(0);
    const doc = stored(h, d!.id);
    expect(doc.status).toBe('failed');
    expect(doc.attempts).toHaveLength(1);
    expect(doc.attempts[0]!.error).toMatch(/no longer in the store/);
  });

  it('commits after every attempt', async () => {
    receiver = await startReceiver((_req, i) => ({ status: i < 2 ? 500 : 200 }));
    harness = makeHarness();
    const h = harness;
    h.dispatcher.enqueue(makeEvent(1), target(receiver.url));
    const before = h.store.commits;
    await h.clock.runAll();
    expect(h.store.commits - before).toBe(3);
  });
});
