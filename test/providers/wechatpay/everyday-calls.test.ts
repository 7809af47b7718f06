/**
 * Everyday merchant calls against the WeChat Pay emulation beyond the main flows, through both SDKs
 * (wechatpay-axios-plugin verifying every answer, wechatpay-node-v3 as merchants use it): what a paid order
 * refuses, refunds and refund queries of what does not exist, and amounts of the wrong type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axiosClient, nodeV3Client, startHarness, type Harness } from './harness.js';

let seq = 0;
const outTradeNo = () => `EV${Date.now()}${++seq}`;

/** The status and WeChat error body of a refused axios-plugin call (it throws on non-2xx). */
async function refused(call: Promise<unknown>): Promise<{ status: number; data: any }> {
  const err = (await call.then(
    () => {
      throw new Error('the call was not refused');
    },
    (e: unknown) => e,
  )) as { response?: { status: number; data: unknown } };
  if (!err.response) throw err;
  return { status: err.response.status, data: err.response.data };
}

describe('WeChat Pay everyday calls', () => {
  let h: Harness;
  let wxpay: any;
  let pay: any;

  beforeAll(async () => {
    h = await startHarness('platform-certificate');
    wxpay = axiosClient(h, 'platform-certificate');
    pay = nodeV3Client(h);
  });
  afterAll(() => h.close());

  const order = (extra: Record<string, unknown> = {}) => ({
    appid: h.creds.appid,
    mchid: h.creds.mchid,
    description: 'everyday order',
    out_trade_no: outTradeNo(),
    notify_url: 'http://127.0.0.1:9/notify',
    amount: { total: 100, currency: 'CNY' },
    ...extra,
  });

  async function paidOrder(): Promise<string> {
    const body = order();
    await wxpay.v3.pay.transactions.native.post(body);
    await h.buyer(body.out_trade_no, 'complete');
    return body.out_trade_no;
  }

  it('a paid order cannot be closed: 400 ORDERPAID (both SDKs), and stays SUCCESS', async () => {
    const no = await paidOrder();
    const viaAxios = await refused(wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$.close.post({ mchid: h.creds.mchid }, { out_trade_no: no }));
    expect(viaAxios).toEqual({ status: 400, data: { code: 'ORDERPAID', message: expect.any(String) } });
    const viaNodeV3 = await pay.close(no);
    expect(viaNodeV3.status).toBe(400);
    expect(JSON.parse(viaNodeV3.error).code).toBe('ORDERPAID');
    const q = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: no });
    expect(q.data.trade_state).toBe('SUCCESS');
  });

  it('an order placed again under a paid out_trade_no is 400 ORDERPAID', async () => {
    const no = await paidOrder();
    const again = await refused(wxpay.v3.pay.transactions.native.post(order({ out_trade_no: no })));
    expect(again).toMatchObject({ status: 400, data: { code: 'ORDERPAID' } });
  });

  it('a closed order reads CLOSED without transaction_id or payer', async () => {
    const body = order();
    await wxpay.v3.pay.transactions.native.post(body);
    const closed = await wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$.close.post({ mchid: h.creds.mchid }, { out_trade_no: body.out_trade_no });
    expect(closed.status).toBe(204);
    const q = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: body.out_trade_no });
    expect(q.data).toMatchObject({ trade_state: 'CLOSED', out_trade_no: body.out_trade_no });
    expect(q.data.transaction_id).toBeUndefined();
    expect(q.data.payer).toBeUndefined();
  });

  it('an unpaid order reads as WeChat answers it: no trade_type, attach or currency until paid, 订单未支付 then 订单已关闭', async () => {
    // WeChat's answer for an unpaid order, as merchants capture it:
    // {"amount":{"payer_currency":"CNY","total":1},"appid":…,"mchid":…,"out_trade_no":…,"promotion_detail":[],…,"trade_state":"NOTPAY","trade_state_desc":"订单未支付"}
    const body = order({ attach: 'cart=7' });
    await wxpay.v3.pay.transactions.native.post(body);
    const query = async () => (await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: body.out_trade_no })).data;
    const unpaid = await query();
    expect(unpaid).toMatchObject({ trade_state: 'NOTPAY', trade_state_desc: '订单未支付', amount: { total: 100, payer_currency: 'CNY' } });
    for (const absent of ['trade_type', 'attach', 'transaction_id', 'payer', 'bank_type', 'success_time']) expect(unpaid).not.toHaveProperty(absent);
    expect(unpaid.amount).not.toHaveProperty('currency');
    expect((await pay.query({ out_trade_no: body.out_trade_no })).data).toEqual(unpaid);

    await wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$.close.post({ mchid: h.creds.mchid }, { out_trade_no: body.out_trade_no });
    const closed = await query();
    expect(closed).toMatchObject({ trade_state: 'CLOSED', trade_state_desc: '订单已关闭' });
    for (const absent of ['trade_type', 'attach', 'transaction_id', 'payer']) expect(closed).not.toHaveProperty(absent);

    // Once paid, the whole transaction: the trade type, the attach and both currencies.
    const paid = order({ attach: 'cart=8' });
    await wxpay.v3.pay.transactions.native.post(paid);
    await h.buyer(paid.out_trade_no, 'complete');
    const success = (await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: paid.out_trade_no })).data;
    expect(success).toMatchObject({ trade_type: 'NATIVE', trade_state: 'SUCCESS', trade_state_desc: '支付成功', attach: 'cart=8', amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' } });
  });

  it('string limits are in UTF-8 bytes, as WeChat counts them: 43 Chinese characters are 129 bytes, over description\'s 127 and attach\'s 128', async () => {
    // WeChat: 输入源“/body/attach”映射到值字段“附加数据”字符串规则校验失败，字节数 203，大于最大值 128
    const cjk = '杯'.repeat(43);
    for (const field of ['description', 'attach'] as const) {
      const bad = await refused(wxpay.v3.pay.transactions.native.post(order({ [field]: cjk })));
      expect(bad).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: `/${field}`, location: 'body', issue: expect.stringMatching(/bytes/) } } });
    }
    // 42 of them (126 bytes) fit both.
    const ok = await wxpay.v3.pay.transactions.native.post(order({ description: '杯'.repeat(42), attach: '杯'.repeat(42) }));
    expect(ok.status).toBe(200);
    const no = await paidOrder();
    const reason = await refused(wxpay.v3.refund.domestic.refunds.post({ out_trade_no: no, out_refund_no: `R${no}`, reason: '退'.repeat(27), amount: { refund: 1, total: 100, currency: 'CNY' } }));
    expect(reason).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: '/reason' } } });
  });

  it('a path parameter over its limit is PARAM_ERROR naming it, as WeChat answers (字节数 35，大于最大值 32), not an unknown order', async () => {
    const long = 'A'.repeat(33);
    const byNo = await refused(wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: long }));
    expect(byNo).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: 'out_trade_no', location: 'path', value: 33 } } });
    const close = await refused(wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$.close.post({ mchid: h.creds.mchid }, { out_trade_no: long }));
    expect(close).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: 'out_trade_no', location: 'path' } } });
    const byId = await refused(wxpay.v3.pay.transactions.id._transaction_id_.get({ params: { mchid: h.creds.mchid }, transaction_id: '4'.repeat(33) }));
    expect(byId).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: 'transaction_id', location: 'path' } } });
    const refund = await refused(wxpay.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: 'R'.repeat(65) }));
    expect(refund).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: 'out_refund_no', location: 'path' } } });
    // Within the limits, an order WeChat does not know is still 404.
    expect(await refused(wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: 'A'.repeat(32) }))).toMatchObject({ status: 404, data: { code: 'ORDER_NOT_EXIST' } });
  });

  it('a refund query of an unknown out_refund_no is 404 RESOURCE_NOT_EXISTS (both SDKs)', async () => {
    const viaAxios = await refused(wxpay.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: 'R-NEVER-MADE-1' }));
    expect(viaAxios).toEqual({ status: 404, data: { code: 'RESOURCE_NOT_EXISTS', message: expect.any(String) } });
    const viaNodeV3 = await pay.find_refunds('R-NEVER-MADE-1');
    expect(viaNodeV3.status).toBe(404);
    expect(JSON.parse(viaNodeV3.error).code).toBe('RESOURCE_NOT_EXISTS');
  });

  it('a refund of an order WeChat does not know is 404 RESOURCE_NOT_EXISTS, by out_trade_no or transaction_id', async () => {
    const amount = { refund: 1, total: 1, currency: 'CNY' };
    const byNo = await refused(wxpay.v3.refund.domestic.refunds.post({ out_trade_no: 'NO-SUCH-ORDER', out_refund_no: 'R-unknown-1', amount }));
    expect(byNo).toMatchObject({ status: 404, data: { code: 'RESOURCE_NOT_EXISTS' } });
    const byId = await refused(wxpay.v3.refund.domestic.refunds.post({ transaction_id: '4200000000202611300000000000', out_refund_no: 'R-unknown-2', amount }));
    expect(byId).toMatchObject({ status: 404, data: { code: 'RESOURCE_NOT_EXISTS' } });
  });

  it('amounts of the wrong type are 400 PARAM_ERROR whose detail names the field by its JSON Pointer', async () => {
    for (const [total, issue] of [['100', /integer/], [1.5, /fraction/], [0, /at least 1/]] as const) {
      const bad = await refused(wxpay.v3.pay.transactions.native.post(order({ amount: { total, currency: 'CNY' } })));
      expect(bad).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: '/amount/total', location: 'body', issue: expect.stringMatching(issue) } } });
    }
    const no = await paidOrder();
    const refund = (amount: Record<string, unknown>) => wxpay.v3.refund.domestic.refunds.post({ out_trade_no: no, out_refund_no: `R${outTradeNo()}`, amount });
    expect(await refused(refund({ refund: '10', total: 100, currency: 'CNY' }))).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: '/amount/refund' } } });
    expect(await refused(refund({ refund: 10, total: 100 }))).toMatchObject({ status: 400, data: { code: 'PARAM_ERROR', detail: { field: '/amount/currency' } } });
    // The right types but a total that is not the order's: the request is well formed, the refund is not.
    expect(await refused(refund({ refund: 10, total: 999, currency: 'CNY' }))).toMatchObject({ status: 400, data: { code: 'INVALID_REQUEST', detail: { field: '/amount/total' } } });
  });
});
