import { describe, expect, it } from 'vitest';
import { MERCHANT, NOW_MS, NOW_SEC, PAGES, cardMethod, fixedContext, paymentInput } from '../../test/helpers/engine.js';
import { PaycliError } from '../errors.js';
import { createPayment, type PaymentMethodInput } from './payments.js';
import { createRefund, settleRefund } from './refunds.js';

function paid(method: PaymentMethodInput, amount = 2000) {
  return createPayment(fixedContext(), MERCHANT, paymentInput({ amount, payment_method: method }), PAGES).object;
}

describe('pending refunds (settle later on the clock)', () => {
  const table: [what: string, method: PaymentMethodInput, settled: 'succeeded' | 'failed'][] = [
    ['a card', cardMethod('4242424242424242'), 'succeeded'],
    ['the refunds-fail card', cardMethod('4000000000005126'), 'failed'],
    ['a paying payment code', { type: 'wallet', wallet: 'wechat_pay', payment_code: '134512345678901234' }, 'succeeded'],
    ['a payment code ending like the refunds-fail card', { type: 'wallet', wallet: 'wechat_pay', payment_code: '134512345678905126' }, 'failed'],
  ];
  it.each(table)('%s: pending first (amount held), then %s', (_what, method, settled) => {
    const payment = paid(method);
    const ctx = fixedContext(NOW_MS);
    const created = createRefund(ctx, payment, { amount: 500, reason: null, metadata: {}, pendingForMs: 5_000 });
    expect(created.refund).toMatchObject({ status: 'pending', amount: 500, failure_reason: null, created: NOW_SEC, settles_at: NOW_SEC + 5 });
    expect(created.payment.amount_refunded).toBe(500);
    expect(created.events.map((e) => [e.type, e.data.object])).toEqual([['refund.pending', created.refund]]);

    const later = fixedContext(NOW_MS + 5_000);
    const done = settleRefund(later, created.payment, created.refund);
    expect(done.refund.status).toBe(settled);
    expect(done.refund.id).toBe(created.refund.id);
    expect(done.payment.amount_refunded).toBe(settled === 'succeeded' ? 500 : 0);
    expect(done.events.map((e) => [e.type, e.data.object])).toEqual([[`refund.${settled}`, done.refund]]);
    if (settled === 'failed') expect(done.refund.failure_reason).toBe('expired_or_canceled_card');
  });

  it('a held amount cannot be refunded twice', () => {
    const payment = paid(cardMethod('4242424242424242'), 1000);
    const first = createRefund(fixedContext(), payment, { reason: null, metadata: {}, pendingForMs: 1_000 });
    expect(first.refund.amount).toBe(1000);
    expect(() => createRefund(fixedContext(), first.payment, { amount: 1, reason: null, metadata: {} })).toThrow(/already fully refunded/);
  });

  it('only a pending refund settles', () => {
    const payment = paid(cardMethod('4242424242424242'));
    const now = createRefund(fixedContext(), payment, { reason: null, metadata: {} });
    expect(now.refund.status).toBe('succeeded');
    expect(now.refund).not.toHaveProperty('settles_at');
    let caught: unknown;
    try {
      settleRefund(fixedContext(), now.payment, now.refund);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PaycliError);
    expect((caught as PaycliError).code).toBe('invalid_state');
  });
});
