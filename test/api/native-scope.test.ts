/**
 * The native API shows native records only: on a sandbox also serving WeChat Pay, the payments, refunds
 * and events of orders placed through WeChat Pay are WeChat Pay's to show, not `/v1`'s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axiosClient, startHarness, type Harness } from '../providers/wechatpay/harness.js';
import { paymentBody, startReceiver, type Receiver } from '../helpers/sandbox.js';

describe('native API lists on a sandbox serving WeChat Pay too', () => {
  let h: Harness;
  let receiver: Receiver;

  beforeAll(async () => {
    h = await startHarness('public-key', { providers: ['paycli', 'wechatpay'] });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  const native = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(h.sandbox.url + path, {
      method,
      headers: { authorization: `Bearer ${h.sandbox.merchant.secret_key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as any;
  };

  it('lists only native payments, refunds and events', async () => {
    // A WeChat Pay order, paid and partly refunded, with its refund settled: payments, refunds, events.
    const wxpay = axiosClient(h, 'public-key');
    const outTradeNo = `WX${Date.now()}`;
    await wxpay.v3.pay.transactions.native.post({
      appid: h.creds.appid,
      mchid: h.creds.mchid,
      description: 'scope test order',
      out_trade_no: outTradeNo,
      notify_url: receiver.url,
      amount: { total: 500, currency: 'CNY' },
    });
    await h.buyer(outTradeNo, 'complete');
    await wxpay.v3.refund.domestic.refunds.post({ out_trade_no: outTradeNo, out_refund_no: `R${outTradeNo}`, amount: { refund: 200, total: 500, currency: 'CNY' } });
    await h.settleRefunds();

    // A native payment, refunded.
    const p = await native('POST', '/v1/payments', paymentBody());
    const r = await native('POST', '/v1/refunds', { payment_id: p.id, amount: 300 });

    // The store holds both providers' records, so the lists below are filtered, not merely empty of them.
    const wx = h.sandbox.store.list<{ id: string; provider?: string }>('payments').find((x) => x.provider === 'wechatpay')!;
    expect(wx?.provider).toBe('wechatpay');
    const wxRefunds = h.sandbox.store.list<{ id: string; payment_id: string }>('refunds').filter((x) => x.payment_id === wx.id);
    expect(wxRefunds).toHaveLength(1);
    const wxEvents = h.sandbox.store.list<{ id: string; data: { object: { id: string; payment_id?: string } } }>('events').filter((e) => e.data.object.id === wx.id || e.data.object.payment_id === wx.id);
    expect(wxEvents.length).toBeGreaterThan(2);

    const payments = await native('GET', '/v1/payments?limit=100');
    expect(payments.data.map((x: { id: string }) => x.id)).toEqual([p.id]);

    const refunds = await native('GET', '/v1/refunds?limit=100');
    expect(refunds.data.map((x: { id: string }) => x.id)).toEqual([r.id]);
    expect((await native('GET', `/v1/refunds?payment_id=${wx.id}`)).data).toEqual([]);

    const events = await native('GET', '/v1/events?limit=100');
    const about = events.data.map((e: { data: { object: { id: string; payment_id?: string } } }) => e.data.object.payment_id ?? e.data.object.id);
    expect(events.data.map((e: { type: string }) => e.type)).toEqual(['refund.succeeded', 'payment.succeeded', 'payment.created']);
    expect(new Set(about)).toEqual(new Set([p.id]));
    expect((await native('GET', `/v1/events?payment_id=${wx.id}`)).data).toEqual([]);
    expect((await native('GET', '/v1/events?limit=100&type=refund.*')).data.map((e: { data: { object: { id: string } } }) => e.data.object.id)).toEqual([r.id]);
  });

  it('a WeChat Pay payment, its refund and its events are unknown ids to the native API, to read or to change', async () => {
    const wx = h.sandbox.store.list<{ id: string; provider?: string }>('payments').find((x) => x.provider === 'wechatpay')!;
    const wxRefund = h.sandbox.store.list<{ id: string; payment_id: string }>('refunds').find((x) => x.payment_id === wx.id)!;
    const wxEvent = h.sandbox.store.list<{ id: string; data: { object: { id: string } } }>('events').find((e) => e.data.object.id === wx.id)!;
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${h.sandbox.url}${url}`, {
        method,
        headers: { authorization: `Bearer ${h.sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, error: ((await res.json()) as { error?: { code: string; param: string } }).error };
    };
    expect(await call('GET', `/v1/payments/${wx.id}`)).toEqual({ status: 404, error: expect.objectContaining({ code: 'resource_missing', param: 'id' }) });
    expect(await call('GET', `/v1/refunds/${wxRefund.id}`)).toEqual({ status: 404, error: expect.objectContaining({ code: 'resource_missing', param: 'id' }) });
    expect(await call('GET', `/v1/events/${wxEvent.id}`)).toEqual({ status: 404, error: expect.objectContaining({ code: 'resource_missing', param: 'id' }) });
    expect(await call('POST', `/v1/payments/${wx.id}/cancel`, {})).toEqual({ status: 404, error: expect.objectContaining({ code: 'resource_missing', param: 'id' }) });
    expect(await call('POST', '/v1/refunds', { payment_id: wx.id, amount: 1 })).toEqual({ status: 404, error: expect.objectContaining({ code: 'resource_missing', param: 'payment_id' }) });
    // Nothing changed: the WeChat payment still has its one refund.
    expect(h.sandbox.store.list<{ id: string; payment_id: string }>('refunds').filter((x) => x.payment_id === wx.id)).toHaveLength(1);
  });

  it('the dashboard still shows a WeChat Pay payment with its refund and events', async () => {
    const wx = h.sandbox.store.list<{ id: string; provider?: string }>('payments').find((x) => x.provider === 'wechatpay')!;
    const res = await fetch(`${h.sandbox.url}/_dashboard/api/payments/${wx.id}`);
    expect(res.status).toBe(200);
    const detail = (await res.json()) as { refunds: { payment_id: string; status: string }[]; events: { type: string }[] };
    expect(detail.refunds).toEqual([expect.objectContaining({ payment_id: wx.id, status: 'succeeded' })]);
    expect(detail.events.map((e) => e.type)).toEqual(expect.arrayContaining(['payment.created', 'payment.succeeded', 'refund.succeeded']));
  });
});
