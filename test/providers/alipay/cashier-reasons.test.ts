/**
 * The Alipay cashier's failing buyer picks why the payment fails, from the reasons Alipay reports, as on the
 * native buyer page; each reason is the control API's `failure_code` too, so both leave the same payment.
 */
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/sandbox.js';
import { sdkConfig } from './sdk-flows.js';

const V = { validateSign: true } as const;

describe('the Alipay cashier: failure reasons', () => {
  let sandbox: Sandbox;
  let endpoint: string;
  let sdk: AlipaySdk;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['alipay'] });
    const p = sandbox.providers.alipay!;
    endpoint = p.url;
    sdk = new AlipaySdk(sdkConfig({ gateway: String(p.description.gateway), endpoint, creds: p.credentials as AlipayCreds, settle: async () => {}, close: async () => {} }, 'pkcs1'));
  });
  afterAll(() => sandbox.close());

  let seq = 0;
  const open = async () => {
    const outTradeNo = `reason-${++seq}`;
    const created = await sdk.exec('alipay.trade.create', { bizContent: { outTradeNo, totalAmount: '5.00', subject: 'reasons', buyerId: '2088000000000001' } }, V);
    expect(created.code).toBe('10000');
    return { outTradeNo, tradeNo: created.tradeNo as string };
  };
  const failAtCashier = (tradeNo: string, form: Record<string, string>, lang = 'en') =>
    fetch(`${endpoint}/cashier/${tradeNo}/fail?lang=${lang}`, {
      method: 'POST',
      headers: { origin: endpoint, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  it('offers each reason Alipay reports, by its control-API failure_code', async () => {
    const { tradeNo } = await open();
    const page = await (await fetch(`${endpoint}/cashier/${tradeNo}?lang=en`)).text();
    const select = /<select id="failure_code" name="failure_code">([\s\S]*?)<\/select>/.exec(page)?.[1] ?? '';
    const options = [...select.matchAll(/<option value="([a-z_]+)">([^<]+)<\/option>/g)].map((m) => [m[1], m[2]]);
    expect(options).toEqual([
      ['insufficient_funds', 'Balance not enough (ACQ.BUYER_BALANCE_NOT_ENOUGH)'],
      ['card_velocity_exceeded', 'Daily payment limit exceeded (ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR)'],
      ['fraudulent', 'Blocked by risk control (ACQ.PAYMENT_REQUEST_HAS_RISK)'],
      ['card_declined', 'Payment failed (ACQ.PAYMENT_FAIL)'],
    ]);
    const zh = await (await fetch(`${endpoint}/cashier/${tradeNo}?lang=zh-CN`)).text();
    expect(zh).toContain('<option value="card_velocity_exceeded">买家付款日限额超限 (ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR)</option>');
  });

  it('the picked reason closes the trade and fails the payment as the control API does with that failure_code', async () => {
    const atCashier = await open();
    const res = await failAtCashier(atCashier.tradeNo, { failure_code: 'card_velocity_exceeded' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('The payment failed: Daily payment limit exceeded (ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR). The trade is closed.');
    expect((await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: atCashier.outTradeNo } }, V)).tradeStatus).toBe('TRADE_CLOSED');

    const byApi = await open();
    const api = await fetch(`${sandbox.url}/_sandbox/buyer/${byApi.tradeNo}/fail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ failure_code: 'card_velocity_exceeded' }) });
    expect(api.status).toBe(200);
    expect((await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: byApi.outTradeNo } }, V)).tradeStatus).toBe('TRADE_CLOSED');

    const [a, b] = [sandbox.service.findByRef(atCashier.outTradeNo), sandbox.service.findByRef(byApi.outTradeNo)];
    expect(a).toMatchObject({ status: 'failed', failure_code: 'card_velocity_exceeded' });
    expect(b).toMatchObject({ status: 'failed', failure_code: a.failure_code, failure_message: a.failure_message });
  });

  it('no reason is balance not enough; an unknown one is refused, naming failure_code, and changes nothing', async () => {
    const plain = await open();
    const res = await failAtCashier(plain.tradeNo, {}, 'zh-CN');
    expect(await res.text()).toContain('付款失败：余额不足 (ACQ.BUYER_BALANCE_NOT_ENOUGH)。交易已关闭。');
    expect(sandbox.service.findByRef(plain.outTradeNo)).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' });

    const kept = await open();
    const bad = await failAtCashier(kept.tradeNo, { failure_code: 'stolen_card' });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('ACQ.INVALID_PARAMETER');
    expect(html).toContain('failure_code');
    expect((await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: kept.outTradeNo } }, V)).tradeStatus).toBe('WAIT_BUYER_PAY');
  });
});
