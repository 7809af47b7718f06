/**
 * Every WeChat Pay answer is signed, refusals included: one met before the request's signature could be
 * checked (a body too large to read, an injected fault, a merchant the sandbox does not know) as much as a
 * business error. wechatpay-axios-plugin verifies an answer whenever its `validateStatus` accepts the
 * status, so a merchant who accepts every status to read WeChat's error sees the error, verified, and
 * never a signature failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SigningMode } from '../../../src/providers/wechatpay/credentials.js';
import { axiosClient, axiosPlugin, merchantCerts, startHarness, type Harness } from './harness.js';

const BODY_LIMIT = 4096;
/** What the plugin checks an answer with: any status is read, and so verified. */
const EVERY_STATUS = { validateStatus: () => true };

let seq = 0;
const outTradeNo = () => `SR${Date.now()}${++seq}`;

describe.each<SigningMode>(['public-key', 'platform-certificate'])('WeChat Pay refusals are signed (%s)', (signing) => {
  let h: Harness;
  let wxpay: any;
  beforeAll(async () => {
    h = await startHarness(signing, { bodyLimitBytes: BODY_LIMIT });
    wxpay = axiosClient(h, signing);
  });
  afterAll(() => h.close());

  const order = (over: Record<string, unknown> = {}) => ({
    appid: h.creds.appid,
    mchid: h.creds.mchid,
    description: 'paycli signed refusal',
    out_trade_no: outTradeNo(),
    notify_url: 'https://shop.example/wechatpay/notify',
    amount: { total: 100, currency: 'CNY' },
    ...over,
  });

  it('a body over the size limit: PARAM_ERROR naming the body, verified by the plugin', async () => {
    const res = await wxpay.v3.pay.transactions.native.post(order({ attach: 'x'.repeat(BODY_LIMIT) }), EVERY_STATUS);
    expect(res.status).toBe(400);
    expect(res.data).toMatchObject({ code: 'PARAM_ERROR', detail: { location: 'body' } });
    expect(res.headers['wechatpay-serial']).toBe(Object.keys(merchantCerts(h.creds, signing))[0]);
    // Without a status check of its own the merchant gets the plugin's error carrying WeChat's answer.
    const err = await wxpay.v3.pay.transactions.native.post(order({ attach: 'x'.repeat(BODY_LIMIT) })).catch((e: any) => e);
    expect([err.response?.status, err.response?.data?.code]).toEqual([400, 'PARAM_ERROR']);
  });

  it('an injected 500 and 429: SYSTEM_ERROR and FREQUENCY_LIMITED, verified by the plugin', async () => {
    for (const [fault, status, code] of [['500', 500, 'SYSTEM_ERROR'], ['429', 429, 'FREQUENCY_LIMITED']] as const) {
      const armed = await fetch(`${h.sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.sandbox.merchant.secret_key}` },
        body: JSON.stringify({ provider: 'wechatpay', method: 'POST', path: '/v3/pay/transactions/native', fault, times: 1 }),
      });
      expect(armed.status).toBe(201);
      const res = await wxpay.v3.pay.transactions.native.post(order(), EVERY_STATUS);
      expect([res.status, res.data.code]).toEqual([status, code]);
      expect(res.headers['request-id']).toMatch(/^[0-9A-F]{32}$/);
    }
    // The fault was used up: the next order is placed.
    expect((await wxpay.v3.pay.transactions.native.post(order())).data.code_url).toMatch(/^weixin:\/\//);
  });

  it('a request naming a merchant the sandbox does not have: SIGN_ERROR, verified by the plugin', async () => {
    const stranger = new axiosPlugin.Wechatpay({
      mchid: '1900000000',
      serial: h.creds.merchant_serial,
      privateKey: h.creds.merchant_private_key,
      certs: merchantCerts(h.creds, signing),
      baseURL: `${h.url}/`,
    });
    const res = await stranger.v3.pay.transactions.native.post(order({ mchid: '1900000000' }), EVERY_STATUS);
    expect([res.status, res.data.code]).toEqual([401, 'SIGN_ERROR']);
  });

  it('refusals the sandbox makes before WeChat Pay\'s routes (a foreign Host, a cross-site POST): verified by the plugin', async () => {
    const foreign = await wxpay.v3.pay.transactions.native.post(order(), { ...EVERY_STATUS, headers: { Host: 'evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.data.message).toMatch(/evil\.example/);
    expect(foreign.headers['request-id']).toMatch(/^[0-9A-F]{32}$/);
    const crossSite = await wxpay.v3.pay.transactions.native.post(order(), { ...EVERY_STATUS, headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers['wechatpay-serial']).toBe(Object.keys(merchantCerts(h.creds, signing))[0]);
    // Without a status check of its own the merchant gets the plugin's error carrying the 403, not a signature failure.
    const err = await wxpay.v3.pay.transactions.native.post(order(), { headers: { Host: 'evil.example' } }).catch((e: any) => e);
    expect(err.response?.status).toBe(403);
  });

  it('a request with no Authorization at all: SIGN_ERROR, signed with WeChat Pay\'s key', async () => {
    const res = await fetch(`${h.url}/v3/pay/transactions/out-trade-no/none1234?mchid=${h.creds.mchid}`, { headers: { accept: 'application/json' } });
    const text = await res.text();
    expect([res.status, JSON.parse(text).code]).toEqual([401, 'SIGN_ERROR']);
    const [ts, nonce, serial, signature] = ['wechatpay-timestamp', 'wechatpay-nonce', 'wechatpay-serial', 'wechatpay-signature'].map((k) => res.headers.get(k) ?? '');
    // The serial of the key this signing mode signs with, and the signature verifies with that key.
    expect(serial).toBe(Object.keys(merchantCerts(h.creds, signing))[0]);
    const key = merchantCerts(h.creds, signing)[serial!]!;
    expect(axiosPlugin.Rsa.verify(axiosPlugin.Formatter.joinedByLineFeed(ts, nonce, text), signature!, key)).toBe(true);
  });
});
