/**
 * Alipay trade transitions as pure functions over the trade document, and the payment-code (付款码) rule:
 * an `auth_code` of 16–24 digits starting with 25–30 pays, unless its last four digits are those of a
 * declining test card, which give Alipay's decline for that case.
 */
import { TEST_CARDS } from '../../engine/cards.js';
import { chinaTime } from './format.js';
import type { SubCode } from './codes.js';
import type { AlipayTrade } from './model.js';

/** Alipay trade numbers: date, channel digits, then a sequence: 28 digits. */
export function newTradeNo(nowMs: number, digits: (n: number) => string): string {
  return `${chinaTime(nowMs).slice(0, 10).replaceAll('-', '')}22001${digits(15)}`;
}

/** A buyer's Alipay user id (2088…). */
export function newBuyerId(digits: (n: number) => string): string {
  return `2088${digits(12)}`;
}

export function markScanned(trade: AlipayTrade, buyerId: string, buyerLogonId: string): AlipayTrade {
  return { ...trade, scanned: true, buyer_id: trade.buyer_id ?? buyerId, buyer_logon_id: trade.buyer_logon_id ?? buyerLogonId };
}

export function markPaid(trade: AlipayTrade, nowMs: number, buyerId: string, buyerLogonId: string): AlipayTrade {
  return { ...markScanned(trade, buyerId, buyerLogonId), trade_status: 'TRADE_SUCCESS', gmt_payment: nowMs };
}

export function markClosed(trade: AlipayTrade, nowMs: number, failureSubCode: string | null = null): AlipayTrade {
  return { ...trade, trade_status: 'TRADE_CLOSED', gmt_close: nowMs, failure_sub_code: failureSubCode ?? trade.failure_sub_code };
}

/** A refund adds to the cumulative refund_fee; refunding everything closes the trade. */
export function markRefunded(trade: AlipayTrade, amount: number, nowMs: number): AlipayTrade {
  const refundFee = trade.refund_fee + amount;
  const full = refundFee >= trade.total_amount;
  return { ...trade, refund_fee: refundFee, ...(full ? { trade_status: 'TRADE_CLOSED' as const, gmt_close: nowMs } : {}) };
}

export type PaymentCodeOutcome =
  | { kind: 'success' }
  /** The buyer must confirm with a password: code 10003, the trade waits. */
  | { kind: 'waiting' }
  | { kind: 'declined'; sub_code: SubCode; sub_msg: string }
  /** Pays; every refund of the trade then fails. */
  | { kind: 'refunds_fail' };

export const PAYMENT_CODE_PATTERN = /^(2[5-9]|30)\d{14,22}$/;

/** Test-card failure codes as the Alipay decline a buyer's payment code gets. */
const DECLINE_SUB_CODE: Record<string, { sub_code: SubCode; sub_msg: string }> = {
  card_declined: { sub_code: 'ACQ.PAYMENT_FAIL', sub_msg: '支付失败 (payment failed)' },
  insufficient_funds: { sub_code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', sub_msg: '买家余额不足 (buyer balance not enough)' },
  lost_card: { sub_code: 'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH', sub_msg: '用户银行卡余额不足 (bank card balance not enough)' },
  stolen_card: { sub_code: 'ACQ.ERROR_BALANCE_PAYMENT_DISABLE', sub_msg: '余额支付功能关闭 (balance payment disabled)' },
  expired_card: { sub_code: 'ACQ.PAYMENT_AUTH_CODE_INVALID', sub_msg: '付款码无效 (payment code expired)' },
  incorrect_cvc: { sub_code: 'ACQ.PAYMENT_AUTH_CODE_INVALID', sub_msg: '付款码无效 (payment code invalid)' },
  processing_error: { sub_code: 'ACQ.PAYMENT_FAIL', sub_msg: '支付失败 (processing error)' },
  card_velocity_exceeded: { sub_code: 'ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR', sub_msg: '买家付款日限额超限 (daily limit exceeded)' },
  fraudulent: { sub_code: 'ACQ.PAYMENT_REQUEST_HAS_RISK', sub_msg: '支付有风险 (blocked by risk control)' },
};

/** The risk-control decline (merchant's amount limit, the fraudulent test code). */
export const RISK_DECLINE = DECLINE_SUB_CODE.fraudulent!;

/** The outcome of a payment code, from its last four digits. Call only with a code matching the pattern. */
export function paymentCodeOutcome(authCode: string): PaymentCodeOutcome {
  const last4 = authCode.slice(-4);
  const card = TEST_CARDS.find((c) => c.number.endsWith(last4) && c.behaviour.kind !== 'success');
  if (!card) return { kind: 'success' };
  const b = card.behaviour;
  if (b.kind === 'authentication_required') return { kind: 'waiting' };
  if (b.kind === 'refund_fails') return { kind: 'refunds_fail' };
  if (b.kind === 'decline' || b.kind === 'risk_block') {
    const mapped = DECLINE_SUB_CODE[b.failure_code] ?? DECLINE_SUB_CODE.card_declined!;
    return { kind: 'declined', ...mapped };
  }
  return { kind: 'success' };
}

/** The payment-code table for the README: last four digits → outcome. */
export function paymentCodeTable(): { last4: string; outcome: string }[] {
  return TEST_CARDS.filter((c) => c.behaviour.kind !== 'success').map((c) => {
    const o = paymentCodeOutcome(`28${'0'.repeat(12)}${c.number.slice(-4)}`);
    const outcome =
      o.kind === 'declined' ? `40004 ${o.sub_code}` : o.kind === 'waiting' ? '10003 waiting for the buyer (complete or fail it as the buyer)' : o.kind === 'refunds_fail' ? '10000; every refund then fails' : '10000';
    return { last4: c.number.slice(-4), outcome };
  });
}
