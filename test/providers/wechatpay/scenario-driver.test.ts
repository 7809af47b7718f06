/**
 * The WeChat Pay scenario driver against a real sandbox serving the native API and WeChat Pay: every call
 * is signed with the merchant key and verified by the emulation (a wrong key is a 401 SIGN_ERROR), orders,
 * closes, refunds and their queries, the notification types the deliveries record, and the steps WeChat
 * Pay has no equivalent for (cards, capture) refused with a reason.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_HEADER } from '../../../src/faults/fault-middleware.js';
import { WECHATPAY_NOTIFICATION_TYPES } from '../../../src/providers/wechatpay/notification-types.js';
import { outRefundNo, wechatpayScenarioDriver as driver } from '../../../src/providers/wechatpay/scenario-driver.js';
import { loadDriver, notificationTypesOf } from '../../../src/scenarios/scenario-drivers.js';
import { DriverRefusal, type DriverContext, type DriverPaymentInput } from '../../../src/scenarios/psp-driver.js';
import type { Delivery } from '../../../src/webhooks/delivery.js';
import { startHarness, type Harness } from './harness.js';

describe('the WeChat Pay scenario driver', () => {
  let h: Harness;
  let receiver: Server;
  let notifyUrl: string;
  let ctx: DriverContext;

  beforeAll(async () => {
    h = await startHarness('public-key', { providers: ['paycli', 'wechatpay'] });
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    }).listen(0, '127.0.0.1');
    await new Promise((r) => receiver.once('listening', r));
    notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/wechatpay/notify`;
    ctx = { url: h.url, creds: h.creds, runnerHeaders: { [RUNNER_HEADER]: '1' }, now: () => h.sandbox.clock.now() };
  });
  afterAll(async () => {
    await h?.close();
    await new Promise((r) => receiver?.close(r));
  });

  const order = (no: string, extra: Partial<DriverPaymentInput> = {}): DriverPaymentInput => ({
    amount: 1000,
    currency: 'cny',
    wallet: 'wechat_pay',
    merchant_order_id: no,
    notify_url: notifyUrl,
    ...extra,
  });
  const deliveryIds = () => new Set(h.sandbox.store.live<Delivery>('deliveries').map((d) => d.id));
  const deliveriesSince = (before: Set<string>) => h.sandbox.store.live<Delivery>('deliveries').filter((d) => !before.has(d.id));

  it('places a Native order (ref = out_trade_no), reads it NOTPAY, then SUCCESS once the payer pays, with TRANSACTION.SUCCESS', async () => {
    const { call, ref } = await driver.createPayment(ctx, order('drv-paid-1', { description: '杯子', metadata: { cart: 'c1' } }));
    expect(call).toMatchObject({ request: 'POST /v3/pay/transactions/native', status: 200, json: { code_url: expect.stringMatching(/^weixin:\/\/wxpay\/bizpayurl\?pr=/) } });
    expect(ref).toBe('drv-paid-1');
    const unpaid = await driver.readPayment(ctx, 'drv-paid-1');
    expect(unpaid).toMatchObject({ request: 'GET /v3/pay/transactions/out-trade-no/drv-paid-1', status: 200, json: { trade_state: 'NOTPAY', amount: { total: 1000 } } });
    // As at WeChat, attach is returned once the order is paid.
    expect(unpaid.json).not.toHaveProperty('attach');

    await h.buyer('drv-paid-1', 'complete');
    const paid = await driver.readPayment(ctx, 'drv-paid-1');
    expect(paid.json).toMatchObject({ out_trade_no: 'drv-paid-1', trade_state: 'SUCCESS', attach: '{"cart":"c1"}', amount: { total: 1000, payer_total: 1000 }, transaction_id: expect.stringMatching(/^\d{28}$/) });
    const types = h.sandbox.store.live<Delivery>('deliveries').map((d) => d.event_type);
    expect(types).toContain('TRANSACTION.SUCCESS');
    expect(types.every((t) => (WECHATPAY_NOTIFICATION_TYPES as readonly string[]).includes(t))).toBe(true);
    expect(driver.notificationTypes).toEqual(['TRANSACTION.SUCCESS', 'REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED']);
    // What scenario files are validated against, without loading the driver.
    expect(notificationTypesOf('wechatpay')).toEqual(driver.notificationTypes);
    expect(await loadDriver('wechatpay')).toBe(driver);
  });

  it('refunds part, then the refund settles with REFUND.SUCCESS; an over-refund is INVALID_REQUEST and changes nothing', async () => {
    await driver.createPayment(ctx, order('drv-refund-1', { amount: 10000 }));
    await h.buyer('drv-refund-1', 'complete');

    const before = deliveryIds();
    const first = await driver.refund(ctx, 'drv-refund-1', { amount: 3000, refundNo: 'drv-refund-1-r1', reason: '退货' });
    expect(first.ref).toBe('drv-refund-1-r1');
    expect(first.call).toMatchObject({ request: 'POST /v3/refund/domestic/refunds', status: 200, json: { out_refund_no: 'drv-refund-1-r1', status: 'PROCESSING', amount: { refund: 3000, total: 10000 } } });
    expect(driver.errorCode(first.call)).toBeNull();
    expect((await driver.readRefund(ctx, 'drv-refund-1', 'drv-refund-1-r1')).json).toMatchObject({ status: 'PROCESSING' });
    await h.settleRefunds();
    const settled = await driver.readRefund(ctx, 'drv-refund-1', 'drv-refund-1-r1');
    expect(settled).toMatchObject({ request: 'GET /v3/refund/domestic/refunds/drv-refund-1-r1', status: 200, json: { status: 'SUCCESS', amount: { refund: 3000 } } });
    expect(deliveriesSince(before).map((d) => [d.event_type, d.status])).toEqual([['REFUND.SUCCESS', 'succeeded']]);
    expect((await driver.readPayment(ctx, 'drv-refund-1')).json).toMatchObject({ trade_state: 'REFUND' });

    const over = await driver.refund(ctx, 'drv-refund-1', { amount: 7001, refundNo: 'drv-refund-1-r2' });
    expect(over.ref).toBeNull();
    expect(over.call.status).toBe(400);
    expect(driver.errorCode(over.call)).toBe('INVALID_REQUEST');
    expect((await driver.readRefund(ctx, 'drv-refund-1', 'drv-refund-1-r2')).status).toBe(404);

    // WeChat Pay wants a minute between refunds of one order (FREQUENCY_LIMITED otherwise).
    await h.advance(60_000);
    const rest = await driver.refund(ctx, 'drv-refund-1', { amount: 7000, refundNo: 'drv-refund-1-r3' });
    expect(rest.call.json).toMatchObject({ amount: { refund: 7000 } });
  });

  it('makes the runner\'s refund number a valid out_refund_no (1-64 of WeChat\'s characters), distinct for distinct numbers', async () => {
    expect(outRefundNo('wechatpay-partial-then-full-refund-2')).toBe('wechatpay-partial-then-full-refund-2');
    const long = `${'wechatpay-conformance-notifications-verified-decrypted-and-acknowledged-within-5-s'}-2`;
    expect(outRefundNo(long)).toMatch(/^[0-9A-Za-z_\-*|@]{64}$/);
    expect(outRefundNo(long)).not.toBe(outRefundNo(long.replace(/-2$/, '-3')));
    expect(outRefundNo('退款 1')).toMatch(/^[0-9A-Za-z_\-*|@]{1,64}$/);

    await driver.createPayment(ctx, order('drv-longno-1'));
    await h.buyer('drv-longno-1', 'complete');
    const { call, ref } = await driver.refund(ctx, 'drv-longno-1', { amount: 100, refundNo: long });
    expect(call.status).toBe(200);
    expect(ref).toBe(outRefundNo(long));
    expect((await driver.readRefund(ctx, 'drv-longno-1', ref!)).json).toMatchObject({ out_refund_no: ref, amount: { refund: 100 } });
  });

  it('refunds the whole order when no amount is given; refunding an unknown order answers its query error', async () => {
    await driver.createPayment(ctx, order('drv-full-1', { amount: 2500 }));
    await h.buyer('drv-full-1', 'complete');
    const full = await driver.refund(ctx, 'drv-full-1', { refundNo: 'drv-full-1-r1' });
    expect(full.call.json).toMatchObject({ amount: { refund: 2500, total: 2500 } });

    const unknown = await driver.refund(ctx, 'drv-nobody-1', { refundNo: 'drv-nobody-1-r1' });
    expect(unknown.ref).toBeNull();
    expect(unknown.call.status).toBe(404);
    expect(driver.errorCode(unknown.call)).toBe('ORDER_NOT_EXIST');
  });

  it('cancels by closing the order (204, then CLOSED); a paid order cannot be closed (ORDERPAID)', async () => {
    await driver.createPayment(ctx, order('drv-close-1'));
    const closed = await driver.cancel(ctx, 'drv-close-1', 'abandoned');
    expect(closed).toMatchObject({ request: 'POST /v3/pay/transactions/out-trade-no/drv-close-1/close', status: 204, text: '' });
    expect((await driver.readPayment(ctx, 'drv-close-1')).json).toMatchObject({ trade_state: 'CLOSED' });

    await driver.createPayment(ctx, order('drv-close-2'));
    await h.buyer('drv-close-2', 'complete');
    const refused = await driver.cancel(ctx, 'drv-close-2');
    expect(refused.status).toBe(400);
    expect(driver.errorCode(refused)).toBe('ORDERPAID');
  });

  it('refuses what WeChat Pay has no equivalent for, saying why', async () => {
    const card = { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' };
    await expect(driver.createPayment(ctx, order('drv-card-1', { wallet: undefined, card }))).rejects.toThrow(DriverRefusal);
    await expect(driver.createPayment(ctx, order('drv-card-1', { wallet: undefined, card }))).rejects.toThrow(/no cards.*wallet: wechat_pay/);
    await expect(driver.createPayment(ctx, order('drv-ali-1', { wallet: 'alipay' }))).rejects.toThrow(/not alipay/);
    await expect(driver.createPayment(ctx, order('drv-manual-1', { capture_method: 'manual' }))).rejects.toThrow(/no separate capture/);
    await expect(driver.createPayment(ctx, order('drv-nonotify-1', { notify_url: null }))).rejects.toThrow(/requires a notify_url/);
    await expect(driver.capture(ctx, 'drv-paid-1', 100)).rejects.toThrow(/no separate capture/);
    // Nothing was placed.
    expect((await driver.readPayment(ctx, 'drv-card-1')).status).toBe(404);
  });

  it('passes WeChat Pay\'s own answer through: a bad order is PARAM_ERROR naming the field', async () => {
    const { call, ref } = await driver.createPayment(ctx, order('bad', { currency: 'usd' }));
    expect(ref).toBeNull();
    expect(call.status).toBe(400);
    expect(driver.errorCode(call)).toBe('PARAM_ERROR');
    expect(call.json).toMatchObject({ detail: { field: '/out_trade_no', location: 'body' } });
  });

  it('signs with the merchant key: another key is refused (401 SIGN_ERROR), and API faults skip the runner', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const forged = { ...ctx, creds: { ...h.creds, merchant_private_key: other.privateKey } };
    const refused = await driver.readPayment(forged, 'drv-paid-1');
    expect(refused.status).toBe(401);
    expect(driver.errorCode(refused)).toBe('SIGN_ERROR');

    const armed = await fetch(`${h.sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'wechatpay', path: '/v3/pay/transactions/*', fault: '503', times: 1 }),
    });
    expect(armed.status).toBe(201);
    expect((await driver.readPayment(ctx, 'drv-paid-1')).status).toBe(200);
    // The rule is still armed for the app: a call without the runner's header takes it.
    expect((await driver.readPayment({ ...ctx, runnerHeaders: {} }, 'drv-paid-1')).status).toBe(503);
  });

  it('tells the app\'s checkout a WeChat Pay wallet payment, and refuses a card or another wallet there too', () => {
    expect(driver.appPaymentMethod!({ wallet: 'wechat_pay' })).toEqual({ type: 'wallet', wallet: 'wechat_pay' });
    expect(driver.appPaymentMethod!({})).toEqual({ type: 'wallet', wallet: 'wechat_pay' });
    expect(() => driver.appPaymentMethod!({ card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } })).toThrow(DriverRefusal);
    expect(() => driver.appPaymentMethod!({ wallet: 'alipay' })).toThrow(/not alipay/);
  });

  it('finds the order in the app\'s answer by out_trade_no', () => {
    expect(driver.refFromAppAnswer!({ order_id: 'o-1', out_trade_no: 'o-1', code_url: 'weixin://…' })).toBe('o-1');
    expect(driver.refFromAppAnswer!({ order_id: 'o-1' })).toBeNull();
    expect(driver.refFromAppAnswer!(null)).toBeNull();
  });
});
