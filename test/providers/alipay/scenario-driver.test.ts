/**
 * The Alipay scenario driver and the fixed scenario credentials, against a real sandbox serving Alipay on
 * port 0 whose store holds those credentials (as a scenario run puts them there): alipay-sdk, unmodified,
 * accepts them in key and certificate mode; the driver's gateway calls verify there, its answers carry
 * Alipay's signature, and the steps map onto trades, refunds and notifications as documented.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsDoc } from '../../../src/core/credentials.js';
import { RUNNER_HEADER } from '../../../src/faults/fault-middleware.js';
import { certPublicKey, certSn, rootCertSn, type AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { alipayScenarioDriver as driver } from '../../../src/providers/alipay/scenario-driver.js';
import { rsaVerify } from '../../../src/providers/alipay/signing.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/sandbox.js';
import { runMerchant } from '../../../src/scenarios/scenario-sandbox.js';
import { DriverRefusal, type DriverCall, type DriverContext, type DriverPaymentInput } from '../../../src/scenarios/psp-driver.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import type { Delivery } from '../../../src/webhooks/delivery.js';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { sdkConfig, type KeyMode } from './sdk-flows.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const fixed = JSON.parse(readFileSync(path.join(ROOT, 'builtin/credentials/alipay.json'), 'utf8')) as AlipayCreds & { _comment: string };

/** A sandbox whose merchant already has the fixed Alipay credentials, as a scenario run prepares it. */
async function sandboxWithFixedCreds(): Promise<Sandbox> {
  const store = new MemoryStore();
  const merchant = runMerchant({ seed: 'alipay-driver-test' });
  store.put('merchants', merchant);
  const { _comment, ...creds } = fixed;
  store.put<CredentialsDoc>('provider_credentials', { id: `alipay:${merchant.id}`, provider: 'alipay', merchant_id: merchant.id, creds, created: 0 });
  return startSandbox({ port: 0, store, providers: ['paycli', 'alipay'] });
}

describe('the fixed Alipay scenario credentials', () => {
  it('are a consistent set: the PKCS#1 and PKCS#8 keys are one key, certificates carry the public keys and SNs, valid until 2045', () => {
    expect(fixed._comment).toMatch(/Public test credentials/);
    expect(fixed.app_id).toMatch(/^2021\d{12}$/);
    expect(certPublicKey(fixed.app_cert)).toBe(fixed.app_public_key);
    expect(certPublicKey(fixed.alipay_cert)).toBe(fixed.alipay_public_key);
    expect([certSn(fixed.app_cert), certSn(fixed.alipay_cert), rootCertSn(fixed.root_cert)]).toEqual([fixed.app_cert_sn, fixed.alipay_cert_sn, fixed.alipay_root_cert_sn]);
    for (const pem of [fixed.root_cert, fixed.app_cert, fixed.alipay_cert]) {
      const x = new X509Certificate(pem);
      expect(Date.parse(x.validFrom)).toBeLessThanOrEqual(Date.UTC(2026, 0, 1));
      expect(Date.parse(x.validTo)).toBeGreaterThan(Date.UTC(2045, 0, 1));
      if (pem !== fixed.root_cert) expect(x.verify(new X509Certificate(fixed.root_cert).publicKey)).toBe(true);
    }
  });
});

describe('a sandbox holding the fixed credentials', () => {
  let s: Sandbox;
  let receiver: Receiver;
  let ctx: DriverContext;
  let seq = 0;
  const order = () => `drv-${++seq}`;
  const wallet = (over: Partial<DriverPaymentInput> = {}): DriverPaymentInput => ({
    amount: 1500,
    currency: 'cny',
    wallet: 'alipay',
    merchant_order_id: order(),
    notify_url: receiver.url,
    ...over,
  });
  const buyer = async (ref: string, action: 'complete' | 'fail') => {
    const r = await fetch(`${s.url}/_sandbox/buyer/${ref}/${action}`, { method: 'POST' });
    expect(r.status).toBe(200);
  };

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, body: 'success' }));
    s = await sandboxWithFixedCreds();
    ctx = { url: s.providers.alipay!.url, creds: s.providers.alipay!.credentials, runnerHeaders: { [RUNNER_HEADER]: '1' }, now: () => s.clock.now() };
  });
  afterAll(async () => {
    await s?.close();
    await receiver?.close();
  });

  it('serves them as the merchant\'s Alipay app', () => {
    const { _comment, ...creds } = fixed;
    expect(s.providers.alipay!.credentials).toEqual(creds);
  });

  const modes: KeyMode[] = ['pkcs1', 'pkcs8', 'cert-content', 'cert-path'];
  for (const mode of modes) {
    it(`accepts alipay-sdk signed with them in ${mode} mode, and alipay-sdk verifies its answers`, async () => {
      const p = s.providers.alipay!;
      const sdk = new AlipaySdk(sdkConfig({ gateway: `${p.url}/gateway.do`, endpoint: p.url, creds: fixed, settle: async () => {}, close: async () => {} }, mode));
      const id = order();
      const pre = await sdk.exec('alipay.trade.precreate', { bizContent: { outTradeNo: id, totalAmount: '1.00', subject: mode } }, { validateSign: true });
      expect(pre).toMatchObject({ code: '10000', outTradeNo: id });
      await buyer(id, 'complete');
      const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: id } }, { validateSign: true });
      expect(q).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS' });
    });
  }

  /** The answer's signature, checked as alipay-sdk checks it: over the exact bytes of `<method>_response`. */
  function expectSigned(call: DriverCall): void {
    const key = `${call.request.replaceAll('.', '_')}_response`;
    const start = call.text.indexOf(`"${key}":`) + key.length + 3;
    const end = call.text.lastIndexOf(',"sign":');
    const sign = (JSON.parse(call.text) as { sign: string }).sign;
    expect(rsaVerify(call.text.slice(start, end), sign, fixed.alipay_public_key)).toBe(true);
  }

  it('opens a QR trade with precreate, reads it by out_trade_no once the buyer paid, and the notification is TRADE_SUCCESS', async () => {
    const input = wallet();
    const { call, ref } = await driver.createPayment(ctx, input);
    expect([call.request, call.status, ref]).toEqual(['alipay.trade.precreate', 200, input.merchant_order_id]);
    expect(call.json).toMatchObject({ code: '10000', out_trade_no: ref, qr_code: expect.stringContaining('/qr/') });
    expectSigned(call);

    // Not scanned yet: Alipay does not know the trade.
    const unknown = await driver.readPayment(ctx, ref!);
    expect([unknown.status, driver.errorCode(unknown)]).toEqual([400, 'ACQ.TRADE_NOT_EXIST']);

    await buyer(ref!, 'complete');
    const read = await driver.readPayment(ctx, ref!);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ code: '10000', out_trade_no: ref, trade_status: 'TRADE_SUCCESS', total_amount: '15.00', trade_no: expect.stringMatching(/^\d{28}$/) });
    expect(driver.errorCode(read)).toBeNull();
    expectSigned(read);

    await waitFor(() => receiver.requests.some((r) => new URLSearchParams(r.body).get('out_trade_no') === ref));
    const deliveries = s.store.list<Delivery>('deliveries').filter((d) => d.event_type === 'TRADE_SUCCESS');
    expect(deliveries.length).toBeGreaterThan(0);
    for (const d of s.store.list<Delivery>('deliveries')) expect(driver.notificationTypes).toContain(d.event_type);
  });

  it('refunds in parts keyed by out_request_no, reads each refund, refuses an over-refund with ACQ.REFUND_AMT_NOT_EQUAL_TOTAL, and a full refund closes the trade', async () => {
    const { ref } = await driver.createPayment(ctx, wallet({ amount: 2000 }));
    await buyer(ref!, 'complete');
    const part = await driver.refund(ctx, ref!, { amount: 500, refundNo: `${ref}-r1`, reason: 'requested_by_customer' });
    expect([part.call.request, part.call.status, part.ref]).toEqual(['alipay.trade.refund', 200, `${ref}-r1`]);
    expect(part.call.json).toMatchObject({ fund_change: 'Y', refund_fee: '5.00' });
    const readRefund = await driver.readRefund(ctx, ref!, part.ref!);
    expect(readRefund.json).toMatchObject({ code: '10000', out_request_no: `${ref}-r1`, refund_amount: '5.00', refund_status: 'REFUND_SUCCESS' });
    expectSigned(readRefund);

    const over = await driver.refund(ctx, ref!, { amount: 1600, refundNo: `${ref}-r2` });
    expect([over.call.status, driver.errorCode(over.call), over.ref]).toEqual([400, 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', null]);

    const rest = await driver.refund(ctx, ref!, { amount: 1500, refundNo: `${ref}-r3` });
    expect(rest.call.json).toMatchObject({ refund_fee: '20.00' });
    expect((await driver.readPayment(ctx, ref!)).json).toMatchObject({ trade_status: 'TRADE_CLOSED' });
    await expect(driver.refund(ctx, ref!, { refundNo: `${ref}-r4` })).rejects.toThrow(/refund_amount/);
  });

  it("shortens numbers longer than Alipay's 64 characters the same way every time, and uses them as the handles", async () => {
    const long = `a-scenario-with-a-very-long-name-that-the-runner-uses-for-default-numbers-${++seq}`;
    const { call, ref } = await driver.createPayment(ctx, wallet({ merchant_order_id: long }));
    expect([call.status, ref!.length, ref!.startsWith(long.slice(0, 40))]).toEqual([200, 64, true]);
    await buyer(ref!, 'complete');
    const refund = await driver.refund(ctx, ref!, { amount: 100, refundNo: `${long}-refund` });
    expect([refund.call.status, refund.ref!.length]).toEqual([200, 64]);
    expect((await driver.readRefund(ctx, ref!, refund.ref!)).json).toMatchObject({ refund_status: 'REFUND_SUCCESS', out_request_no: refund.ref });
    const again = await driver.refund(ctx, ref!, { amount: 100, refundNo: `${long}-refund` });
    expect([again.ref, (again.call.json as { fund_change: string }).fund_change]).toEqual([refund.ref, 'N']);
  });

  it('cancels with alipay.trade.close: a scanned unpaid trade closes; a paid one is refused', async () => {
    const { call, ref } = await driver.createPayment(ctx, wallet());
    // The buyer scans (the QR code's URL), which makes the trade one Alipay knows.
    const scanned = await fetch((call.json as { qr_code: string }).qr_code);
    expect(scanned.status).toBe(200);
    const closed = await driver.cancel(ctx, ref!);
    expect([closed.request, closed.status]).toEqual(['alipay.trade.close', 200]);
    expect((await driver.readPayment(ctx, ref!)).json).toMatchObject({ trade_status: 'TRADE_CLOSED' });

    const paid = await driver.createPayment(ctx, wallet());
    await buyer(paid.ref!, 'complete');
    const refused = await driver.cancel(ctx, paid.ref!);
    expect([refused.status, driver.errorCode(refused)]).toEqual([400, 'ACQ.TRADE_STATUS_ERROR']);
  });

  it('closes the trade when the buyer fails: TRADE_CLOSED is notified', async () => {
    const { ref } = await driver.createPayment(ctx, wallet());
    await buyer(ref!, 'fail');
    expect((await driver.readPayment(ctx, ref!)).json).toMatchObject({ trade_status: 'TRADE_CLOSED' });
    await waitFor(() => receiver.requests.some((r) => new URLSearchParams(r.body).get('out_trade_no') === ref));
    const notified = receiver.requests.map((r) => new URLSearchParams(r.body)).find((f) => f.get('out_trade_no') === ref)!;
    expect(notified.get('trade_status')).toBe('TRADE_CLOSED');
  });

  it('pays at once with a payment code (auth_code: alipay.trade.pay)', async () => {
    const { call, ref } = await driver.createPayment(ctx, wallet({ wallet: undefined, payment_method: { auth_code: '284210000000000001', scene: 'bar_code' } }));
    expect([call.request, call.status]).toEqual(['alipay.trade.pay', 200]);
    expect((await driver.readPayment(ctx, ref!)).json).toMatchObject({ trade_status: 'TRADE_SUCCESS' });
  });

  it('refuses what Alipay cannot do, saying what to use instead', async () => {
    const refusal = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (e instanceof DriverRefusal ? e.message : `not a refusal: ${String(e)}`));
    expect(await refusal(driver.createPayment(ctx, wallet({ wallet: undefined, card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } })))).toMatch(/no card payments.*wallet: alipay/);
    expect(await refusal(driver.createPayment(ctx, wallet({ wallet: 'wechat_pay' })))).toMatch(/only its own wallet/);
    expect(await refusal(driver.createPayment(ctx, wallet({ currency: 'usd' })))).toMatch(/CNY/);
    expect(await refusal(driver.createPayment(ctx, wallet({ capture_method: 'manual' })))).toMatch(/no manual capture/);
    expect(await refusal(driver.capture(ctx, 'any'))).toMatch(/no separate capture.*buyer/);
  });

  it('reports a request the gateway refuses with its sub_code', async () => {
    const wrong = { ...ctx, creds: { ...ctx.creds, app_private_key_pkcs8: fixed.alipay_private_key } };
    const call = await driver.readPayment(wrong, 'anything');
    expect([call.status, driver.errorCode(call)]).toEqual([401, 'isv.invalid-signature']);
  });

  it("finds the trade in the app's checkout answer by out_trade_no", () => {
    expect(driver.refFromAppAnswer!({ order_id: 'a', out_trade_no: 'a', qr_code: 'x' })).toBe('a');
    expect(driver.refFromAppAnswer!({ outTradeNo: 'b' })).toBe('b');
    expect(driver.refFromAppAnswer!({ order_id: 'c' })).toBeNull();
    expect(driver.refFromAppAnswer!(null)).toBeNull();
  });
});
