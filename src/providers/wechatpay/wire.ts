/**
 * WeChat Pay's own records (an order as the merchant placed it, a refund as requested) and their wire
 * shapes: the transaction object of the query API and the notification, and the refund object. Amounts
 * are integers in fen; times are RFC 3339 in China time (`2026-11-30T14:00:00+08:00`), as WeChat sends.
 */
import type { RandomSource } from '../../core/ids.js';

export type TradeType = 'NATIVE' | 'JSAPI' | 'APP' | 'MWEB' | 'MICROPAY';
export type TradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR';
export type RefundStatus = 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';

export const TRADE_STATE_DESC: Record<TradeState, string> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  // The words of WeChat's answers (订单未支付, 订单已关闭), not of the documentation's enumeration.
  NOTPAY: '订单未支付',
  CLOSED: '订单已关闭',
  REVOKED: '已撤销（付款码支付）',
  USERPAYING: '用户支付中（付款码支付）',
  PAYERROR: '支付失败',
};

export interface WechatOrder {
  mchid: string;
  appid: string;
  out_trade_no: string;
  /** Assigned when the order is placed; shown to the merchant once the payer has paid. */
  transaction_id: string;
  trade_type: TradeType;
  trade_state: TradeState;
  trade_state_desc: string;
  description: string;
  attach: string | null;
  notify_url: string;
  total: number;
  currency: string;
  /** JSAPI orders name the payer; others learn the openid when the payer pays. */
  payer_openid: string | null;
  prepay_id: string | null;
  code_url: string | null;
  h5_url: string | null;
  bank_type: string | null;
  created_ms: number;
  success_ms: number | null;
  closed_ms: number | null;
  expires_ms: number;
  /** Sum of successful refunds, and of refunds still processing. */
  refunded: number;
  refund_processing: number;
  /** The order's content, to tell a retried placement from a conflicting one with the same out_trade_no. */
  fingerprint: string;
}

export interface WechatRefund {
  mchid: string;
  refund_id: string;
  out_refund_no: string;
  transaction_id: string;
  out_trade_no: string;
  status: RefundStatus;
  reason: string | null;
  notify_url: string | null;
  refund: number;
  total: number;
  currency: string;
  funds_account: 'AVAILABLE' | 'UNSETTLED';
  created_ms: number;
  success_ms: number | null;
}

const CHINA_OFFSET_MS = 8 * 3600_000;

/** RFC 3339 in China time, WeChat's time format. */
export function chinaTime(ms: number): string {
  // `yyyy-MM-ddTHH:mm:ss.sssZ` (years 0-9999): the seconds, then China's offset.
  return `${new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** The last second stamped: every order placed within a second stamps the same. */
let stamped = { sec: NaN, stamp: '' };

/** `yyyyMMddHHmmss` in China time, as ids embed it. */
export function chinaStamp(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec === stamped.sec) return stamped.stamp;
  const t = new Date(ms + CHINA_OFFSET_MS).toISOString();
  stamped = { sec, stamp: `${t.slice(0, 4)}${t.slice(5, 7)}${t.slice(8, 10)}${t.slice(11, 13)}${t.slice(14, 16)}${t.slice(17, 19)}` };
  return stamped.stamp;
}

/** Parses an RFC 3339 time (`time_expire`); null when it is not one. */
export function parseRfc3339(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/.test(s)) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : null;
}

const ZERO = 0x30;

function digits(random: RandomSource, n: number): string {
  const bytes = random.bytes(n);
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = ZERO + (bytes[i]! % 10);
  return out.toString('latin1');
}

/** Ids in WeChat's formats: 28-digit transaction ids, 29-digit refund ids, `wx…` prepay ids. */
export function wechatIds(random: RandomSource) {
  return {
    transactionId: (nowMs: number) => `42000${digits(random, 5)}${chinaStamp(nowMs).slice(0, 8)}${digits(random, 10)}`,
    refundId: () => `50${digits(random, 27)}`,
    prepayId: (nowMs: number) => `wx${chinaStamp(nowMs)}${random.bytes(11).toString('hex')}`,
    payCode: () => random.bytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 7),
    // 28 characters of [A-Za-z0-9_-], as WeChat's openids (oUpF8uMuAJO_M2pxb1Q9zNjWeS6o).
    openid: () => `o${random.bytes(21).toString('base64url').slice(0, 27)}`,
    notificationId: () => {
      const h = random.bytes(16).toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}

const isPaid = (o: WechatOrder) => o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND';

/**
 * The transaction object of the query API and of `TRANSACTION.SUCCESS`. Until the payer has paid, WeChat
 * answers with less: no transaction_id, payer, bank_type, success_time or attach ("只有支付完成状态才会返回"),
 * `amount` without `currency`, and an order never paid (NOTPAY, CLOSED) without `trade_type` either:
 * `{"amount":{"payer_currency":"CNY","total":1},"appid":…,"mchid":…,"out_trade_no":…,"promotion_detail":[],…,"trade_state":"NOTPAY","trade_state_desc":"订单未支付"}`.
 */
export function toTransaction(o: WechatOrder): Record<string, unknown> {
  if (!isPaid(o)) {
    const neverPaid = o.trade_state === 'NOTPAY' || o.trade_state === 'CLOSED';
    return {
      appid: o.appid,
      mchid: o.mchid,
      out_trade_no: o.out_trade_no,
      ...(neverPaid ? {} : { trade_type: o.trade_type }),
      trade_state: o.trade_state,
      trade_state_desc: o.trade_state_desc,
      amount: { total: o.total, payer_currency: o.currency },
      promotion_detail: [],
    };
  }
  return {
    appid: o.appid,
    mchid: o.mchid,
    out_trade_no: o.out_trade_no,
    transaction_id: o.transaction_id,
    trade_type: o.trade_type,
    trade_state: o.trade_state,
    trade_state_desc: o.trade_state_desc,
    bank_type: o.bank_type ?? 'OTHERS',
    attach: o.attach ?? '',
    ...(o.success_ms !== null ? { success_time: chinaTime(o.success_ms) } : {}),
    payer: { openid: o.payer_openid ?? '' },
    amount: { total: o.total, payer_total: o.total, currency: o.currency, payer_currency: o.currency },
    promotion_detail: [],
  };
}

/** The refund object of the refund APIs. */
export function toRefund(r: WechatRefund): Record<string, unknown> {
  return {
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(r.success_ms !== null ? { success_time: chinaTime(r.success_ms) } : {}),
    create_time: chinaTime(r.created_ms),
    status: r.status,
    funds_account: r.funds_account,
    amount: {
      total: r.total,
      refund: r.refund,
      from: [],
      payer_total: r.total,
      payer_refund: r.refund,
      settlement_refund: r.refund,
      settlement_total: r.total,
      discount_refund: 0,
      currency: r.currency,
      refund_fee: 0,
    },
    promotion_detail: [],
  };
}

/** The decrypted resource of a `REFUND.*` notification. */
export function toRefundResource(r: WechatRefund): Record<string, unknown> {
  return {
    mchid: r.mchid,
    out_trade_no: r.out_trade_no,
    transaction_id: r.transaction_id,
    out_refund_no: r.out_refund_no,
    refund_id: r.refund_id,
    refund_status: r.status,
    ...(r.success_ms !== null ? { success_time: chinaTime(r.success_ms) } : {}),
    user_received_account: '支付用户零钱',
    amount: { total: r.total, refund: r.refund, payer_total: r.total, payer_refund: r.refund },
  };
}
