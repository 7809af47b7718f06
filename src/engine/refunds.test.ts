import { describe, expect, it } from 'vitest';
import { MERCHANT, NOW_MS, NOW_SEC, PAGES, cardMethod, fixedContext, paymentInput } from '../../test/helpers/engine.js';
import { PaycliError } from '../errors.js';
import { buyerAct, cancel, capture, createPayment } from './payments.js';
import { createRefund, updateRefund, type CreateRefundInput } from './refunds.js';
import type { Payment } from './types.js';

const input = (amount?: number): CreateRefundInput => ({ amount, reason: null, metadata: {} });

function succeeded(number = '4242424242424242', amount = 2000): Payment {
  return createPayment(fixedContext(), MERCHANT, paymentInput({ amount, payment_method: cardMethod(number) }), PAGES).object;
}

function errorOf(fn: () => unknown): PaycliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PaycliError);
    return err as PaycliError;
  }
  throw new Error('expected a PaycliError');
}

describe('createRefund', () => {
  it('a partial refund, then the rest by default, then a further refund is rejected', () => {
    const ctx = fixedContext(NOW_MS + 60_000);
    const first = createRefund(ctx, succeeded(), { amount: 500, reason: 'requested_by_customer', metadata: { ticket: 't1' } });
    expect(first.refund).toMatchObject({
      merchant_id: MERCHANT.id,
      payment_id: 'pay_1',
      merchant_order_id: 'order_1',
      amount: 500,
      currency: 'USD',
      status: 'succeeded',
      reason: 'requested_by_customer',
      failure_reason: null,
      metadata: { ticket: 't1' },
      created: NOW_SEC + 60,
    });
    expect(first.payment).toMatchObject({ status: 'succeeded', amount_captured: 2000, amount_refunded: 500 });
    expect(first.events.map((e) => e.type)).toEqual(['refund.succeeded']);
    expect(first.events[0]!.data.object).toEqual(first.refund);
    // The domain carries no wire fields: the native serializer adds `object`.
    expect(first.refund).not.toHaveProperty('object');

    const rest = createRefund(ctx, first.payment, input());
    expect(rest.refund.amount).toBe(1500);
    expect(rest.payment.amount_refunded).toBe(2000);

    const again = errorOf(() => createRefund(ctx, rest.payment, input()));
    expect(again.code).toBe('refund_exceeds_captured');
    expect(again.param).toBe('amount');
    expect(errorOf(() => createRefund(ctx, rest.payment, input(1))).code).toBe('refund_exceeds_captured');
  });

  it('never refunds more than what is left', () => {
    const p = createRefund(fixedContext(), succeeded(), input(1999)).payment;
    const err = errorOf(() => createRefund(fixedContext(), p, input(2)));
    expect(err).toMatchObject({ code: 'refund_exceeds_captured', param: 'amount' });
    expect(createRefund(fixedContext(), p, input(1)).payment.amount_refunded).toBe(2000);
  });

  it('over the captured amount in one go is rejected', () => {
    expect(errorOf(() => createRefund(fixedContext(), succeeded(), input(2001)))).toMatchObject({ code: 'refund_exceeds_captured', param: 'amount' });
  });

  it('after a partial capture, only the captured amount can be refunded', () => {
    const authorised = createPayment(fixedContext(), MERCHANT, paymentInput({ capture_method: 'manual' }), PAGES).object;
    const p = capture(fixedContext(), MERCHANT, authorised, 1200).object;
    expect(errorOf(() => createRefund(fixedContext(), p, input(1201))).code).toBe('refund_exceeds_captured');
    expect(createRefund(fixedContext(), p, input()).refund.amount).toBe(1200);
  });

  it.each([0, -5, 2.5])('an amount of %s is parameter_invalid', (amount) => {
    expect(errorOf(() => createRefund(fixedContext(), succeeded(), input(amount)))).toMatchObject({ code: 'parameter_invalid', param: 'amount' });
  });

  const unrefundable: [string, () => Payment][] = [
    ['failed', () => succeeded('4000000000009995')],
    ['uncaptured (requires_capture)', () => createPayment(fixedContext(), MERCHANT, paymentInput({ capture_method: 'manual' }), PAGES).object],
    ['requires_action', () => succeeded('4000002760003184')],
    ['pending wallet', () => createPayment(fixedContext(), MERCHANT, paymentInput({ payment_method: { type: 'wallet', wallet: 'alipay' } }), PAGES).object],
    ['canceled', () => cancel(fixedContext(), succeeded('4000002760003184')).object],
    ['buyer-failed', () => buyerAct(fixedContext(), MERCHANT, succeeded('4000002760003184'), 'fail').object],
  ];
  it.each(unrefundable)('a %s payment cannot be refunded (invalid_state on payment_id)', (_name, make) => {
    expect(errorOf(() => createRefund(fixedContext(), make(), input()))).toMatchObject({ code: 'invalid_state', param: 'payment_id' });
  });

  it('the refund_fails card gets a failed refund and keeps its balance', () => {
    const p = succeeded('4000000000005126');
    const r = createRefund(fixedContext(), p, input(700));
    expect(r.refund).toMatchObject({ status: 'failed', amount: 700, failure_reason: expect.any(String) });
    expect(r.payment).toEqual(p);
    expect(r.events.map((e) => e.type)).toEqual(['refund.failed']);
    // The balance is intact, so the full amount can still be attempted (and fails again).
    expect(createRefund(fixedContext(), r.payment, input()).refund).toMatchObject({ status: 'failed', amount: 2000 });
  });
});

describe('updateRefund', () => {
  it('replaces the metadata and nothing else; the same metadata is no change', () => {
    const { refund } = createRefund(fixedContext(), succeeded(), { amount: 500, reason: 'duplicate', metadata: { ticket: 't1' } });
    const updated = updateRefund(refund, { metadata: { ticket: 't2', agent: 'ada' } });
    expect(updated.changed).toBe(true);
    expect(updated.refund).toEqual({ ...refund, metadata: { ticket: 't2', agent: 'ada' } });
    expect(refund.metadata).toEqual({ ticket: 't1' });
    expect(updateRefund(updated.refund, { metadata: { ticket: 't2', agent: 'ada' } }).changed).toBe(false);
    expect(updateRefund(refund, {})).toEqual({ refund, changed: false });
  });
});
