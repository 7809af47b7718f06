/**
 * An injected API fault reaches the WeChat Pay SDKs in WeChat's own error shape: `SYSTEM_ERROR` with a 500 or
 * 503, `FREQUENCY_LIMITED` with a 429 and Retry-After; the next request is answered (and verified) normally.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WxPay, axiosClient, nodeV3Client, startHarness, type Harness } from './harness.js';

let seq = 0;
const outTradeNo = () => `F${Date.now()}${++seq}`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness('public-key');
});
afterAll(() => h.close());

async function arm(rule: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${h.sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.sandbox.merchant.secret_key}` },
    body: JSON.stringify({ provider: 'wechatpay', ...rule }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const order = () => ({
  appid: h.creds.appid,
  mchid: h.creds.mchid,
  description: 'paycli fault test',
  out_trade_no: outTradeNo(),
  notify_url: 'https://shop.example/wechatpay/notify',
  amount: { total: 100, currency: 'CNY' },
});

describe('WeChat Pay API faults through wechatpay-axios-plugin', () => {
  let wxpay: any;
  beforeAll(() => {
    wxpay = axiosClient(h, 'public-key');
  });

  it('500 is SYSTEM_ERROR with a Request-ID; the next order is placed and its signature verified', async () => {
    const rule = await arm({ method: 'POST', path: '/v3/pay/transactions/native', fault: '500', times: 1 });
    const body = order();
    const err = await wxpay.v3.pay.transactions.native.post(body).catch((e: any) => e);
    expect(err.response.status).toBe(500);
    expect(err.response.data).toEqual({ code: 'SYSTEM_ERROR', message: expect.stringContaining(rule) });
    expect(err.response.headers['request-id']).toMatch(/^[0-9A-F]{32}$/);
    // The same order again (as a merchant retries): placed, and the plugin verified the signed answer.
    const placed = await wxpay.v3.pay.transactions.native.post(body);
    expect(placed.status).toBe(200);
    expect(placed.data.code_url).toMatch(/^weixin:\/\//);
  });

  it('429 is FREQUENCY_LIMITED with Retry-After; then the query is answered', async () => {
    const body = order();
    await wxpay.v3.pay.transactions.native.post(body);
    await arm({ method: 'GET', path: '/v3/pay/transactions/out-trade-no/*', fault: '429', retry_after_s: 2, times: 1 });
    const query = () => wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: body.out_trade_no });
    const err = await query().catch((e: any) => e);
    expect(err.response.status).toBe(429);
    expect(err.response.data).toMatchObject({ code: 'FREQUENCY_LIMITED' });
    expect(err.response.headers['retry-after']).toBe('2');
    expect((await query()).data).toMatchObject({ out_trade_no: body.out_trade_no, trade_state: 'NOTPAY' });
  });
});

describe('WeChat Pay API faults through wechatpay-node-v3', () => {
  beforeEach(() => {
    // node-v3 caches platform keys in a static map; the documented workaround registers the public key by its id.
    WxPay.certificates = { [h.creds.public_key_id]: h.creds.public_key };
  });

  it('503 is SYSTEM_ERROR in the error it returns; the next order is placed', async () => {
    const pay = nodeV3Client(h);
    await arm({ method: 'POST', path: '/v3/pay/transactions/native', fault: '503', times: 1 });
    const params = { description: 'node-v3 fault test', out_trade_no: outTradeNo(), notify_url: 'https://shop.example/wechatpay/notify', amount: { total: 300 } };
    const failed = await pay.transactions_native(params);
    expect(failed.status).toBe(503);
    expect(JSON.parse(failed.error)).toMatchObject({ code: 'SYSTEM_ERROR' });
    expect(await pay.transactions_native(params)).toMatchObject({ status: 200, data: { code_url: expect.stringMatching(/^weixin:\/\//) } });
  });
});
