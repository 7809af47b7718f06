/**
 * Buyer-side Alipay flows with alipay-sdk against the provider's router: app order strings paid in the
 * cashier, a buyer who fails or leaves, a bar code waiting for the password (10003), cancel, bad input.
 */
import { createSign, createVerify } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlipayHarness, type AlipayHarness } from './harness.js';
import { startNotifyReceiver, type NotifyReceiver } from './receiver.js';
import { sdkConfig } from './sdk-flows.js';

const V = { validateSign: true } as const;

describe('Alipay buyer flows', () => {
  let h: AlipayHarness;
  let sdk: AlipaySdk;
  let receiver: NotifyReceiver;
  beforeAll(async () => {
    h = await startAlipayHarness();
    sdk = new AlipaySdk(sdkConfig({ gateway: h.gateway, endpoint: h.url, creds: h.creds, settle: h.settled, close: h.close }, 'pkcs1'));
    receiver = await startNotifyReceiver(sdk);
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  const cashierOf = async (res: Response) => {
    expect(res.status).toBe(303);
    return new URL(res.headers.get('location')!, h.url).pathname;
  };

  it('an app order string from sdkExecute opens in the cashier and is paid; a forged one is refused', async () => {
    const orderString = sdk.sdkExecute('alipay.trade.app.pay', {
      notifyUrl: receiver.url,
      bizContent: { outTradeNo: 'app-1', totalAmount: '9.90', subject: 'app order', productCode: 'QUICK_MSECURITY_PAY' },
    });
    const opened = await fetch(`${h.url}/app-pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ order_string: orderString }).toString(),
      redirect: 'manual',
    });
    const cashier = await cashierOf(opened);
    const pay = await fetch(`${h.url}${cashier}/pay`, { method: 'POST', redirect: 'manual' });
    expect(await pay.text()).toContain('Payment succeeded');
    const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'app-1' } }, V);
    expect(q).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS', totalAmount: '9.90' });
    await h.settled();
    expect(receiver.received.find((r) => r.fields.out_trade_no === 'app-1')).toMatchObject({ v1: true, v2: true });

    const forged = orderString.replace('9.90', '0.01');
    const refused = await fetch(`${h.url}/app-pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ order_string: forged }).toString(),
      redirect: 'manual',
    });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('isv.invalid-signature');
  });

  it('a buyer who fails closes the trade (TRADE_CLOSED notified); one who leaves leaves it waiting', async () => {
    for (const out of ['fail-1', 'leave-1']) {
      await sdk.exec('alipay.trade.create', { notifyUrl: receiver.url, bizContent: { outTradeNo: out, totalAmount: '2.00', subject: out, buyerId: '2088000000000001' } }, V);
    }
    const tradeNo = (out: string) => h.backend.findTrade('mch_1', { out_trade_no: out })!.trade_no;
    const failed = await fetch(`${h.url}/cashier/${tradeNo('fail-1')}/fail`, { method: 'POST' });
    expect(await failed.text()).toContain('The payment failed');
    const left = await fetch(`${h.url}/cashier/${tradeNo('leave-1')}/abandon`, { method: 'POST' });
    expect(await left.text()).toContain('You left the cashier');
    const qf = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'fail-1' } }, V);
    const ql = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'leave-1' } }, V);
    expect([qf.tradeStatus, ql.tradeStatus]).toEqual(['TRADE_CLOSED', 'WAIT_BUYER_PAY']);
    await h.settled();
    expect(receiver.received.filter((r) => r.fields.out_trade_no === 'fail-1').map((r) => r.fields.trade_status)).toEqual(['TRADE_CLOSED']);
    expect(receiver.received.filter((r) => r.fields.out_trade_no === 'leave-1')).toEqual([]);
  });

  it('a bar code needing the password answers 10003; the trade waits until the buyer pays; cancel refunds a paid trade', async () => {
    const waiting = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo: 'pw-1', scene: 'bar_code', authCode: '281234567890123184', totalAmount: '3.00', subject: 'pw' } }, V);
    expect(waiting).toMatchObject({ code: '10003', msg: 'Waiting for buyer to pay', outTradeNo: 'pw-1' });
    expect((await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'pw-1' } }, V)).tradeStatus).toBe('WAIT_BUYER_PAY');
    await fetch(`${h.url}/cashier/${waiting.tradeNo}/pay`, { method: 'POST' });
    expect((await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'pw-1' } }, V)).tradeStatus).toBe('TRADE_SUCCESS');
    const cancel = await sdk.exec('alipay.trade.cancel', { bizContent: { outTradeNo: 'pw-1' } }, V);
    expect(cancel).toMatchObject({ code: '10000', action: 'refund', retryFlag: 'N' });
    const after = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'pw-1' } }, V);
    expect(after.tradeStatus).toBe('TRADE_CLOSED');
  });

  it('refuses bad input with Alipay codes naming the field, signed', async () => {
    const noAmount = await sdk.exec('alipay.trade.precreate', { bizContent: { outTradeNo: 'bad-1', subject: 's' } }, V);
    // Alipay answers a missing business field as an invalid one; the message names it.
    expect(noAmount).toMatchObject({ code: '40004', subCode: 'ACQ.INVALID_PARAMETER' });
    expect(noAmount.subMsg).toContain('total_amount');
    const badAmount = await sdk.exec('alipay.trade.precreate', { bizContent: { outTradeNo: 'bad-2', subject: 's', totalAmount: '1.234' } }, V);
    expect(badAmount).toMatchObject({ code: '40004', subCode: 'ACQ.INVALID_PARAMETER' });
    expect(badAmount.subMsg).toContain('total_amount');
    const unknown = await sdk.exec('alipay.trade.order.settle', { bizContent: {} }, V);
    expect(unknown).toMatchObject({ code: '40002', subCode: 'isv.invalid-method' });
    const risky = await sdk.exec('alipay.trade.precreate', { bizContent: { outTradeNo: 'risk-1', subject: 's', totalAmount: '50000.01' } }, V);
    expect(risky).toMatchObject({ code: '40004', subCode: 'ACQ.PAYMENT_REQUEST_HAS_RISK' });
    const noAuth = await fetch(`${h.url}/v3/alipay/trade/query?out_trade_no=x`);
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ code: 'missing-signature' });
    const badJson = await sdk.curl('POST', '/v3/alipay/trade/precreate', { body: { out_trade_no: 'x' } }).catch((e: unknown) => e);
    expect(badJson).toMatchObject({ code: 'ACQ.INVALID_PARAMETER', responseHttpStatus: 400, message: expect.stringContaining('total_amount') });
  });

  /** A gateway request signed as other Alipay SDKs sign it (sorted `k=v&…` over every param but sign), posted as a form. */
  const rawGateway = async (params: Record<string, string>) => {
    const content = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
    const sign = createSign('RSA-SHA256').update(content, 'utf8').sign(h.creds.app_private_key_pkcs1, 'base64');
    const res = await fetch(`${h.gateway}?method=${encodeURIComponent(params.method ?? '')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: new URLSearchParams({ ...params, sign }).toString(),
    });
    return { status: res.status, text: await res.text() };
  };
  /** The response content, after checking the Alipay signature over its exact bytes. */
  const signedContent = (text: string, key: string) => {
    const m = new RegExp(`^\\{"${key}":(\\{.*\\}),"sign":"([^"]+)"\\}$`).exec(text);
    expect(m, text).not.toBeNull();
    expect(createVerify('RSA-SHA256').update(m![1]!, 'utf8').verify(h.creds.alipay_public_key, m![2]!, 'base64')).toBe(true);
    return JSON.parse(m![1]!) as Record<string, string>;
  };

  it('finds a trade by trade_no when out_trade_no is also given and differs, as Alipay prefers trade_no', async () => {
    const paid = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo: 'both-1', scene: 'bar_code', authCode: '281234567890123456', totalAmount: '4.00', subject: 'both' } }, V);
    expect(paid.code).toBe('10000');
    const q = await sdk.exec('alipay.trade.query', { bizContent: { tradeNo: paid.tradeNo, outTradeNo: 'some-other-order' } }, V);
    expect(q).toMatchObject({ code: '10000', tradeNo: paid.tradeNo, outTradeNo: 'both-1' });
    const r = await sdk.exec('alipay.trade.refund', { bizContent: { tradeNo: paid.tradeNo, outTradeNo: 'some-other-order', refundAmount: '1.00', outRequestNo: 'b1' } }, V);
    expect(r).toMatchObject({ code: '10000', fundChange: 'Y', refundFee: '1.00' });
    const v3 = await sdk.curl('GET', '/v3/alipay/trade/query', { query: { trade_no: paid.tradeNo, out_trade_no: 'some-other-order' } });
    expect(v3.data).toMatchObject({ out_trade_no: 'both-1' });
  });

  it('refuses a gateway request missing a public parameter with 40001 and its sub_code, signed', async () => {
    const base = { app_id: h.creds.app_id, method: 'alipay.trade.query', charset: 'utf-8', sign_type: 'RSA2', timestamp: '2026-11-30 12:00:00', version: '1.0', biz_content: '{"out_trade_no":"x"}' };
    const cases: [string, Record<string, string>, string, string][] = [
      ['sign_type', { ...base, sign_type: '' }, '40001', 'isv.missing-signature-type'],
      ['timestamp', { ...base, timestamp: '' }, '40001', 'isv.missing-timestamp'],
      ['version', { ...base, version: '' }, '40001', 'isv.missing-version'],
      ['timestamp', { ...base, timestamp: '1764460800' }, '40002', 'isv.invalid-timestamp'],
    ];
    for (const [field, params, code, subCode] of cases) {
      const { status, text } = await rawGateway(Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '')));
      expect(status).toBe(200);
      const content = signedContent(text, 'alipay_trade_query_response');
      expect(content).toMatchObject({ code, sub_code: subCode });
      expect(content.sub_msg).toContain(field);
    }
    // The same request with all of them is answered normally.
    expect(signedContent((await rawGateway(base)).text, 'alipay_trade_query_response')).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });
  });

  it('answers a gateway request too large to read with a signed 40002 that exec verifies, never an HTTP error', async () => {
    const big = await sdk.exec('alipay.trade.precreate', { bizContent: { outTradeNo: 'big-1', totalAmount: '1.00', subject: 's', body: 'x'.repeat(1_100_000) } }, V);
    expect(big).toMatchObject({ code: '40002', msg: 'Invalid Arguments', subCode: 'isv.invalid-parameter' });
    const charset = await fetch(`${h.gateway}?method=alipay.trade.query`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=klingon' }, body: 'a=b' });
    expect(charset.status).toBe(200);
    expect(signedContent(await charset.text(), 'alipay_trade_query_response')).toMatchObject({ code: '40002', sub_code: 'isv.invalid-charset' });
  });

  it('answers a body it cannot decode (gzip that is not, an unknown Content-Encoding) in the query-string method\'s signed shape', async () => {
    // As alipay-sdk sends it: the public parameters (method, app_id, sign_type) in the query string, the body aside.
    const query = new URLSearchParams({ method: 'alipay.trade.refund', app_id: h.creds.app_id, sign_type: 'RSA2', charset: 'utf-8' });
    for (const encoding of ['gzip', 'x-nope']) {
      const res = await fetch(`${h.gateway}?${query}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', 'content-encoding': encoding }, body: 'biz_content=%7B%7D' });
      expect(res.status, encoding).toBe(200);
      const text = await res.text();
      expect(text, encoding).not.toContain('error_response');
      expect(signedContent(text, 'alipay_trade_refund_response'), encoding).toMatchObject({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-parameter' });
    }
  });

  it('refuses an app order string whose biz_content is not a JSON object with isv.invalid-biz-content', async () => {
    const params: Record<string, string> = { app_id: h.creds.app_id, method: 'alipay.trade.app.pay', charset: 'utf-8', sign_type: 'RSA2', timestamp: '2026-11-30 12:00:00', version: '1.0', biz_content: 'null' };
    const content = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
    params.sign = createSign('RSA-SHA256').update(content, 'utf8').sign(h.creds.app_private_key_pkcs1, 'base64');
    const res = await fetch(`${h.url}/app-pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order_string: new URLSearchParams(params).toString() }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'isv.invalid-biz-content' });
  });

  it('refuses a notify_url or return_url that is not an http(s) URL, naming the field, before any trade is made', async () => {
    const bar = { scene: 'bar_code', authCode: '281234567890123456', totalAmount: '1.00', subject: 's' };
    const v2 = await sdk.exec('alipay.trade.pay', { notifyUrl: 'not a url', bizContent: { outTradeNo: 'cb-1', ...bar } }, V);
    expect(v2).toMatchObject({ code: '40004', subCode: 'ACQ.INVALID_PARAMETER' });
    expect(v2.subMsg).toContain('notify_url');
    const v3 = await sdk.curl('POST', '/v3/alipay/trade/precreate', { body: { out_trade_no: 'cb-2', total_amount: '1.00', subject: 's', notify_url: 'ftp://127.0.0.1/notify' } }).catch((e: unknown) => e);
    expect(v3).toMatchObject({ code: 'ACQ.INVALID_PARAMETER', responseHttpStatus: 400, message: expect.stringContaining('notify_url') });
    const page = await fetch(sdk.pageExecute('alipay.trade.page.pay', 'GET', { bizContent: { outTradeNo: 'cb-3', totalAmount: '1.00', subject: 's', productCode: 'FAST_INSTANT_TRADE_PAY' }, returnUrl: 'javascript:alert(1)' }), { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('return_url');
    expect(['cb-1', 'cb-2', 'cb-3'].map((o) => h.backend.findTrade('mch_1', { out_trade_no: o }))).toEqual([null, null, null]);
  });
});
