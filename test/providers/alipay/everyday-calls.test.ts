/**
 * Everyday merchant calls through alipay-sdk (validateSign on, v2 and v3) beyond the main flows: cancel
 * (撤销) when the outcome of a payment is unknown, refusals of a paid trade, amounts of the wrong type, and a
 * refund without out_request_no.
 */
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlipayHarness, type AlipayHarness } from './harness.js';

const V = { validateSign: true } as const;
let seq = 0;
const orderNo = () => `ev-${Date.now()}-${++seq}`;

describe('alipay-sdk everyday calls', () => {
  let h: AlipayHarness;
  let sdk: AlipaySdk;

  beforeAll(async () => {
    h = await startAlipayHarness();
    sdk = new AlipaySdk({ appId: h.creds.app_id, privateKey: h.creds.app_private_key_pkcs1, alipayPublicKey: h.creds.alipay_public_key, gateway: h.gateway, endpoint: h.url });
  });
  afterAll(() => h.close());

  const barCodePay = (out: string, amount = '10.00') =>
    sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo: out, scene: 'bar_code', authCode: '281234567890124242', totalAmount: amount, subject: 'everyday' } }, V);

  it('cancels a paid trade on v3: action refund, the trade is then TRADE_CLOSED with everything refunded', async () => {
    const out = orderNo();
    const paid = await barCodePay(out);
    const cancel = await sdk.curl('POST', '/v3/alipay/trade/cancel', { body: { out_trade_no: out } });
    expect(cancel.data).toEqual({ trade_no: paid.tradeNo, out_trade_no: out, retry_flag: 'N', action: 'refund' });
    const after = await sdk.curl('GET', '/v3/alipay/trade/query', { query: { out_trade_no: out } });
    expect(after.data).toMatchObject({ trade_status: 'TRADE_CLOSED', total_amount: '10.00' });
  });

  it('cancels an out_trade_no Alipay has no trade for: success without action (v2 and v3); an unknown trade_no is ACQ.TRADE_NOT_EXIST', async () => {
    const out = orderNo();
    const v2 = await sdk.exec('alipay.trade.cancel', { bizContent: { outTradeNo: out } }, V);
    expect(v2).toMatchObject({ code: '10000', msg: 'Success', outTradeNo: out, retryFlag: 'N' });
    expect(v2.action).toBeUndefined();
    expect(v2.tradeNo).toBeUndefined();
    const v3 = await sdk.curl('POST', '/v3/alipay/trade/cancel', { body: { out_trade_no: out } });
    expect(v3.data).toEqual({ out_trade_no: out, retry_flag: 'N' });

    const byTradeNo = await sdk.exec('alipay.trade.cancel', { bizContent: { tradeNo: '2026113022001499999999999999' } }, V);
    expect(byTradeNo).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });
    await expect(sdk.curl('POST', '/v3/alipay/trade/cancel', { body: { trade_no: '2026113022001499999999999999' } })).rejects.toMatchObject({
      code: 'ACQ.TRADE_NOT_EXIST',
      responseHttpStatus: 400,
    });
  });

  it('cancels a QR code nobody scanned: no trade to act on, and a later scan cannot pay it', async () => {
    const out = orderNo();
    const pre = await sdk.exec('alipay.trade.precreate', { bizContent: { outTradeNo: out, totalAmount: '8.00', subject: 'qr' } }, V);
    expect(pre.code).toBe('10000');
    const cancel = await sdk.exec('alipay.trade.cancel', { bizContent: { outTradeNo: out } }, V);
    expect(cancel).toMatchObject({ code: '10000', outTradeNo: out, retryFlag: 'N' });
    expect(cancel.action).toBeUndefined();
    const trade = h.backend.findTrade(h.merchant.merchant_id, { out_trade_no: out })!;
    expect(trade.trade_status).toBe('TRADE_CLOSED');
    const paid = await fetch(`${h.url}/cashier/${trade.trade_no}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).not.toBe(200);
    expect(h.backend.findTrade(h.merchant.merchant_id, { out_trade_no: out })!.trade_status).toBe('TRADE_CLOSED');
  });

  it('a paid trade cannot be closed (ACQ.TRADE_STATUS_ERROR) nor paid or precreated again (ACQ.TRADE_HAS_SUCCESS), v2 and v3', async () => {
    const out = orderNo();
    await barCodePay(out);
    expect(await sdk.exec('alipay.trade.close', { bizContent: { outTradeNo: out } }, V)).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_STATUS_ERROR' });
    await expect(sdk.curl('POST', '/v3/alipay/trade/close', { body: { out_trade_no: out } })).rejects.toMatchObject({ code: 'ACQ.TRADE_STATUS_ERROR', responseHttpStatus: 400 });
    expect(await barCodePay(out)).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_HAS_SUCCESS' });
    const precreate = await sdk.exec('alipay.trade.precreate', { bizContent: { outTradeNo: out, totalAmount: '10.00', subject: 'again' } }, V);
    expect(precreate).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_HAS_SUCCESS' });
    await expect(
      sdk.curl('POST', '/v3/alipay/trade/pay', { body: { out_trade_no: out, scene: 'bar_code', auth_code: '281234567890124242', total_amount: '10.00', subject: 'again' } }),
    ).rejects.toMatchObject({ code: 'ACQ.TRADE_HAS_SUCCESS', responseHttpStatus: 400 });
  });

  it('an amount of the wrong type is ACQ.INVALID_PARAMETER naming the field; a JSON number is read as yuan', async () => {
    const asObject = await sdk.exec('alipay.trade.precreate', { bizContent: { outTradeNo: orderNo(), totalAmount: { yuan: 1 }, subject: 's' } }, V);
    expect(asObject).toMatchObject({ code: '40004', subCode: 'ACQ.INVALID_PARAMETER' });
    expect(asObject.subMsg).toContain('total_amount');
    await expect(sdk.curl('POST', '/v3/alipay/trade/precreate', { body: { out_trade_no: orderNo(), total_amount: true, subject: 's' } })).rejects.toMatchObject({
      code: 'ACQ.INVALID_PARAMETER',
      message: expect.stringContaining('total_amount'),
    });
    const out = orderNo();
    await barCodePay(out);
    const refund = await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: out, refundAmount: ['1.00'], outRequestNo: 'r1' } }, V);
    expect(refund).toMatchObject({ code: '40004', subCode: 'ACQ.INVALID_PARAMETER' });
    expect(refund.subMsg).toContain('refund_amount');
    const asNumber = await sdk.exec('alipay.trade.precreate', { bizContent: { outTradeNo: orderNo(), totalAmount: 12.5, subject: 's' } }, V);
    expect(asNumber.code).toBe('10000');
  });

  it('a refund without out_request_no is keyed by the out_trade_no: a repeat is a replay, another amount is discordant', async () => {
    const out = orderNo();
    await barCodePay(out);
    const first = await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: out, refundAmount: '1.00' } }, V);
    expect(first).toMatchObject({ code: '10000', fundChange: 'Y', refundFee: '1.00' });
    const again = await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: out, refundAmount: '1.00' } }, V);
    expect(again).toMatchObject({ code: '10000', fundChange: 'N', refundFee: '1.00' });
    const other = await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: out, refundAmount: '2.00' } }, V);
    expect(other).toMatchObject({ code: '40004', subCode: 'ACQ.DISCORDANT_REPEAT_REQUEST' });
    const q = await sdk.curl('POST', '/v3/alipay/trade/fastpay/refund/query', { body: { out_trade_no: out, out_request_no: out } });
    expect(q.data).toMatchObject({ out_request_no: out, refund_amount: '1.00', refund_status: 'REFUND_SUCCESS' });
  });
});
