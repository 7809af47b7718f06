/**
 * What the WeChat Pay routes and the payer's pages need from the orders behind them: WeChat's view of
 * orders and refunds, and the operations a merchant or a payer performs. Reads are synchronous; writes
 * resolve once they are durable.
 */
import { hash } from 'node:crypto';
import type { TradeType, WechatOrder, WechatRefund } from './wire.js';

export interface WechatpayBook {
  place(tradeType: TradeType, input: PlaceOrderInput): Promise<WechatOrder>;
  /** 付款码: resolves with a paid order, or throws WeChat's synchronous error (the order is recorded either way). */
  codepay(input: Omit<PlaceOrderInput, 'notify_url'> & { auth_code: string }): Promise<WechatOrder>;
  byOutTradeNo(outTradeNo: string, mchid: string): WechatOrder;
  byTransactionId(transactionId: string, mchid: string): WechatOrder;
  /** An order by any reference the payer's side holds (out_trade_no, transaction_id, prepay_id, pay code). */
  resolve(ref: string): WechatOrder | undefined;
  close(outTradeNo: string, mchid: string): Promise<void>;
  /** 撤销 a payment-code order: an unpaid one closes, a paid one is refunded in full; either reads REVOKED. */
  reverse(outTradeNo: string, appid: string, mchid: string): Promise<WechatOrder>;
  pay(order: WechatOrder): Promise<WechatOrder>;
  fail(order: WechatOrder): Promise<WechatOrder>;
  expire(order: WechatOrder): Promise<WechatOrder>;
  refund(input: RefundInput): Promise<WechatRefund>;
  findRefund(outRefundNo: string): WechatRefund;
  allOrders(): WechatOrder[];
  allRefunds(): WechatRefund[];
}

export interface PlaceOrderInput {
  appid: string;
  mchid: string;
  description: string;
  out_trade_no: string;
  notify_url: string;
  amount: { total: number; currency?: 'CNY' | undefined };
  attach?: string | undefined;
  time_expire?: string | undefined;
  payer?: { openid: string } | undefined;
}

export interface RefundInput {
  transaction_id?: string | undefined;
  out_trade_no?: string | undefined;
  out_refund_no: string;
  reason?: string | undefined;
  notify_url?: string | undefined;
  funds_account?: 'AVAILABLE' | 'UNSETTLED' | undefined;
  amount: { refund: number; total: number; currency: 'CNY' };
}

/** An order is payable for two hours unless `time_expire` says otherwise. */
export const DEFAULT_ORDER_TTL_MS = 2 * 3600_000;
export const DEFAULT_REFUND_DELAY_MS = 3000;
/**
 * WeChat's refund API: "requests for multiple refunds for the same order must be separated by 1 minute";
 * a sooner one is `429 FREQUENCY_LIMITED`, measured on the sandbox clock.
 */
export const REFUND_SPACING_MS = 60_000;
/** WeChat reverses payment-code orders placed within the last 7 days; older ones are refunded instead. */
export const REVERSE_WINDOW_MS = 7 * 86_400_000;

/** The content of an order that must match when the same out_trade_no is placed again. */
export function orderFingerprint(tradeType: TradeType, input: PlaceOrderInput): string {
  const { appid, description, amount, attach, payer } = input;
  // One-shot: a Hash object per order showed in profiles.
  return hash('sha256', JSON.stringify([tradeType, appid, description, amount.total, attach ?? null, payer?.openid ?? null]), 'base64url');
}
