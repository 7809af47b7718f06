/**
 * Buyer-side Alipay flows with alipay-sdk against the provider's router: app order strings paid in the
 * cashier, a buyer who fails or leaves, a bar code waiting for the password (10003), cancel, bad input.
 */
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
    expect(noAmount).toMatchObject({ code: '40004', subCode: 'ACQ.MISSING_PARAMETER' });
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
    expect(badJson).toMatchObject({ code: 'ACQ.MISSING_PARAMETER', responseHttpStatus: 400 });
  });
});
