/**
 * The control API's view of every provider's events (`GET /_sandbox/events`, `/_sandbox/events/{id}`) and
 * of the served providers (`GET /_sandbox/providers`): what `paycli events` and `paycli trigger` read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentBody, startReceiver, startTestSandbox, waitFor, type Api, type Receiver } from '../helpers/sandbox.js';

let api: Api;
let receiver: Receiver;
beforeAll(async () => {
  api = await startTestSandbox();
  receiver = await startReceiver();
});
afterAll(async () => {
  await api.close();
  await receiver.close();
});

describe('control API: events of every provider', () => {
  it('lists native events with their notifications (the event itself), newest first, by payment ref and type', async () => {
    const p = (await api.call('POST', '/v1/payments', paymentBody({ notify_url: receiver.url, merchant_order_id: 'ctl-events-1' }))).body;
    await waitFor(() => receiver.requests.length >= 2);
    const byOrder = await api.call('GET', '/_sandbox/events?payment=ctl-events-1');
    expect(byOrder.status).toBe(200);
    expect(byOrder.body.data.map((e: { type: string }) => e.type)).toEqual(['payment.succeeded', 'payment.created']);
    for (const e of byOrder.body.data) {
      expect(e).toMatchObject({ provider: 'paycli', payment_id: p.id, refund_id: null, merchant_order_id: 'ctl-events-1', amount: 2000, notifications: [{ id: e.id, type: e.type }] });
    }
    const typed = await api.call('GET', `/_sandbox/events?payment=${p.id}&type=payment.succ*`);
    expect(typed.status).toBe(400);
    expect(typed.body.error).toMatchObject({ param: 'type' });
    const wildcard = await api.call('GET', `/_sandbox/events?payment=${p.id}&type=payment.*&provider=paycli&limit=1`);
    expect(wildcard.body).toMatchObject({ has_more: true, data: [{ type: 'payment.succeeded' }] });
    expect((await api.call('GET', `/_sandbox/events?payment=${p.id}&provider=alipay`)).body.data).toEqual([]);

    const one = await api.call('GET', `/_sandbox/events/${byOrder.body.data[0].id}`);
    expect(one.body).toEqual(byOrder.body.data[0]);
  });

  it('answers bad input with a 4xx naming the field, and needs the secret key', async () => {
    expect((await api.call('GET', '/_sandbox/events?limit=500')).body.error).toMatchObject({ code: 'parameter_invalid', param: 'limit' });
    expect((await api.call('GET', '/_sandbox/events?provider=Not%20One')).body.error).toMatchObject({ param: 'provider' });
    expect((await api.call('GET', '/_sandbox/events?colour=red')).body.error).toMatchObject({ param: 'colour' });
    const unknownPayment = await api.call('GET', '/_sandbox/events?payment=nope');
    expect(unknownPayment.status).toBe(404);
    expect(unknownPayment.body.error).toMatchObject({ code: 'resource_missing', param: 'payment' });
    const unknownEvent = await api.call('GET', '/_sandbox/events/evt_nope');
    expect(unknownEvent.status).toBe(404);
    expect(unknownEvent.body.error).toMatchObject({ code: 'resource_missing', param: 'id' });
    expect((await api.call('GET', '/_sandbox/events', undefined, { key: null })).status).toBe(401);
    expect((await api.call('GET', '/_sandbox/providers', undefined, { key: null })).status).toBe(401);
  });

  it('names each served provider with its URL and this merchant’s credentials', async () => {
    const res = await api.call('GET', '/_sandbox/providers');
    expect(res.body).toEqual({ object: 'list', data: [{ name: 'paycli', url: api.sandbox.url, credentials: expect.any(Object) }] });
  });
});
