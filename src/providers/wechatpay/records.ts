/**
 * WeChat Pay's own records beside the domain's: an order (`wechatpay_orders`, keyed by the domain payment's
 * id), its out_trade_no index and refunds (`wechatpay_refunds`), and the views that derive WeChat's states
 * from the domain payment and refunds, so every view of a payment agrees with what the merchant's SDK sees.
 */
import { createHash } from 'node:crypto';
import type { Payment, Refund } from '../../engine/types.js';
import type { CoreReader } from '../contract.js';
import { payErrorDescription } from './auth-codes.js';
import { TRADE_STATE_DESC, type TradeState, type TradeType, type WechatOrder, type WechatRefund } from './wire.js';

export const ORDERS = 'wechatpay_orders';
export const ORDER_NUMBERS = 'wechatpay_order_numbers';
export const REFUNDS = 'wechatpay_refunds';
export const WECHATPAY_COLLECTIONS = [ORDERS, ORDER_NUMBERS, REFUNDS] as const;

/** WeChat's record of an order; `id` is the domain payment's id. */
export interface OrderDoc {
  id: string;
  merchant_id: string;
  mchid: string;
  appid: string;
  out_trade_no: string;
  transaction_id: string;
  trade_type: TradeType;
  description: string;
  attach: string | null;
  notify_url: string;
  payer_openid: string | null;
  prepay_id: string | null;
  code: string;
  created_ms: number;
  expires_ms: number;
  closed_ms: number | null;
  fingerprint: string;
  bank_type: string | null;
  /** The order's domain refunds, so a view reads them without scanning every refund. */
  refund_ids: string[];
  /** When its latest refund was accepted (clock ms), for WeChat's one-minute spacing; absent before any. */
  last_refund_ms?: number;
  /** When the merchant reversed (撤销) this payment-code order (clock ms); absent unless it did. */
  revoked_ms?: number;
}

/** `mchid:out_trade_no` → the payment, so out_trade_no lookups are one read. */
export interface OrderNumberDoc {
  id: string;
  payment_id: string;
}

/** WeChat's record of a refund; `id` is `mchid:out_refund_no`. */
export interface RefundDoc {
  id: string;
  merchant_id: string;
  mchid: string;
  out_refund_no: string;
  refund_id: string;
  domain_refund_id: string;
  payment_id: string;
  notify_url: string | null;
  funds_account: 'AVAILABLE' | 'UNSETTLED';
  created_ms: number;
}

/** WeChat's trade state of an order, derived from the domain payment. */
function tradeState(doc: OrderDoc, p: Payment, nowMs: number): TradeState {
  if (doc.revoked_ms !== undefined) return 'REVOKED';
  if (p.status === 'succeeded') return p.amount_refunded > 0 ? 'REFUND' : 'SUCCESS';
  if (p.status === 'canceled' || doc.closed_ms !== null) return 'CLOSED';
  if (p.status === 'failed') return doc.trade_type === 'MICROPAY' ? 'PAYERROR' : nowMs >= doc.expires_ms ? 'CLOSED' : 'NOTPAY';
  if (nowMs >= doc.expires_ms) return 'CLOSED';
  return doc.trade_type === 'MICROPAY' ? 'USERPAYING' : 'NOTPAY';
}

/** The order's domain refunds. */
export function refundsOf(doc: OrderDoc, read: Pick<CoreReader, 'get'>): Refund[] {
  return (doc.refund_ids ?? []).flatMap((id) => read.get<Refund>('refunds', id) ?? []);
}

/** WeChat's view of an order (what the query API and the notifications show); `mine` are its refunds. */
export function orderView(doc: OrderDoc, p: Payment, mine: readonly Refund[], nowMs: number): WechatOrder {
  const state = tradeState(doc, p, nowMs);
  return {
    mchid: doc.mchid,
    appid: doc.appid,
    out_trade_no: doc.out_trade_no,
    transaction_id: doc.transaction_id,
    trade_type: doc.trade_type,
    trade_state: state,
    trade_state_desc: state === 'PAYERROR' ? payErrorDescription(p.failure_code) : TRADE_STATE_DESC[state],
    description: doc.description,
    attach: doc.attach,
    notify_url: doc.notify_url,
    total: p.amount,
    currency: p.currency,
    // A payer known only once they pay (Native, H5, APP): a stable openid per order.
    payer_openid: doc.payer_openid ?? (p.status === 'succeeded' ? `o${createHash('sha256').update(doc.transaction_id).digest('base64url').slice(0, 27)}` : null),
    prepay_id: doc.prepay_id,
    code_url: doc.trade_type === 'NATIVE' ? `weixin://wxpay/bizpayurl?pr=${doc.code}` : null,
    h5_url: doc.trade_type === 'MWEB' ? doc.code : null,
    bank_type: doc.bank_type,
    created_ms: doc.created_ms,
    success_ms: p.captured_at !== null ? p.captured_at * 1000 : null,
    closed_ms: doc.closed_ms ?? (p.canceled_at !== null ? p.canceled_at * 1000 : null),
    expires_ms: doc.expires_ms,
    refunded: mine.filter((r) => r.status === 'succeeded').reduce((s, r) => s + r.amount, 0),
    refund_processing: mine.filter((r) => r.status === 'pending').reduce((s, r) => s + r.amount, 0),
    fingerprint: doc.fingerprint,
  };
}

export function refundView(doc: RefundDoc, r: Refund, order: OrderDoc, total: number): WechatRefund {
  return {
    mchid: doc.mchid,
    refund_id: doc.refund_id,
    out_refund_no: doc.out_refund_no,
    transaction_id: order.transaction_id,
    out_trade_no: order.out_trade_no,
    status: r.status === 'pending' ? 'PROCESSING' : r.status === 'succeeded' ? 'SUCCESS' : 'ABNORMAL',
    reason: r.reason,
    notify_url: doc.notify_url,
    refund: r.amount,
    total,
    currency: r.currency,
    funds_account: doc.funds_account,
    created_ms: doc.created_ms,
    success_ms: r.status === 'succeeded' ? (r.settles_at ?? r.created) * 1000 : null,
  };
}
