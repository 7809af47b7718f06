/**
 * The provider contract suite, driven through Alipay's wire protocol with alipay-sdk itself: trades made
 * with `alipay.trade.create` (a trade queryable while it waits), declines by a bar code ending in 9995,
 * refunds keyed by out_request_no, bad input on v3 (the gateway answers every v2 call with HTTP 200), and
 * notifications verified with `checkNotifySignV2` and acknowledged by the exact body `success`.
 */
import { AlipaySdk } from 'alipay-sdk';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { describeProviderContract, type ContractStatus, type WireDriver } from '../../../src/providers/provider-contract.js';
import type { Sandbox } from '../../../src/sandbox/sandbox.js';
import { contractEnv } from '../contract-env.js';
import { sdkConfig } from './sdk-flows.js';

const V = { validateSign: true } as const;
const sdks = new WeakMap<Sandbox, AlipaySdk>();
function sdkOf(s: Sandbox): AlipaySdk {
  let sdk = sdks.get(s);
  if (!sdk) {
    const p = s.providers.alipay!;
    const target = { gateway: String(p.description.gateway), endpoint: p.url, creds: p.credentials as AlipayCreds, settle: async () => {}, close: async () => {} };
    sdks.set(s, (sdk = new AlipaySdk(sdkConfig(target, 'pkcs8'))));
  }
  return sdk;
}

const yuan = (fen: number) => (fen / 100).toFixed(2);
const fen = (yuanString: string) => Math.round(Number(yuanString) * 100);
const STATUS: Record<string, ContractStatus> = { WAIT_BUYER_PAY: 'waiting', TRADE_SUCCESS: 'succeeded', TRADE_CLOSED: 'failed', TRADE_FINISHED: 'succeeded' };
/** The refunds the driver made, per trade_no: Alipay's query has no refunded total, its refund query has. */
const refundsMade = new Map<string, string[]>();

const alipay: WireDriver = {
  provider: 'alipay',
  async createWaiting(s, o) {
    // Alipay has no Idempotency-Key: repeating a create with the same out_trade_no returns the same trade.
    const res = await sdkOf(s).exec('alipay.trade.create', { notifyUrl: o.notifyUrl, bizContent: { outTradeNo: o.orderNo, totalAmount: yuan(o.amount), subject: 'contract', buyerId: '2088000000000009' } }, V);
    return { status: res.code === '10000' ? 200 : 400, ref: String(res.tradeNo) };
  },
  async createDeclined(s, o) {
    const res = await sdkOf(s).exec('alipay.trade.pay', { notifyUrl: o.notifyUrl, bizContent: { outTradeNo: o.orderNo, totalAmount: yuan(o.amount), subject: 'contract', scene: 'bar_code', authCode: '284712345678909995' } }, V);
    return { status: res.code === '40004' ? 'failed' : 'succeeded', failureCode: res.subCode === 'ACQ.BUYER_BALANCE_NOT_ENOUGH' ? 'insufficient_funds' : (res.subCode ?? null) };
  },
  async query(s, ref) {
    const sdk = sdkOf(s);
    const q = await sdk.exec('alipay.trade.query', { bizContent: { tradeNo: ref } }, V);
    let refunded = 0;
    for (const no of refundsMade.get(ref) ?? []) {
      const r = await sdk.exec('alipay.trade.fastpay.refund.query', { bizContent: { tradeNo: ref, outRequestNo: no } }, V);
      if (r.refundStatus === 'REFUND_SUCCESS') refunded += fen(r.refundAmount);
    }
    return { status: STATUS[q.tradeStatus] ?? 'failed', amount: fen(q.totalAmount), refunded };
  },
  async refund(s, ref, amount) {
    const no = `r${(refundsMade.get(ref)?.length ?? 0) + 1}`;
    const r = await sdkOf(s).exec('alipay.trade.refund', { bizContent: { tradeNo: ref, refundAmount: yuan(amount), outRequestNo: no } }, V);
    if (r.code === '10000') refundsMade.set(ref, [...(refundsMade.get(ref) ?? []), no]);
    return { status: r.code === '10000' && r.fundChange === 'Y' ? 'succeeded' : 'failed' };
  },
  async badCreate(s) {
    const err = await sdkOf(s).curl('POST', '/v3/alipay/trade/create', { body: { out_trade_no: 'bad-1', subject: 's', buyer_id: '2088000000000009' } }).catch((e: { responseHttpStatus?: number; message?: string; code?: string }) => e);
    const e = err as { responseHttpStatus?: number; message?: string; code?: string };
    return { status: e.responseHttpStatus ?? 200, body: `${e.code} ${e.message}`, field: 'total_amount' };
  },
  parse(s, req) {
    const form = Object.fromEntries(new URLSearchParams(req.body));
    const status = form.trade_status;
    const outcome = form.refund_fee ? 'refunded' : status === 'TRADE_SUCCESS' ? 'succeeded' : status === 'TRADE_CLOSED' ? 'failed' : 'other';
    return { outcome, orderNo: form.out_trade_no ?? '', verified: sdkOf(s).checkNotifySignV2(form), id: form.notify_id ?? '' };
  },
  ack: { status: 200, body: 'success' },
};

describeProviderContract('alipay', alipay, contractEnv());
