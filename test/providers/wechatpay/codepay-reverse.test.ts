/**
 * 撤销 (reverse) of a payment-code order, WeChat's way out of USERPAYING: `POST
 * /v3/pay/transactions/out-trade-no/{out_trade_no}/reverse` with `{appid, mchid}`, answered 200 with
 * `{appid, mchid, out_trade_no}`. An unpaid order is closed, a paid one's money goes back to the payer;
 * either way the order reads REVOKED. Through wechatpay-axios-plugin, which verifies every answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axiosClient, startHarness, type Harness } from './harness.js';

let seq = 0;
const outTradeNo = () => `RV${Date.now()}${++seq}`;

describe('WeChat Pay payment-code reverse (撤销)', () => {
  let h: Harness;
  let wxpay: any;

  beforeAll(async () => {
    h = await startHarness('public-key');
    wxpay = axiosClient(h, 'public-key');
  });
  afterAll(() => h.close());

  const codepay = (authCode: string) => ({
    appid: h.creds.appid, mchid: h.creds.mchid, description: 'counter sale', out_trade_no: outTradeNo(),
    amount: { total: 880, currency: 'CNY' }, payer: { auth_code: authCode }, scene_info: { store_info: { out_id: 'store-1' } },
  });
  const reverse = (no: string, body: Record<string, unknown> = { appid: h.creds.appid, mchid: h.creds.mchid }) =>
    wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$.reverse.post(body, { out_trade_no: no });
  const query = async (no: string) => (await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: no })).data;
  const refused = (call: Promise<unknown>) => call.then(() => { throw new Error('not refused'); }, (e: any) => ({ status: e.response?.status, data: e.response?.data }));

  it('reverses a payer still entering the password: 200 {appid, mchid, out_trade_no}, REVOKED, and the payer can no longer pay', async () => {
    const body = codepay('134567890123453184');
    expect((await wxpay.v3.pay.transactions.codepay.post(body)).status).toBe(202);
    const reversed = await reverse(body.out_trade_no);
    expect(reversed.status).toBe(200);
    expect(reversed.data).toEqual({ appid: h.creds.appid, mchid: h.creds.mchid, out_trade_no: body.out_trade_no });
    expect(await query(body.out_trade_no)).toMatchObject({ trade_state: 'REVOKED', trade_type: 'MICROPAY' });
    const late = await fetch(`${h.sandbox.url}/_sandbox/buyer/${body.out_trade_no}/complete`, { method: 'POST' });
    expect(late.status).toBe(409);
    expect((await query(body.out_trade_no)).trade_state).toBe('REVOKED');
    // Asked again: the same answer, nothing changes.
    expect((await reverse(body.out_trade_no)).data).toEqual(reversed.data);
  });

  it('reverses a paid order: REVOKED, its money refunded to the payer, never a second time', async () => {
    const body = codepay('134567890123454242');
    expect((await wxpay.v3.pay.transactions.codepay.post(body)).data.trade_state).toBe('SUCCESS');
    expect((await reverse(body.out_trade_no)).status).toBe(200);
    expect(await query(body.out_trade_no)).toMatchObject({ trade_state: 'REVOKED' });
    const payment = h.sandbox.store.live<{ merchant_order_id: string; amount_refunded: number; id: string }>('payments').find((p) => p.merchant_order_id === body.out_trade_no)!;
    await h.settleRefunds();
    const settled = h.sandbox.store.live<{ id: string; amount_refunded: number }>('payments').find((p) => p.id === payment.id)!;
    expect(settled.amount_refunded).toBe(880);
    // A revoked order cannot be refunded again.
    const again = await refused(wxpay.v3.refund.domestic.refunds.post({ out_trade_no: body.out_trade_no, out_refund_no: `R${body.out_trade_no}`, amount: { refund: 1, total: 880, currency: 'CNY' } }));
    expect(again).toMatchObject({ status: 400, data: { code: 'INVALID_REQUEST' } });
  });

  it('refuses what cannot be reversed: an unknown order (404), another trade type, a refunded order, another merchant', async () => {
    expect(await refused(reverse('NO-SUCH-ORDER-1'))).toMatchObject({ status: 404, data: { code: 'ORDER_NOT_EXIST' } });
    const native = { appid: h.creds.appid, mchid: h.creds.mchid, description: 'qr', out_trade_no: outTradeNo(), notify_url: 'http://127.0.0.1:9/n', amount: { total: 100 } };
    await wxpay.v3.pay.transactions.native.post(native);
    expect(await refused(reverse(native.out_trade_no))).toMatchObject({ status: 400, data: { code: 'INVALID_REQUEST' } });
    expect((await query(native.out_trade_no)).trade_state).toBe('NOTPAY');

    const paid = codepay('134567890123454242');
    await wxpay.v3.pay.transactions.codepay.post(paid);
    await wxpay.v3.refund.domestic.refunds.post({ out_trade_no: paid.out_trade_no, out_refund_no: `R${paid.out_trade_no}`, amount: { refund: 100, total: 880, currency: 'CNY' } });
    expect(await refused(reverse(paid.out_trade_no))).toMatchObject({ status: 400, data: { code: 'INVALID_REQUEST' } });
    expect((await query(paid.out_trade_no)).trade_state).toBe('REFUND');

    expect(await refused(reverse(paid.out_trade_no, { appid: h.creds.appid }))).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: '/mchid' } } });
    expect(await refused(reverse(paid.out_trade_no, { appid: h.creds.appid, mchid: '1900000109' }))).toMatchObject({ status: 400, data: { code: 'MCH_NOT_EXISTS' } });
  });
});
