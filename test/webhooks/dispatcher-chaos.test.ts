import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { PaycliError } from '../../src/errors.js';
import type { Delivery } from '../../src/webhooks/dispatcher.js';
import { makeEvent, makeHarness, newSecret, startReceiver, type Harness, type Receiver, type TestTarget } from './fixtures.js';

let receiver: Receiver | null = null;
let harness: Harness | null = null;
afterEach(async () => {
  await harness?.dispatcher.close();
  await receiver?.close();
  receiver = null;
  harness = null;
});

const stored = (h: Harness, id: string) => h.store.get<Delivery>('deliveries', id)!;

async function setup(reply?: Parameters<typeof startReceiver>[0]): Promise<{ h: Harness; r: Receiver; t: TestTarget }> {
  receiver = await startReceiver(reply);
  harness = makeHarness();
  return { h: harness, r: receiver, t: { url: receiver.url, secret: newSecret(), kind: 'endpoint', endpoint_id: 'we_1' } };
}

/** A receiver that verifies like a correct app: 400 on a bad signature or timestamp, else 200. */
function verifyingReceiver(secret: () => string) {
  return (req: { body: string; headers: Record<string, string> }) => {
    try {
      new Webhook(secret()).verify(req.body, req.headers);
      return { status: 200, body: 'ok' };
    } catch {
      return { status: 400, body: 'bad signature' };
    }
  };
}

describe('WebhookDispatcher chaos', () => {
  it.each([0, 1, 3])('duplicates: %i → n+1 deliveries with the same webhook-id', async (duplicates) => {
    const { h, r, t } = await setup();
    const event = makeEvent(1);
    const deliveries = h.dispatcher.enqueue(event, t, { duplicates });
    expect(deliveries).toHaveLength(duplicates + 1);
    expect(new Set(deliveries.map((d) => d.id)).size).toBe(duplicates + 1);
    await h.clock.advance(0);
    expect(r.requests).toHaveLength(duplicates + 1);
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual(Array(duplicates + 1).fill(event.id));
    for (const d of deliveries) expect(stored(h, d.id).status).toBe('succeeded');
  });

  it('drop: records a dropped delivery and sends nothing', async () => {
    const { h, r, t } = await setup();
    const deliveries = h.dispatcher.enqueue(makeEvent(1), t, { drop: true, duplicates: 2 });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: 'dropped', next_attempt_at: null, attempts: [] });
    expect(h.store.get('deliveries', deliveries[0]!.id)).toEqual(deliveries[0]);
    await h.clock.runAll();
    expect(r.requests).toHaveLength(0);
    expect(h.clock.pending).toBe(0);
    expect(h.updates).toEqual([{ type: 'dropped', delivery: deliveries[0] }]);
  });

  it('failFirst: the app sees the notification only after n simulated failures, on the retry schedule', async () => {
    const { h, r, t } = await setup();
    const t0 = h.clock.now();
    const [d, dup] = h.dispatcher.enqueue(makeEvent(1), t, { failFirst: 2, duplicates: 1 });
    expect(d!.fail_first).toBe(2);
    expect(dup!.fail_first).toBe(0); // failFirst applies to the notification, not to its duplicates

    await h.clock.advance(0);
    expect(r.requests).toHaveLength(1); // only the duplicate
    expect(stored(h, d!.id).attempts).toHaveLength(1);
    await h.clock.advance(1_000);
    expect(r.requests).toHaveLength(1);
    expect(stored(h, d!.id).attempts).toHaveLength(2);
    await h.clock.advance(4_999);
    expect(r.requests).toHaveLength(1); // nothing yet
    await h.clock.advance(1);
    expect(r.requests).toHaveLength(2);

    const doc = stored(h, d!.id);
    expect(doc.status).toBe('succeeded');
    expect(doc.attempts.map((a) => [a.at - t0, a.simulated, a.status, a.error])).toEqual([
      [0, true, null, 'simulated failure'],
      [1_000, true, null, 'simulated failure'],
      [6_000, false, 200, null],
    ]);
  });

  it('delayMs: nothing before the delay of fake time, delivered after', async () => {
    const { h, r, t } = await setup();
    const t0 = h.clock.now();
    const [d] = h.dispatcher.enqueue(makeEvent(1), t, { delayMs: 30_000 });
    expect(d!.next_attempt_at).toBe(t0 + 30_000);
    await h.clock.advance(29_999);
    expect(r.requests).toHaveLength(0);
    await h.clock.advance(1);
    expect(r.requests).toHaveLength(1);
    expect(stored(h, d!.id).attempts[0]!.at).toBe(t0 + 30_000);
  });

  it.each([
    { probe: 'tampered' as const, app: 'verifies', status: 400, acknowledged: false, outcome: 'succeeded' },
    { probe: 'stale' as const, app: 'verifies', status: 400, acknowledged: false, outcome: 'succeeded' },
    { probe: 'tampered' as const, app: 'accepts anything', status: 200, acknowledged: true, outcome: 'failed' },
    { probe: 'stale' as const, app: 'accepts anything', status: 200, acknowledged: true, outcome: 'failed' },
  ])('probe $probe, app $app → probe delivery $outcome, never retried', async ({ probe, app, status, acknowledged, outcome }) => {
    let secret = '';
    const { h, r, t } = await setup(app === 'verifies' ? verifyingReceiver(() => secret) : undefined);
    secret = t.secret;
    const event = makeEvent(1);
    const deliveries = h.dispatcher.enqueue(event, t, { probe });
    expect(deliveries.map((d) => d.probe)).toEqual([null, probe]);
    await h.clock.runAll();

    expect(r.requests).toHaveLength(2);
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([event.id, event.id]);
    const [normal, probeDoc] = deliveries.map((d) => stored(h, d.id));
    expect(normal!.status).toBe('succeeded');
    expect(probeDoc!.status).toBe(outcome);
    expect(probeDoc!.next_attempt_at).toBeNull();
    expect(probeDoc!.attempts).toHaveLength(1);
    expect(probeDoc!.attempts[0]).toMatchObject({ status, acknowledged });
    expect(h.updates.filter((u) => u.type === 'exhausted')).toHaveLength(0);
  });

  it('probe: no answer at all counts as failed (nothing was verified), without retries', async () => {
    const { h, r, t } = await setup();
    await r.close();
    receiver = null;
    const [, probe] = h.dispatcher.enqueue(makeEvent(1), t, { probe: 'stale' });
    await h.clock.advance(0);
    const doc = stored(h, probe!.id);
    expect(doc.status).toBe('failed');
    expect(doc.attempts[0]!.error).toMatch(/^ECONNREFUSED/);
    expect(h.clock.pending).toBe(1); // the normal notification's retry only
  });

  it('drop still sends a requested probe', async () => {
    const { h, r, t } = await setup();
    const deliveries = h.dispatcher.enqueue(makeEvent(1), t, { drop: true, probe: 'tampered' });
    expect(deliveries.map((d) => [d.status, d.probe])).toEqual([
      ['dropped', null],
      ['pending', 'tampered'],
    ]);
    await h.clock.runAll();
    expect(r.requests).toHaveLength(1);
  });

  it.each([
    { chaos: { duplicates: -1 }, param: 'chaos.duplicates' },
    { chaos: { duplicates: 1.5 }, param: 'chaos.duplicates' },
    { chaos: { failFirst: -2 }, param: 'chaos.failFirst' },
    { chaos: { delayMs: Number.NaN }, param: 'chaos.delayMs' },
  ])('rejects invalid chaos $chaos', async ({ chaos, param }) => {
    const { h, t } = await setup();
    const act = () => h.dispatcher.enqueue(makeEvent(1), t, chaos);
    expect(act).toThrow(PaycliError);
    expect(act).toThrow(expect.objectContaining({ code: 'parameter_invalid', param }));
    expect(h.store.count('deliveries')).toBe(0);
  });
});
