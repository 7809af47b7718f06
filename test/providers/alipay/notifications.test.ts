/**
 * Alipay notifications through the sandbox's dispatcher on a virtual clock: only the exact body `success`
 * acknowledges; anything else is retried on Alipay's schedule (4m, 10m, 10m, 1h, 2h, 6h, 15h) with the
 * same notify_id, each attempt re-stamped and verifiable; an unscanned QR code that expires says nothing.
 */
import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import type { FakeClock } from '../../../src/clock.js';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import type { Delivery } from '../../../src/webhooks/delivery.js';
import { closedAfterEach, waitFor } from '../../helpers/sandbox.js';
import { sdkConfig } from './sdk-flows.js';

const use = closedAfterEach();
const V = { validateSign: true } as const;

async function alipaySandbox() {
  const api = await use.sandbox({ virtualClock: true, providers: ['alipay'] });
  const p = api.sandbox.providers.alipay!;
  const creds = p.credentials as AlipayCreds;
  const sdk = new AlipaySdk(sdkConfig({ gateway: String(p.description.gateway), endpoint: p.url, creds, settle: async () => {}, close: async () => {} }, 'pkcs1'));
  return { api, sdk, clock: api.sandbox.clock as FakeClock, deliveries: () => api.sandbox.store.list<Delivery>('deliveries') };
}

describe('Alipay notifications on the dispatcher', () => {
  it('retries until the exact body success, on Alipay schedule, with one notify_id, each attempt verifiable', async () => {
    const { sdk, clock, deliveries } = await alipaySandbox();
    const answers = ['SUCCESS', 'success\n', 'success'];
    const receiver = await use.receiver((_req, i) => ({ status: 200, body: answers[i] ?? 'success' }));
    const paid = await sdk.exec('alipay.trade.pay', { notifyUrl: receiver.url, bizContent: { outTradeNo: 'n-1', scene: 'bar_code', authCode: '281234567890123456', totalAmount: '1.00', subject: 's' } }, V);
    expect(paid.code).toBe('10000');
    // On the virtual clock even the first attempt waits for time to move.
    await clock.advance(0);
    await waitFor(() => receiver.requests.length === 1);
    await clock.advance(4 * 60_000);
    await waitFor(() => receiver.requests.length === 2);
    await clock.advance(10 * 60_000 - 1);
    // A sentinel: nothing more is sent before the 10 minutes are up.
    expect(receiver.requests.length).toBe(2);
    await clock.advance(1);
    await waitFor(() => receiver.requests.length === 3);
    await waitFor(() => deliveries().every((d) => d.status === 'succeeded'));

    const forms = receiver.requests.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    expect(new Set(forms.map((f) => f.notify_id)).size).toBe(1);
    expect(forms.map((f) => f.trade_status)).toEqual(['TRADE_SUCCESS', 'TRADE_SUCCESS', 'TRADE_SUCCESS']);
    expect(receiver.requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    for (const f of forms) expect([sdk.checkNotifySign(f), sdk.checkNotifySignV2(f)]).toEqual([true, true]);
    // Stamped at send time (with the real clock in virtual time, as receivers compare it to theirs).
    for (const f of forms) expect(f.notify_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const [d] = deliveries();
    expect(d!.attempts.map((a) => a.acknowledged)).toEqual([false, false, true]);
    expect(d!.attempts[1]!.at - d!.attempts[0]!.at).toBe(4 * 60_000);
    expect(d!.attempts[2]!.at - d!.attempts[1]!.at).toBe(10 * 60_000);
  });

  it('notifies the refund that repays everything as TRADE_CLOSED with its gmt_close; a partial refund has none', async () => {
    const { sdk, clock } = await alipaySandbox();
    const receiver = await use.receiver(() => ({ status: 200, body: 'success' }));
    const bar = { scene: 'bar_code', authCode: '281234567890123456', totalAmount: '10.00', subject: 's' };
    expect((await sdk.exec('alipay.trade.pay', { notifyUrl: receiver.url, bizContent: { outTradeNo: 'rf-1', ...bar } }, V)).code).toBe('10000');
    expect((await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: 'rf-1', refundAmount: '4.00', outRequestNo: 'rf-1-a' } }, V)).code).toBe('10000');
    expect((await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: 'rf-1', refundAmount: '6.00', outRequestNo: 'rf-1-b' } }, V)).code).toBe('10000');
    await clock.advance(0);
    await waitFor(() => receiver.requests.length === 3);
    const forms = receiver.requests.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    for (const f of forms) expect([sdk.checkNotifySign(f), sdk.checkNotifySignV2(f)]).toEqual([true, true]);
    const byRequest = Object.fromEntries(forms.map((f) => [f.out_biz_no ?? 'paid', f]));
    expect(byRequest['rf-1-a']).toMatchObject({ trade_status: 'TRADE_SUCCESS', refund_fee: '4.00' });
    expect(byRequest['rf-1-a']!.gmt_close).toBeUndefined();
    const closed = byRequest['rf-1-b']!;
    expect(closed).toMatchObject({ trade_status: 'TRADE_CLOSED', refund_fee: '10.00' });
    expect(closed.gmt_close).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(closed.gmt_refund!.startsWith(closed.gmt_close!)).toBe(true);
  });

  it('says nothing when a QR code nobody scanned expires, and TRADE_CLOSED when a scanned one is closed', async () => {
    const { sdk, clock, api } = await alipaySandbox();
    const receiver = await use.receiver(() => ({ status: 200, body: 'success' }));
    await sdk.exec('alipay.trade.precreate', { notifyUrl: receiver.url, bizContent: { outTradeNo: 'qr-x', totalAmount: '1.00', subject: 'never scanned' } }, V);
    await sdk.exec('alipay.trade.create', { notifyUrl: receiver.url, bizContent: { outTradeNo: 'cr-x', totalAmount: '1.00', subject: 'closed', buyerId: '2088000000000002' } }, V);
    await sdk.exec('alipay.trade.close', { bizContent: { outTradeNo: 'cr-x' } }, V);
    await clock.advance(24 * 3600_000);
    // The close's notification is the sentinel: the expired QR code would have been raised before it was sent.
    await waitFor(() => receiver.requests.length >= 1);
    await new Promise((r) => setImmediate(r));
    const forms = receiver.requests.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    expect(forms.map((f) => [f.out_trade_no, f.trade_status])).toEqual([['cr-x', 'TRADE_CLOSED']]);
    expect(api.sandbox.store.list<{ id: string; status: string; merchant_order_id: string }>('payments').find((p) => p.merchant_order_id === 'qr-x')?.status).toBe('canceled');
  });

  it('closes an unpaid trade at its timeout_express or time_expire, not before; refuses one out of range naming the field', async () => {
    const { sdk, clock } = await alipaySandbox();
    const receiver = await use.receiver(() => ({ status: 200, body: 'success' }));
    const create = (outTradeNo: string, extra: Record<string, string>) =>
      sdk.exec('alipay.trade.create', { notifyUrl: receiver.url, bizContent: { outTradeNo, totalAmount: '1.00', subject: 'deadline', buyerId: '2088000000000003', ...extra } }, V);
    // time_expire is China time; the virtual clock starts at the real time.
    const china = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    expect((await create('te-5m', { timeoutExpress: '5m' })).code).toBe('10000');
    expect((await create('te-abs', { timeExpire: china(clock.now() + 7 * 60_000 + 999) })).code).toBe('10000');
    const status = async (out: string) => (await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: out } }, V)).tradeStatus;
    await clock.advance(5 * 60_000 - 1);
    expect([await status('te-5m'), await status('te-abs')]).toEqual(['WAIT_BUYER_PAY', 'WAIT_BUYER_PAY']);
    // The domain keeps deadlines in whole seconds, rounded up.
    await clock.advance(1000);
    expect([await status('te-5m'), await status('te-abs')]).toEqual(['TRADE_CLOSED', 'WAIT_BUYER_PAY']);
    await clock.advance(2 * 60_000);
    expect(await status('te-abs')).toBe('TRADE_CLOSED');
    await waitFor(() => receiver.requests.length === 2);
    const forms = receiver.requests.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    expect(forms.map((f) => [f.out_trade_no, f.trade_status])).toEqual([
      ['te-5m', 'TRADE_CLOSED'],
      ['te-abs', 'TRADE_CLOSED'],
    ]);

    for (const [extra, field] of [
      [{ timeoutExpress: '16d' }, 'timeout_express'],
      [{ timeoutExpress: '1.5h' }, 'timeout_express'],
      [{ timeoutExpress: '0m' }, 'timeout_express'],
      [{ timeExpire: '2020-01-01 00:00:00' }, 'time_expire'],
      [{ timeExpire: '2026-02-30 10:00:00' }, 'time_expire'],
    ] as const) {
      const res = await create(`te-bad-${field}-${Object.values(extra)[0]}`, extra);
      expect(res).toMatchObject({ code: '40004', subCode: 'ACQ.INVALID_PARAMETER' });
      expect(res.subMsg).toContain(field);
    }
  });
});
