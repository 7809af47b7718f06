import { describe, expect, it } from 'vitest';
import { MERCHANT, NOW_SEC, PAGES, fixedContext, paymentInput } from '../../test/helpers/engine.js';
import { paymentCodeBehaviour } from './cards.js';
import { createPayment } from './payments.js';
import type { CaptureMethod } from './types.js';

/** A wallet payment presented by a buyer's payment code (Alipay bar code, WeChat 付款码). */
function byCode(code: string, capture_method: CaptureMethod = 'automatic') {
  const ctx = fixedContext();
  return createPayment(
    ctx,
    MERCHANT,
    paymentInput({ payment_method: { type: 'wallet', wallet: 'alipay', payment_code: code }, capture_method }),
    { ...PAGES, provider: 'alipay' },
  );
}

describe('wallet payments by payment code', () => {
  const table: [code: string, status: string, failure_code: string | null][] = [
    ['284712345678901234', 'succeeded', null],
    ['134512345678900002', 'failed', 'card_declined'],
    ['284712345678909995', 'failed', 'insufficient_funds'],
    ['284712345678909987', 'failed', 'lost_card'],
    ['284712345678909979', 'failed', 'stolen_card'],
    ['284712345678900069', 'failed', 'expired_card'],
    ['284712345678900127', 'failed', 'incorrect_cvc'],
    ['284712345678900119', 'failed', 'processing_error'],
    ['284712345678906975', 'failed', 'card_velocity_exceeded'],
    ['284712345678900019', 'failed', 'fraudulent'],
    // A code cannot ask for 3-D Secure: the 3DS card's digits simply pay.
    ['284712345678903184', 'succeeded', null],
    ['284712345678905126', 'succeeded', null],
  ];
  it.each(table)('code %s → %s (%s), decided at once with no buyer page', (code, status, failure_code) => {
    const { object: p, events } = byCode(code);
    expect(p).toMatchObject({ status, failure_code, buyer_action: null, expires_at: null, provider: 'alipay' });
    expect(p.payment_method).toEqual({ type: 'wallet', wallet: 'alipay', payment_code_last4: code.slice(-4) });
    expect(events.map((e) => e.type)).toEqual(['payment.created', status === 'failed' ? 'payment.failed' : 'payment.succeeded']);
    if (status === 'succeeded') expect(p).toMatchObject({ amount_captured: p.amount, captured_at: NOW_SEC });
  });

  it('with manual capture a paying code is authorised, not captured', () => {
    const { object: p } = byCode('284712345678901234', 'manual');
    expect(p).toMatchObject({ status: 'requires_capture', amount_captured: 0 });
  });

  it('without a code a wallet payment still waits for the buyer', () => {
    const { object: p } = createPayment(fixedContext(), MERCHANT, paymentInput({ payment_method: { type: 'wallet', wallet: 'wechat_pay' } }), PAGES);
    expect(p).toMatchObject({ status: 'pending', provider: 'paycli', payment_method: { type: 'wallet', wallet: 'wechat_pay' } });
    expect(p.payment_method).not.toHaveProperty('payment_code_last4');
  });

  it('paymentCodeBehaviour looks at the last four digits only', () => {
    expect(paymentCodeBehaviour('9995')).toMatchObject({ kind: 'decline', failure_code: 'insufficient_funds' });
    expect(paymentCodeBehaviour('11119995')).toMatchObject({ kind: 'decline', failure_code: 'insufficient_funds' });
    expect(paymentCodeBehaviour('99951111')).toEqual({ kind: 'success' });
  });
});
