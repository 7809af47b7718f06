/**
 * The payer's pages: JSAPI and APP take the parameters the merchant signed (as node-v3 builds them) and
 * refuse a wrong paySign; H5 returns to the merchant's redirect_url; Native shows a scannable QR code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { nodeV3Client, startHarness, type Harness } from './harness.js';

let h: Harness;
let receiver: Receiver;
let pay: any;
beforeAll(async () => {
  h = await startHarness('public-key');
  receiver = await startReceiver();
  pay = nodeV3Client(h);
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

let seq = 0;
const params = (extra: Record<string, unknown> = {}) => ({ description: '杯子', out_trade_no: `P${Date.now()}${++seq}`, notify_url: receiver.url, amount: { total: 1999 }, ...extra });
const form = (fields: Record<string, string> = {}) => ({ method: 'POST', redirect: 'manual' as const, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

describe('JSAPI page', () => {
  it('accepts the parameters node-v3 signs, and paying sends TRANSACTION.SUCCESS', async () => {
    const p = params({ payer: { openid: 'oPayer123' } });
    const { data } = await pay.transactions_jsapi(p);
    const qs = new URLSearchParams({ appId: data.appId, timeStamp: data.timeStamp, nonceStr: data.nonceStr, package: data.package, signType: data.signType, paySign: data.paySign });
    const page = await fetch(`${h.url}/pay/jsapi?${qs}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('¥19.99');
    expect(html).toContain(`/pay/${p.out_trade_no}/pay`);
    const seen = receiver.requests.length;
    const paid = await fetch(`${h.url}/pay/${p.out_trade_no}/pay`, form());
    expect(paid.status).toBe(303);
    await h.flush();
    await waitFor(() => receiver.requests.length > seen);
    expect((await pay.query({ out_trade_no: p.out_trade_no })).data).toMatchObject({ trade_state: 'SUCCESS', payer: { openid: 'oPayer123' } });
  });

  it('refuses a wrong paySign, a foreign appId and a package that names no order', async () => {
    const { data } = await pay.transactions_jsapi(params({ payer: { openid: 'oPayer123' } }));
    const base = { appId: data.appId, timeStamp: data.timeStamp, nonceStr: data.nonceStr, package: data.package, signType: data.signType, paySign: data.paySign };
    const badSign = await fetch(`${h.url}/pay/jsapi?${new URLSearchParams({ ...base, nonceStr: 'changed' })}`);
    expect(badSign.status).toBe(400);
    expect(await badSign.text()).toContain('paySign does not verify');
    const foreign = await fetch(`${h.url}/pay/jsapi?${new URLSearchParams({ ...base, appId: 'wx0000000000000000' })}`);
    expect(await foreign.text()).toContain('is not the merchant&#39;s appid');
    const noOrder = await fetch(`${h.url}/pay/jsapi?${new URLSearchParams({ ...base, package: 'prepay_id=wx1' })}`);
    expect(await noOrder.text()).toContain('names no order');
  });
});

describe('APP page', () => {
  it('accepts node-v3 PayReq parameters and refuses a wrong sign', async () => {
    const { data } = await pay.transactions_app(params());
    const ok = await fetch(`${h.url}/pay/app?${new URLSearchParams(data)}`);
    expect(ok.status).toBe(200);
    const bad = await fetch(`${h.url}/pay/app?${new URLSearchParams({ ...data, timestamp: '1700000000' })}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('sign does not verify');
  });
});

describe('H5 and Native pages', () => {
  it('H5: failing leaves the order NOTPAY and returns to redirect_url', async () => {
    const p = params({ scene_info: { payer_client_ip: '127.0.0.1', h5_info: { type: 'Wap' } } });
    const { data } = await pay.transactions_h5(p);
    // As WeChat documents it: h5_url carries a query, and the merchant appends `&redirect_url=`.
    expect(new URL(data.h5_url).search).not.toBe('');
    const page = await fetch(`${data.h5_url}&redirect_url=${encodeURIComponent('https://shop.example/return')}`);
    expect(await page.text()).toContain('name="redirect_url" value="https://shop.example/return"');
    const failed = await fetch(`${h.url}/pay/${p.out_trade_no}/fail`, form({ redirect_url: 'https://shop.example/return' }));
    expect(failed.headers.get('location')).toBe('https://shop.example/return');
    expect((await pay.query({ out_trade_no: p.out_trade_no })).data.trade_state).toBe('NOTPAY');
  });

  it('Native: the pay code of code_url opens a page with a QR code; abandoning closes the order', async () => {
    const p = params();
    const { data } = await pay.transactions_native(p);
    const code = new URL(data.code_url).searchParams.get('pr')!;
    const html = await (await fetch(`${h.url}/pay/${code}`)).text();
    // The QR code is an image the page loads from this port (no inline SVG under a strict CSP).
    const src = /<img src="([^"]+\/qr\.svg)"/.exec(html)?.[1];
    expect(src).toBe(`/pay/${p.out_trade_no}/qr.svg`);
    const qr = await fetch(new URL(src!, h.url));
    expect(qr.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await qr.text()).toContain('<svg');
    expect(html).toContain(data.code_url);
    await fetch(`${h.url}/pay/${code}/expire`, form());
    expect((await pay.query({ out_trade_no: p.out_trade_no })).data.trade_state).toBe('CLOSED');
  });
});
