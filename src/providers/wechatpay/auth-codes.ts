/**
 * Test payment codes (付款码) for `POST /v3/pay/transactions/codepay`, like test cards: any 18-digit code
 * starting 10-15 is a payer's code, and its last four digits pick the synchronous outcome.
 */
import type { WechatErrorCode } from './errors.js';

export type AuthCodeOutcome =
  | { kind: 'success'; bankType: string }
  | { kind: 'userpaying' }
  | { kind: 'error'; code: WechatErrorCode; message: string };

export interface AuthCodeRow {
  suffix: string;
  example: string;
  outcome: AuthCodeOutcome;
  meaning: string;
}

/** The table the README documents. Codes not listed pay successfully from the payer's balance (零钱). */
export const AUTH_CODES: readonly AuthCodeRow[] = [
  { suffix: '0000', example: '134567890123450000', outcome: { kind: 'success', bankType: 'OTHERS' }, meaning: 'paid at once (零钱)' },
  { suffix: '0101', example: '134567890123450101', outcome: { kind: 'success', bankType: 'CMB_DEBIT' }, meaning: 'paid at once with a bank card (CMB_DEBIT)' },
  { suffix: '1001', example: '134567890123451001', outcome: { kind: 'userpaying' }, meaning: '202 USERPAYING: the payer must enter a password; the order stays USERPAYING until the buyer control API completes or fails it' },
  { suffix: '1002', example: '134567890123451002', outcome: { kind: 'error', code: 'NOT_ENOUGH', message: '用户余额不足' }, meaning: '403 NOT_ENOUGH: the payer\'s balance is insufficient; the order is PAYERROR' },
  { suffix: '1003', example: '134567890123451003', outcome: { kind: 'error', code: 'TRADE_ERROR', message: '交易失败，请用户更换付款码后重试' }, meaning: '403 TRADE_ERROR: the payment failed; the order is PAYERROR' },
  { suffix: '1004', example: '134567890123451004', outcome: { kind: 'error', code: 'INVALID_REQUEST', message: '付款码无效，请重新扫码' }, meaning: '400 INVALID_REQUEST: the code has expired; the order is PAYERROR' },
];

export function authCodeOutcome(authCode: string): AuthCodeOutcome {
  const row = AUTH_CODES.find((r) => authCode.endsWith(r.suffix));
  return row ? row.outcome : { kind: 'success', bankType: 'OTHERS' };
}
