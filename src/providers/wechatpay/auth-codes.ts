/**
 * Test payment codes (付款码) for `POST /v3/pay/transactions/codepay`. Like the test cards, and with the
 * same vocabulary: any 18-digit code starting 10-15 is a payer's code, and its last four digits matched
 * against the test-card table pick the synchronous outcome (…9995 insufficient balance, …0019 risk, …).
 * The 3-D Secure card's digits (…3184) stand for a payer who must enter a password: `USERPAYING`.
 */
import { TEST_CARDS, type CardBehaviour } from '../../engine/cards.js';
import type { WechatErrorCode } from './errors.js';

export type AuthCodeOutcome =
  | { kind: 'success'; refundsFail: boolean }
  | { kind: 'userpaying' }
  | { kind: 'error'; code: WechatErrorCode; message: string; failureCode: string };

/** How WeChat answers each test-card decline when it happens to a payment code. */
const WECHAT_DECLINES: Record<string, { code: WechatErrorCode; message: string }> = {
  insufficient_funds: { code: 'NOT_ENOUGH', message: '用户余额不足，请用户更换支付方式' },
  fraudulent: { code: 'TRADE_ERROR', message: '交易存在风险，请用户更换支付方式' },
  expired_card: { code: 'INVALID_REQUEST', message: '付款码已过期，请用户刷新付款码后重新扫码' },
  processing_error: { code: 'SYSTEM_ERROR', message: '系统繁忙，请稍后查询订单' },
};
const DEFAULT_DECLINE = { code: 'TRADE_ERROR' as const, message: '支付失败，请用户更换支付方式' };

/** A PAYERROR order's `trade_state_desc`: WeChat's words for why the payment code failed, not the card's. */
export function payErrorDescription(failureCode: string | null): string {
  return (failureCode !== null ? WECHAT_DECLINES[failureCode] : undefined)?.message ?? DEFAULT_DECLINE.message;
}

function outcomeOf(behaviour: CardBehaviour): AuthCodeOutcome {
  switch (behaviour.kind) {
    case 'decline':
    case 'risk_block': {
      const wx = WECHAT_DECLINES[behaviour.failure_code] ?? DEFAULT_DECLINE;
      return { kind: 'error', code: wx.code, message: wx.message, failureCode: behaviour.failure_code };
    }
    case 'authentication_required':
      return { kind: 'userpaying' };
    case 'refund_fails':
      return { kind: 'success', refundsFail: true };
    default:
      return { kind: 'success', refundsFail: false };
  }
}

export interface AuthCodeRow {
  example: string;
  outcome: AuthCodeOutcome;
  description: string;
}

/** The table the README documents: one example code per test card whose last four digits mean something. */
export const AUTH_CODES: readonly AuthCodeRow[] = TEST_CARDS.filter((c) => c.behaviour.kind !== 'success').map((c) => ({
  example: `13456789012345${c.number.slice(-4)}`,
  outcome: outcomeOf(c.behaviour),
  description: c.description,
}));

export function authCodeOutcome(authCode: string): AuthCodeOutcome {
  const last4 = authCode.slice(-4);
  const card = TEST_CARDS.find((c) => c.behaviour.kind !== 'success' && c.number.endsWith(last4));
  return card ? outcomeOf(card.behaviour) : { kind: 'success', refundsFail: false };
}
