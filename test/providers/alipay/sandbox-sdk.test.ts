/**
 * The "done when" flows: alipay-sdk, unmodified, pointed at a real sandbox only through `gateway` and
 * `endpoint`, in key mode with PKCS#1 and PKCS#8 keys and in certificate mode (contents and files), with
 * notifications delivered by the sandbox's dispatcher and verified by both SDK verifiers.
 */
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/webhooks/delivery.js';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/sandbox.js';
import { waitFor } from '../../helpers/sandbox.js';
import { describeSdkFlows, sdkConfig, type AlipayTarget, type KeyMode } from './sdk-flows.js';

const V = { validateSign: true } as const;

export async function startAlipaySandbox(): Promise<AlipayTarget & { sandboxUrl: string; sandbox: Sandbox }> {
  const s = await startSandbox({ port: 0, inMemory: true, providers: ['alipay'] });
  const p = s.providers.alipay!;
  return {
    gateway: String(p.description.gateway),
    endpoint: p.url,
    sandboxUrl: s.url,
    sandbox: s,
    creds: p.credentials as AlipayCreds,
    // Every notification raised so far has had its first attempt answered.
    settle: () => waitFor(() => s.store.list<Delivery>('deliveries').every((d) => d.attempts.length > 0), 10_000),
    close: () => s.close(),
  };
}

const modes: KeyMode[] = ['pkcs1', 'pkcs8', 'cert-content', 'cert-path'];
for (const mode of modes) describeSdkFlows('sandbox', mode, startAlipaySandbox);

describe('the simulated buyer on a real sandbox', () => {
  let target: Awaited<ReturnType<typeof startAlipaySandbox>>;
  let sdk: AlipaySdk;
  beforeAll(async () => {
    target = await startAlipaySandbox();
    sdk = new AlipaySdk(sdkConfig(target, 'pkcs1'));
  });
  afterAll(() => target.close());

  it('completes a precreated QR order through the control API by out_trade_no (the scan is implied)', async () => {
    const pre = await sdk.exec('alipay.trade.precreate', { bizContent: { outTradeNo: 'ctl-1', totalAmount: '3.00', subject: 'ctl' } }, V);
    expect(pre.code).toBe('10000');
    const done = await fetch(`${target.sandboxUrl}/_sandbox/buyer/ctl-1/complete`, { method: 'POST' });
    expect(done.status).toBe(200);
    const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'ctl-1' } }, V);
    expect(q).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS', buyerUserId: expect.stringMatching(/^2088\d{12}$/) });
  });

  it('a cancel of a QR code nobody scanned cancels the payment, notifies nothing, and the buyer can no longer pay it', async () => {
    const pre = await sdk.exec('alipay.trade.precreate', { notifyUrl: 'http://127.0.0.1:9/notify', bizContent: { outTradeNo: 'ctl-cancel', totalAmount: '3.00', subject: 'ctl' } }, V);
    expect(pre.code).toBe('10000');
    const cancel = await sdk.exec('alipay.trade.cancel', { bizContent: { outTradeNo: 'ctl-cancel' } }, V);
    expect(cancel).toMatchObject({ code: '10000', outTradeNo: 'ctl-cancel', retryFlag: 'N' });
    expect(cancel.action).toBeUndefined();
    const paid = await fetch(`${target.sandboxUrl}/_sandbox/buyer/ctl-cancel/complete`, { method: 'POST' });
    expect(paid.status).toBeGreaterThanOrEqual(400);
    const payment = target.sandbox.store.list<{ id: string; status: string }>('payments').find((p) => JSON.stringify(p).includes('ctl-cancel'));
    expect(payment?.status).toBe('canceled');
    // A QR code Alipay never saw scanned was no trade: closing it is not notified.
    expect(JSON.stringify(target.sandbox.store.list('notifications'))).not.toContain('ctl-cancel');
  });

  it('takes an app order string as JSON and lets the buyer fail it through the control API by trade_no', async () => {
    const orderString = sdk.sdkExecute('alipay.trade.app.pay', { bizContent: { outTradeNo: 'app-ctl', totalAmount: '4.00', subject: 'app' } });
    const opened = await fetch(`${target.endpoint}/app-pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order_string: orderString }) });
    expect(opened.status).toBe(201);
    const trade = (await opened.json()) as { trade_no: string; trade_status: string; cashier_url: string };
    expect(trade).toMatchObject({ trade_status: 'WAIT_BUYER_PAY', cashier_url: expect.stringContaining(`/cashier/${trade.trade_no}`) });
    const failed = await fetch(`${target.sandboxUrl}/_sandbox/buyer/${trade.trade_no}/fail`, { method: 'POST' });
    expect(failed.status).toBe(200);
    expect((await sdk.exec('alipay.trade.query', { bizContent: { tradeNo: trade.trade_no } }, V)).tradeStatus).toBe('TRADE_CLOSED');
    const bad = await fetch(`${target.endpoint}/app-pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order_string: 'method=x' }) });
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([404, 'isv.invalid-method']);
  });

  it('takes the cashier form a merchant page auto-submits from its own origin; the buyer actions stay same-origin', async () => {
    const form = sdk.pageExecute('alipay.trade.page.pay', 'POST', { bizContent: { outTradeNo: 'xsite-1', totalAmount: '2.00', subject: 'x', productCode: 'FAST_INSTANT_TRADE_PAY' } });
    const action = /action="([^"]+)"/.exec(form)![1]!;
    const inputs = [...form.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map(([, k, v]) => [k!, v!.replaceAll('&quot;', '"')] as [string, string]);
    const browser = { origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'cross-site' };
    const entered = await fetch(action, { method: 'POST', redirect: 'manual', headers: { ...browser, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(inputs).toString() });
    expect(entered.status).toBe(303);
    const cashier = entered.headers.get('location')!;
    const forged = await fetch(new URL(`${cashier}/pay`, target.endpoint), { method: 'POST', headers: browser });
    expect(forged.status).toBe(403);
    const own = await fetch(new URL(`${cashier}/pay`, target.endpoint), { method: 'POST', headers: { origin: target.endpoint } });
    expect(own.status).toBe(200);
  });
});
