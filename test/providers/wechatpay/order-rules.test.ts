/**
 * WeChat Pay's own rules on the sandbox clock, through wechatpay-axios-plugin: an unpaid order stays payable
 * for WeChat's two hours (or until its `time_expire`), not the core's default window, and refunds of one
 * order closer than a minute apart are `429 FREQUENCY_LIMITED`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payment } from '../../../src/engine/types.js';
import { axiosClient, axiosPlugin, merchantCerts, startHarness, type Harness } from './harness.js';

const { Formatter, Rsa } = axiosPlugin;
const MINUTE = 60_000;
let seq = 0;

describe('WeChat Pay order rules (wechatpay-axios-plugin, virtual clock)', () => {
  let h: Harness;
  let wxpay: any;

  beforeAll(async () => {
    h = await startHarness('public-key');
    wxpay = axiosClient(h, 'public-key');
  });
  afterAll(async () => {
    await h.close();
  });

  const order = (extra: Record<string, unknown> = {}) => ({
    appid: h.creds.appid,
    mchid: h.creds.mchid,
    description: 'paycli rules order',
    out_trade_no: `R${Date.now()}${++seq}`,
    notify_url: 'http://127.0.0.1:9/unused',
    amount: { total: 500, currency: 'CNY' },
    ...extra,
  });
  const place = async (extra: Record<string, unknown> = {}) => {
    const body = order(extra);
    await wxpay.v3.pay.transactions.native.post(body);
    return body.out_trade_no;
  };
  const state = async (no: string) => (await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: no })).data.trade_state;
  const payment = (no: string): Payment => h.sandbox.service.findByRef(no);
  /** `time_expire` in China time, `ms` after the sandbox's now. */
  const inChina = (ms: number) => new Date(h.sandbox.clock.now() + ms + 8 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');

  it('an order without time_expire stays payable for two hours, then closes (the domain payment expires with it)', async () => {
    const paidLate = await place();
    const unpaid = await place();
    await h.advance(31 * MINUTE);
    expect(await state(paidLate)).toBe('NOTPAY');
    expect(payment(unpaid).status).toBe('pending');
    // Past the core's default half hour, the payer can still pay.
    await h.buyer(paidLate, 'complete');
    expect(await state(paidLate)).toBe('SUCCESS');

    // Two hours after it was placed (the core keeps deadlines to the second).
    const deadline = payment(unpaid).expires_at! * 1000;
    expect(deadline - payment(unpaid).created * 1000).toBeGreaterThanOrEqual(120 * MINUTE);
    expect(deadline - payment(unpaid).created * 1000).toBeLessThanOrEqual(120 * MINUTE + 1000);
    await h.advance(deadline - h.sandbox.clock.now() - 1000);
    expect(await state(unpaid)).toBe('NOTPAY');
    expect(payment(unpaid).status).toBe('pending');
    await h.advance(1000);
    expect(await state(unpaid)).toBe('CLOSED');
    expect(payment(unpaid)).toMatchObject({ status: 'canceled', cancellation_reason: 'expired' });
    await expect(h.buyer(unpaid, 'complete')).rejects.toThrow(/buyer complete .*: 4\d\d/);
  });

  it('time_expire sets the deadline both ways: later than two hours, or sooner than half an hour', async () => {
    const long = await place({ time_expire: inChina(3 * 60 * MINUTE) });
    const short = await place({ time_expire: inChina(10 * MINUTE) });
    await h.advance(10 * MINUTE);
    expect(await state(short)).toBe('CLOSED');
    expect(payment(short)).toMatchObject({ status: 'canceled', cancellation_reason: 'expired' });
    // Not payable past its time_expire, not even by the simulated buyer through the control API.
    await expect(h.buyer(short, 'complete')).rejects.toThrow(/buyer complete .*: 4\d\d/);
    expect(await state(short)).toBe('CLOSED');

    await h.advance(2 * 60 * MINUTE + MINUTE);
    expect(await state(long)).toBe('NOTPAY');
    await h.buyer(long, 'complete');
    expect(await state(long)).toBe('SUCCESS');
  });

  it('a second refund of the same order within a minute is 429 FREQUENCY_LIMITED; a minute later it is accepted', async () => {
    const no = await place();
    await h.buyer(no, 'complete');
    const refund = (n: number) => ({ out_trade_no: no, out_refund_no: `${no}-${n}`, amount: { refund: 100, total: 500, currency: 'CNY' } });
    expect((await wxpay.v3.refund.domestic.refunds.post(refund(1))).data.status).toBe('PROCESSING');
    await h.advance(MINUTE - 1000);
    const limited = await wxpay.v3.refund.domestic.refunds.post(refund(2)).catch((e: any) => e);
    expect(limited.response?.status).toBe(429);
    expect(limited.response.data).toMatchObject({ code: 'FREQUENCY_LIMITED' });
    // Signed for the merchant like every WeChat answer: the SDK verifies only 2xx, but a merchant may check.
    const hd = limited.response.headers;
    const signed = Formatter.joinedByLineFeed(hd['wechatpay-timestamp'], hd['wechatpay-nonce'], JSON.stringify(limited.response.data));
    expect(Rsa.verify(signed, hd['wechatpay-signature'], Rsa.from(merchantCerts(h.creds, 'public-key')[hd['wechatpay-serial']]!, Rsa.KEY_TYPE_PUBLIC))).toBe(true);
    // The same refund asked for again (same out_refund_no) is the same refund, not a new one.
    expect((await wxpay.v3.refund.domestic.refunds.post(refund(1))).data.out_refund_no).toBe(`${no}-1`);
    // Another order is not held back.
    const other = await place();
    await h.buyer(other, 'complete');
    expect((await wxpay.v3.refund.domestic.refunds.post({ ...refund(9), out_trade_no: other, out_refund_no: `${other}-1` })).status).toBe(200);

    await h.advance(1000);
    expect((await wxpay.v3.refund.domestic.refunds.post(refund(2))).data.status).toBe('PROCESSING');
  });
});
