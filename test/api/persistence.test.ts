/**
 * Persistence through the API with a real data file: restarts keep state and keys, pending deliveries
 * resume, concurrent writes all persist, and Idempotency-Key holds under concurrency and across restarts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { FakeClock } from '../../src/clock.js';
import { PaycliError } from '../../src/errors.js';
import { startSandbox } from '../../src/sandbox/sandbox.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { COLLECTIONS, type CollectionName } from '../../src/store/store.js';
import { card, paymentBody, startReceiver, startTestSandbox, type Api } from '../helpers/sandbox.js';

let dir: string;
let dataFile: string;
const open: Api[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'paycli-persist-'));
  dataFile = path.join(dir, 'sandbox.json');
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  await rm(dir, { recursive: true, force: true });
});

/** A sandbox on the temp data file. */
async function start(options: Parameters<typeof startTestSandbox>[0] = {}): Promise<Api> {
  const api = await startTestSandbox({ inMemory: false, dataFile, ...options });
  open.push(api);
  return api;
}
async function stop(api: Api): Promise<void> {
  open.splice(open.indexOf(api), 1);
  await api.close();
}

async function allPaymentIds(api: Api): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await api.call('GET', `/v1/payments?limit=100${cursor ? `&starting_after=${cursor}` : ''}`);
    ids.push(...page.body.data.map((p) => p.id));
    cursor = page.body.next_cursor;
  } while (cursor);
  return ids;
}

describe('restart on the same data file', () => {
  it('keeps payments, refunds, events, endpoints and the same keys', async () => {
    const a = await start();
    const keys = { ...a.sandbox.merchant };
    expect(keys.secret_key).toMatch(/^sk_test_/);
    expect(keys.webhook_secret).toMatch(/^whsec_/);
    const p = (await a.call('POST', '/v1/payments', paymentBody({ merchant_order_id: 'keep-1' }))).body;
    const we = (await a.call('POST', '/v1/webhook_endpoints', { url: 'https://shop.example/h' })).body;
    // Later payments, and an update to the first one after them: list order must not follow update order.
    for (let i = 0; i < 3; i++) await a.call('POST', '/v1/payments', paymentBody({ capture_method: 'manual' }));
    await a.call('POST', '/v1/refunds', { payment_id: p.id, amount: 100 });
    await a.call('POST', '/v1/refunds', { payment_id: p.id, amount: 600 });
    const order = await allPaymentIds(a);
    const events = (await a.call('GET', '/v1/events?limit=100')).body.data;
    await stop(a);

    const b = await start();
    expect(b.sandbox.merchant).toEqual(keys);
    expect((await b.call('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ id: p.id, amount_refunded: 700, status: 'succeeded' });
    expect(await allPaymentIds(b)).toEqual(order);
    const refunds = (await b.call('GET', `/v1/refunds?payment_id=${p.id}`)).body.data;
    expect(refunds.map((x: { amount: number }) => x.amount)).toEqual([600, 100]);
    expect((await b.call('GET', `/v1/webhook_endpoints/${we.id}`)).body).toEqual(we);
    expect((await b.call('GET', '/v1/events?limit=100')).body.data).toEqual(events);
    // The old key still works and the order-id index was rebuilt.
    expect((await b.call('POST', '/v1/payments', paymentBody({ merchant_order_id: 'keep-1' }))).status).toBe(409);
    expect((await b.call('GET', '/v1/payments?merchant_order_id=keep-1')).body.data.map((x: { id: string }) => x.id)).toEqual([p.id]);
  });

  it('a reset deletes payments but keeps the keys, also across a restart', async () => {
    const a = await start();
    const keys = { ...a.sandbox.merchant };
    await a.call('POST', '/v1/payments', paymentBody({ merchant_order_id: 'gone' }));
    expect((await a.call('POST', '/_sandbox/reset')).status).toBe(200);
    expect(a.sandbox.store.count('payments')).toBe(0);
    expect((await a.call('POST', '/v1/payments', paymentBody({ merchant_order_id: 'gone' }))).status).toBe(201);
    await stop(a);
    const b = await start();
    expect(b.sandbox.merchant).toEqual(keys);
    expect(b.sandbox.store.count('payments')).toBe(1);
  });

  it('pending deliveries resume after a restart, with the same webhook-id', async () => {
    let healthy = false;
    const rec = await startReceiver(() => (healthy ? { status: 200 } : { status: 500 }));
    try {
      const clock = new FakeClock(Date.now());
      const a = await start({ clock });
      const p = (await a.call('POST', '/v1/payments', paymentBody({ notify_url: rec.url }))).body;
      await clock.advance(0); // both events fail once; retries are due in 1 s
      expect(rec.requests).toHaveLength(2);
      // A third, never attempted: created after the clock stopped moving.
      const w = (await a.call('POST', '/v1/payments', paymentBody({ notify_url: rec.url, payment_method: { type: 'wallet', wallet: 'alipay' } }))).body;
      await stop(a);

      healthy = true;
      const clock2 = new FakeClock(clock.now() + 60_000);
      const b = await start({ clock: clock2 });
      await clock2.advance(0); // everything is overdue
      await b.sandbox.dispatcher.whenIdle();
      expect(rec.requests).toHaveLength(2 + 4);
      const deliveries = (await b.call('GET', '/_sandbox/deliveries')).body.data as { event_id: string; status: string; attempts: { status: number }[] }[];
      expect(deliveries).toHaveLength(4);
      for (const d of deliveries) expect(d.status).toBe('succeeded');
      const ofFirst = deliveries.filter((d) => d.attempts.length === 2);
      expect(ofFirst).toHaveLength(2);
      for (const d of ofFirst) {
        expect(d.attempts.map((x) => x.status)).toEqual([500, 200]);
        const sent = rec.requests.filter((r) => r.headers['webhook-id'] === d.event_id);
        expect(sent).toHaveLength(2);
      }
      const evs = (await b.call('GET', `/v1/events?payment_id=${w.id}`)).body.data as { id: string }[];
      for (const e of evs) expect(rec.requests.filter((r) => r.headers['webhook-id'] === e.id)).toHaveLength(1);
      expect(p.id).toMatch(/^pay_/);
    } finally {
      await rec.close();
    }
  });

  it('pending deliveries of a data file written before providers (secret inside, no notification) still go out, verified', async () => {
    let healthy = false;
    const rec = await startReceiver(() => (healthy ? { status: 200 } : { status: 500 }));
    const hook = await startReceiver(() => (healthy ? { status: 200 } : { status: 500 }));
    try {
      const clock = new FakeClock(Date.now());
      const a = await start({ clock });
      const we = (await a.call('POST', '/v1/webhook_endpoints', { url: hook.url, enabled_events: ['payment.succeeded'] })).body;
      await a.call('POST', '/v1/payments', paymentBody({ notify_url: rec.url }));
      await clock.advance(0);
      const store = a.sandbox.store;
      // Rewrite the deliveries as earlier versions stored them, and drop the notifications they now refer to.
      for (const d of store.list<{ id: string; provider?: string; notification_id?: string; endpoint_id: string | null; event_id: string }>('deliveries')) {
        const { provider: _p, notification_id: _n, ...legacy } = d;
        store.put('deliveries', { ...legacy, secret: d.endpoint_id ? we.secret : a.sandbox.merchant.webhook_secret });
      }
      for (const n of [...store.list('notifications')]) store.remove('notifications', n.id);
      await store.commit();
      const pending = store.list<{ id: string; event_id: string }>('deliveries').length;
      await stop(a);

      healthy = true;
      const clock2 = new FakeClock(clock.now() + 60_000);
      const b = await start({ clock: clock2 });
      await clock2.advance(0);
      await b.sandbox.dispatcher.whenIdle();
      const deliveries = b.sandbox.store.list<{ id: string; status: string; provider: string; endpoint_id: string | null; event_id: string }>('deliveries');
      expect(deliveries).toHaveLength(pending);
      for (const d of deliveries) {
        expect(d).toMatchObject({ status: 'succeeded', provider: 'paycli', notification_id: d.event_id });
        expect(d).not.toHaveProperty('secret');
        const last = (d.endpoint_id ? hook : rec).requests.filter((r) => r.headers['webhook-id'] === d.event_id).at(-1)!;
        expect(() => new Webhook(d.endpoint_id ? we.secret : b.sandbox.merchant.webhook_secret).verify(last.body, last.headers as Record<string, string>)).not.toThrow();
      }
      expect(deliveries.filter((d) => d.endpoint_id !== null)).toHaveLength(1);
    } finally {
      await rec.close();
      await hook.close();
    }
  });

  it('payments stored by earlier versions (next_action and livemode inside, no buyer_action) read and act as before', async () => {
    const a = await start();
    const threeDs = await a.call('POST', '/v1/payments', paymentBody({ payment_method: card('4000002760003184'), return_url: 'https://shop.example/r' }));
    const qr = await a.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'wallet', wallet: 'alipay' } }));
    const store = a.sandbox.store;
    // Rewrite the payments as earlier versions stored them: the native wire shape, buyer URL included.
    for (const native of [threeDs.body, qr.body]) store.put('payments', native);
    await store.commit();
    await stop(a);

    const b = await start();
    for (const before of [threeDs.body, qr.body]) {
      const now = await b.call('GET', `/v1/payments/${before.id}`);
      // The same bytes, the buyer page now on this run's port.
      expect(JSON.stringify(now.body)).toBe(JSON.stringify(before).replaceAll(a.sandbox.url, b.sandbox.url));
    }
    const svg = await fetch(`${b.sandbox.url}/_sandbox/buyer/${qr.body.id}/qr.svg`);
    expect(svg.status).toBe(200);
    expect(await svg.text()).toContain('<svg');
    const done = await b.call('POST', `/_sandbox/buyer/${threeDs.body.id}/complete`);
    expect(done.body).toMatchObject({ id: threeDs.body.id, status: 'succeeded', next_action: null, livemode: false });
  });

  it('a waiting payment still expires after a restart', async () => {
    const clock = new FakeClock(Date.UTC(2026, 1, 1));
    const a = await start({ clock });
    const p = (await a.call('POST', '/v1/payments', paymentBody({ payment_method: card('4000002760003184') }))).body;
    await stop(a);
    const clock2 = new FakeClock(clock.now() + 10 * 60_000);
    const b = await start({ clock: clock2 });
    await clock2.advance(19 * 60_000);
    expect((await b.call('GET', `/v1/payments/${p.id}`)).body.status).toBe('requires_action');
    await clock2.advance(60_000);
    expect((await b.call('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'canceled', cancellation_reason: 'expired' });
  });

  it('an unreadable data file is a data_file_unreadable error, not a crash', async () => {
    await writeFile(dataFile, '{ this is not json');
    const err = await startSandbox({ port: 0, dataFile }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaycliError);
    expect((err as PaycliError).code).toBe('data_file_unreadable');
    expect((err as PaycliError).hint).toEqual(expect.any(String));
  });
});

describe('concurrency', () => {
  it('200 concurrent creates all succeed and all persist', async () => {
    const a = await start();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => a.call('POST', '/v1/payments', paymentBody({ merchant_order_id: `c-${i}` }))));
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(201));
    const created = results.map((r) => r.body.id as string);
    expect(new Set(created).size).toBe(200);
    await stop(a);
    const b = await start();
    expect(b.sandbox.store.count('payments')).toBe(200);
    expect((await allPaymentIds(b)).sort()).toEqual([...created].sort());
    expect(b.sandbox.store.count('events')).toBe(400);
  });

  it('200 concurrent creates with the same merchant_order_id: one 201, the rest 409', async () => {
    const a = await start();
    const results = await Promise.all(Array.from({ length: 200 }, () => a.call('POST', '/v1/payments', paymentBody({ merchant_order_id: 'same' }))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(199);
    expect(a.sandbox.store.count('payments')).toBe(1);
  });

  it('concurrent refunds never exceed what was captured', async () => {
    const a = await start();
    const p = (await a.call('POST', '/v1/payments', paymentBody({ amount: 1000 }))).body;
    const results = await Promise.all(Array.from({ length: 30 }, () => a.call('POST', '/v1/refunds', { payment_id: p.id, amount: 100 })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    expect(results.filter((r) => r.status === 400).every((r) => r.body.error.code === 'refund_exceeds_captured')).toBe(true);
    expect((await a.call('GET', `/v1/payments/${p.id}`)).body.amount_refunded).toBe(1000);
  });

  it('50 concurrent requests with one Idempotency-Key create one payment and all get the same body', async () => {
    const a = await start();
    const body = paymentBody({ merchant_order_id: 'idem-1' });
    const headers = { 'idempotency-key': 'key-123' };
    const results = await Promise.all(Array.from({ length: 50 }, () => a.call('POST', '/v1/payments', body, { headers })));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    for (const r of results) expect(r.body).toEqual(results[0]!.body);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(49);
    expect(a.sandbox.store.count('payments')).toBe(1);
    expect(a.sandbox.store.count('events')).toBe(2);

    // A repeat after a restart still replays the stored response.
    await stop(a);
    const b = await start();
    const again = await b.call('POST', '/v1/payments', body, { headers });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(results[0]!.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(b.sandbox.store.count('payments')).toBe(1);
  });

  it('the same Idempotency-Key with a different body is 422 idempotency_key_reused and changes nothing', async () => {
    const a = await start();
    const headers = { 'idempotency-key': 'key-xyz' };
    const first = await a.call('POST', '/v1/payments', paymentBody({ merchant_order_id: 'idem-2', amount: 1000 }), { headers });
    expect(first.status).toBe(201);
    const count = () => Object.fromEntries(COLLECTIONS.map((c) => [c, a.sandbox.store.count(c)]));
    const before = count();
    const second = await a.call('POST', '/v1/payments', paymentBody({ merchant_order_id: 'idem-2', amount: 1001 }), { headers });
    expect(second.status).toBe(422);
    expect(second.body.error).toMatchObject({ code: 'idempotency_key_reused', type: 'idempotency_error', param: 'Idempotency-Key' });
    // The same key on another route is another request too.
    const third = await a.call('POST', '/v1/refunds', { payment_id: first.body.id }, { headers });
    expect(third.status).toBe(422);
    expect(count()).toEqual(before);
  });

  it('concurrent requests with one key and different bodies: one runs, the others are 422', async () => {
    const a = await start();
    const headers = { 'idempotency-key': 'key-race' };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => a.call('POST', '/v1/payments', paymentBody({ merchant_order_id: `race-${i}` }), { headers })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 422)).toHaveLength(19);
    expect(a.sandbox.store.count('payments')).toBe(1);
  });

  it('the stored Idempotency-Key response is committed together with the change it describes', async () => {
    // What each commit() made durable: a crash between two commits keeps only what the first one had.
    const durable: Record<string, number>[] = [];
    class RecordingStore extends MemoryStore {
      override async commit(): Promise<void> {
        const tracked: CollectionName[] = ['payments', 'refunds', 'webhook_endpoints', 'idempotency_keys'];
        durable.push(Object.fromEntries(tracked.map((c) => [c, this.count(c)])));
      }
    }
    const a = await startTestSandbox({ store: new RecordingStore() });
    open.push(a);
    const p = await a.call('POST', '/v1/payments', paymentBody({ capture_method: 'manual' }), { headers: { 'idempotency-key': 'k1' } });
    await a.call('POST', `/v1/payments/${p.body.id}/capture`, {}, { headers: { 'idempotency-key': 'k2' } });
    await a.call('POST', '/v1/refunds', { payment_id: p.body.id, amount: 10 }, { headers: { 'idempotency-key': 'k3' } });
    await a.call('POST', '/v1/webhook_endpoints', { url: 'https://shop.example/h' }, { headers: { 'idempotency-key': 'k4' } });
    expect(a.sandbox.store.count('idempotency_keys')).toBe(4);
    const keyed = (d: Record<string, number>) => d.payments! + d.refunds! + d.webhook_endpoints!;
    // Each commit that made a keyed change durable also made its key durable: objects ≤ keys (the
    // capture changes no count, so it shows as one more key).
    for (const d of durable) expect(keyed(d), JSON.stringify(durable)).toBeLessThanOrEqual(d.idempotency_keys!);
  });

  it('an Idempotency-Key is honoured on capture, cancel, refund and endpoint creation', async () => {
    const a = await start();
    const p = (await a.call('POST', '/v1/payments', paymentBody({ capture_method: 'manual' }))).body;
    const cap = () => a.call('POST', `/v1/payments/${p.id}/capture`, { amount: 500 }, { headers: { 'idempotency-key': 'cap' } });
    const [c1, c2] = [await cap(), await cap()];
    expect([c1.status, c2.status]).toEqual([200, 200]);
    expect(c2.body).toEqual(c1.body);
    const ref = () => a.call('POST', '/v1/refunds', { payment_id: p.id, amount: 100 }, { headers: { 'idempotency-key': 'ref' } });
    const refunds = await Promise.all([ref(), ref(), ref()]);
    expect(new Set(refunds.map((r) => r.body.id)).size).toBe(1);
    expect(a.sandbox.store.count('refunds')).toBe(1);
    const we = () => a.call('POST', '/v1/webhook_endpoints', { url: 'https://shop.example/h' }, { headers: { 'idempotency-key': 'we' } });
    expect((await we()).body.id).toBe((await we()).body.id);
    expect(a.sandbox.store.count('webhook_endpoints')).toBe(1);
  });
});
