/**
 * Events, webhook endpoints and the settlement report over the native API.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { FakeClock } from '../../src/clock.js';
import { card, paymentBody, startReceiver, startTestSandbox, waitFor, type Api, type Receiver, closedAfterEach } from '../helpers/sandbox.js';

const { sandbox, receiver } = closedAfterEach();
const ids = (list: { data: { id: string }[] }) => list.data.map((x) => x.id);

describe('events', () => {
  it('every state change is an event, listed newest first and fetchable by id', async () => {
    const api = await sandbox();
    const p = (await api.call('POST', '/v1/payments', paymentBody({ capture_method: 'manual' }))).body;
    await api.call('POST', `/v1/payments/${p.id}/capture`, { amount: 1500 });
    const r = (await api.call('POST', '/v1/refunds', { payment_id: p.id, amount: 500 })).body;
    const failed = (await api.call('POST', '/v1/payments', paymentBody({ payment_method: card('4000000000009995') }))).body;
    const threeDs = (await api.call('POST', '/v1/payments', paymentBody({ payment_method: card('4000002760003184') }))).body;
    await api.call('POST', `/v1/payments/${threeDs.id}/cancel`);

    const list = await api.call('GET', '/v1/events?limit=100');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ object: 'list', has_more: false });
    expect(list.body.data.map((e: { type: string }) => e.type).reverse()).toEqual([
      'payment.created',
      'payment.requires_capture',
      'payment.captured',
      'payment.succeeded',
      'refund.succeeded',
      'payment.created',
      'payment.failed',
      'payment.created',
      'payment.requires_action',
      'payment.canceled',
    ]);
    for (const e of list.body.data) {
      expect(e.id).toMatch(/^evt_/);
      expect(e).toMatchObject({ object: 'event', created: expect.any(Number), data: { object: expect.any(Object) } });
      const one = await api.call('GET', `/v1/events/${e.id}`);
      expect(one.body).toEqual(e);
    }
    const refundEvent = list.body.data.find((e: { type: string }) => e.type === 'refund.succeeded');
    expect(refundEvent.data.object).toMatchObject({ id: r.id, object: 'refund', amount: 500 });
    const failedEvent = list.body.data.find((e: { type: string }) => e.type === 'payment.failed');
    expect(failedEvent.data.object).toMatchObject({ id: failed.id, failure_code: 'insufficient_funds' });

    const ofPayment = await api.call('GET', `/v1/events?payment_id=${p.id}`);
    expect(ofPayment.body.data.map((e: { type: string }) => e.type)).toEqual(['refund.succeeded', 'payment.succeeded', 'payment.captured', 'payment.requires_capture', 'payment.created']);
    const byType = await api.call('GET', '/v1/events?type=payment.created');
    expect(byType.body.data).toHaveLength(3);
    const byPrefix = await api.call('GET', '/v1/events?type=refund.*');
    expect(byPrefix.body.data.map((e: { type: string }) => e.type)).toEqual(['refund.succeeded']);
    const page = await api.call('GET', '/v1/events?limit=3');
    expect(page.body).toMatchObject({ has_more: true, next_cursor: page.body.data[2].id });
    const next = await api.call('GET', `/v1/events?limit=3&starting_after=${page.body.next_cursor}`);
    expect(ids(next.body)).toEqual(ids(list.body).slice(3, 6));

    const missing = await api.call('GET', '/v1/events/evt_nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'resource_missing', param: 'id' });
  });
});

describe('webhook endpoints', () => {
  it('create (own whsec_ secret), get, list, delete', async () => {
    const api = await sandbox();
    const created = await api.call('POST', '/v1/webhook_endpoints', { url: 'https://shop.example/hooks', enabled_events: ['payment.succeeded'], description: 'shop' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'webhook_endpoint', url: 'https://shop.example/hooks', enabled_events: ['payment.succeeded'], description: 'shop' });
    expect(created.body.id).toMatch(/^we_/);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    expect(created.body.secret).not.toBe(api.sandbox.merchant.webhook_secret);
    const all = await api.call('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/all' });
    expect(all.body.enabled_events).toEqual(['*']);

    expect((await api.call('GET', `/v1/webhook_endpoints/${created.body.id}`)).body).toEqual(created.body);
    const list = await api.call('GET', '/v1/webhook_endpoints');
    expect(list.body).toMatchObject({ object: 'list', has_more: false });
    expect(ids(list.body).sort()).toEqual([created.body.id, all.body.id].sort());

    const del = await api.call('DELETE', `/v1/webhook_endpoints/${created.body.id}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ id: created.body.id, object: 'webhook_endpoint', deleted: true });
    expect((await api.call('GET', `/v1/webhook_endpoints/${created.body.id}`)).status).toBe(404);
    expect((await api.call('DELETE', `/v1/webhook_endpoints/${created.body.id}`)).status).toBe(404);
    expect(ids((await api.call('GET', '/v1/webhook_endpoints')).body)).toEqual([all.body.id]);
  });

  it.each([
    [{ url: 'ftp://shop.example/hooks' }, 'url'],
    [{ url: 'not a url' }, 'url'],
    [{}, 'url'],
    [{ url: 'https://shop.example/h', enabled_events: ['payment.teleported'] }, 'enabled_events.0'],
    [{ url: 'https://shop.example/h', enabled_events: [] }, 'enabled_events'],
  ])('%j is a 400 on %s', async (body, param) => {
    const api = await sandbox();
    const res = await api.call('POST', '/v1/webhook_endpoints', body);
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe(param);
    expect(api.sandbox.store.count('webhook_endpoints')).toBe(0);
  });

  it('delivers only the enabled events, signed with the endpoint secret; a deleted endpoint gets nothing more', async () => {
    const api = await sandbox();
    const onlyRefunds = await receiver();
    const payments = await receiver();
    const a = (await api.call('POST', '/v1/webhook_endpoints', { url: onlyRefunds.url, enabled_events: ['refund.succeeded'] })).body;
    const b = (await api.call('POST', '/v1/webhook_endpoints', { url: payments.url, enabled_events: ['payment.*'] })).body;
    const p = (await api.call('POST', '/v1/payments', paymentBody())).body;
    await api.call('POST', '/v1/refunds', { payment_id: p.id, amount: 100 });
    await waitFor(() => onlyRefunds.requests.length >= 1 && payments.requests.length >= 2);
    await api.sandbox.dispatcher.whenIdle();
    expect(onlyRefunds.requests.map((r) => JSON.parse(r.body).type)).toEqual(['refund.succeeded']);
    expect(payments.requests.map((r) => JSON.parse(r.body).type).sort()).toEqual(['payment.created', 'payment.succeeded']);
    for (const [rec, secret] of [[onlyRefunds, a.secret], [payments, b.secret]] as const) {
      for (const req of rec.requests) {
        expect(() => new Webhook(secret).verify(req.body, req.headers as Record<string, string>)).not.toThrow();
        expect(() => new Webhook(api.sandbox.merchant.webhook_secret).verify(req.body, req.headers as Record<string, string>)).toThrow();
      }
    }
    await api.call('DELETE', `/v1/webhook_endpoints/${a.id}`);
    await api.call('POST', '/v1/refunds', { payment_id: p.id, amount: 100 });
    await api.sandbox.dispatcher.whenIdle();
    expect(onlyRefunds.requests).toHaveLength(1);
    const toA = api.sandbox.store.list<{ id: string; endpoint_id: string | null }>('deliveries').filter((d) => d.endpoint_id === a.id);
    expect(toA).toHaveLength(1);
  });
});

describe('settlement', () => {
  it('JSON and ?format=csv for one UTC day, with fees and totals per currency', async () => {
    const clock = new FakeClock(Date.UTC(2026, 5, 10, 8, 0, 0));
    const api = await sandbox({ clock });
    const usd = (await api.call('POST', '/v1/payments', paymentBody({ amount: 2000, merchant_order_id: 'set-usd' }))).body;
    await clock.advance(3_600_000);
    const eur = (await api.call('POST', '/v1/payments', paymentBody({ amount: 1000, currency: 'eur', merchant_order_id: 'set-eur' }))).body;
    await api.call('POST', '/v1/payments', paymentBody({ payment_method: card('4000000000009995') }));
    await api.call('POST', '/v1/payments', paymentBody({ capture_method: 'manual' }));
    await clock.advance(3_600_000);
    const refund = (await api.call('POST', '/v1/refunds', { payment_id: usd.id, amount: 300 })).body;

    const res = await api.call('GET', '/v1/settlements/2026-06-10');
    expect(res.status).toBe(200);
    const t0 = Date.UTC(2026, 5, 10, 8) / 1000;
    expect(res.body).toEqual({
      object: 'settlement',
      date: '2026-06-10',
      rows: [
        { time: t0, type: 'payment', payment_id: usd.id, refund_id: null, merchant_order_id: 'set-usd', currency: 'USD', amount: 2000, fee: 88, net: 1912 },
        { time: t0 + 3600, type: 'payment', payment_id: eur.id, refund_id: null, merchant_order_id: 'set-eur', currency: 'EUR', amount: 1000, fee: 59, net: 941 },
        { time: t0 + 7200, type: 'refund', payment_id: usd.id, refund_id: refund.id, merchant_order_id: 'set-usd', currency: 'USD', amount: -300, fee: 0, net: -300 },
      ],
      totals: [
        { currency: 'EUR', payment_count: 1, payment_amount: 1000, refund_count: 0, refund_amount: 0, fee_total: 59, net_total: 941 },
        { currency: 'USD', payment_count: 1, payment_amount: 2000, refund_count: 1, refund_amount: 300, fee_total: 88, net_total: 1612 },
      ],
    });

    const csv = await api.call('GET', '/v1/settlements/2026-06-10?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain('settlement-2026-06-10.csv');
    const lines = (csv.body as string).split('\n');
    expect(lines[0]).toBe('time,type,payment_id,refund_id,merchant_order_id,currency,amount,fee,net');
    expect(lines[1]).toBe(`2026-06-10T08:00:00.000Z,payment,${usd.id},,set-usd,USD,2000,88,1912`);
    // One table per file: the totals come with ?table=totals.
    expect(lines.slice(0, -1)).not.toContain('');
    expect(lines.slice(0, -1).every((l) => l.split(',').length === 9)).toBe(true);
    const totals = await api.call('GET', '/v1/settlements/2026-06-10?format=csv&table=totals');
    expect(totals.headers.get('content-disposition')).toContain('settlement-2026-06-10-totals.csv');
    expect((totals.body as string).split('\n')).toContain('USD,1,2000,1,300,88,1612');
    expect((await api.call('GET', '/v1/settlements/2026-06-10?format=csv&table=sums')).body.error).toMatchObject({ param: 'table' });

    const onlyEur = await api.call('GET', '/v1/settlements/2026-06-10?currency=eur');
    expect(onlyEur.body.rows.map((r: { currency: string }) => r.currency)).toEqual(['EUR']);
    expect(onlyEur.body.totals).toHaveLength(1);
    expect((await api.call('GET', '/v1/settlements/2026-06-09')).body).toMatchObject({ rows: [], totals: [] });
  });

  it('merchant fees are configurable (control API) and apply to later captures', async () => {
    const clock = new FakeClock(Date.UTC(2026, 5, 10, 8, 0, 0));
    const api = await sandbox({ clock });
    const set = await api.call('POST', '/_sandbox/merchant', { fees: { percent_bps: 100, fixed: 5 } });
    expect(set.body.fees).toEqual({ percent_bps: 100, fixed: 5 });
    const p = (await api.call('POST', '/v1/payments', paymentBody({ amount: 10_000 }))).body;
    expect(p.fee).toBe(105);
    const report = (await api.call('GET', '/v1/settlements/2026-06-10')).body;
    expect(report.rows[0]).toMatchObject({ fee: 105, net: 9895 });
  });

  it.each(['2026-02-30', '2026-13-01', '20260610', 'today'])('date %j is a 400 on date', async (date) => {
    const api = await sandbox();
    const res = await api.call('GET', `/v1/settlements/${date}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'date' });
  });

  it.each([
    ['format=xml', 'format'],
    ['currency=XYZ', 'currency'],
  ])('?%s is a 400 on %s', async (query, param) => {
    const api = await sandbox();
    const res = await api.call('GET', `/v1/settlements/2026-06-10?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe(param);
  });
});
