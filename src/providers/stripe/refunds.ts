/**
 * Refunds, by `payment_intent` or `charge`: the shared engine decides (never more than captured, a failed
 * refund for the refund-fails test card), the provider answers in Stripe's words.
 */
import { formatAmount } from './currencies.js';
import type { FormObject } from './form-params.js';
import { chargedPayment } from './lookup.js';
import { ACCEPTED, checkAccepted, int, metadata, oneOf, str } from './params.js';
import { findIntent } from './payment-intents.js';
import { invalidRequest, resourceMissing } from './stripe-errors.js';
import { emit } from './stripe-events.js';
import type { Payment, Refund } from '../../engine/types.js';
import { refundById } from './lookup.js';
import { chargeIdOf, COLLECTIONS, intentIdOf, type PaymentIntentDoc, type PaymentMethodDoc } from './stripe-state.js';
import { latestAttempt, type OpContext } from './wire-objects.js';

const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

export function createRefund(ctx: OpContext, params: FormObject): Refund {
  checkAccepted(params, ACCEPTED.refundCreate);
  // Parameters are checked before the charge's state, as Stripe does.
  const piId = str(params, 'payment_intent');
  const chId = str(params, 'charge');
  const amount = int(params, 'amount');
  if (amount !== undefined && amount < 1) throw invalidRequest('This value must be greater than or equal to 1.', { param: 'amount' });
  const reason = oneOf(params, 'reason', REASONS) ?? null;
  const meta = metadata(params) ?? {};
  if (!piId && !chId) throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', { param: 'payment_intent' });
  let payment;
  if (chId) {
    payment = chargedPayment(ctx, chId);
    if (!payment) throw resourceMissing('charge', chId, 'charge');
    if (payment.status === 'canceled') {
      // A released authorisation: Stripe answers about its intent, as a refund by payment_intent would be.
      const intentId = intentIdOf(payment) ?? chId;
      throw invalidRequest(`This PaymentIntent (${intentId}) does not have a successful charge to refund.`, { param: 'charge', code: 'charge_not_refundable' });
    }
  } else if (piId) {
    const pi = findIntent(ctx, piId, 'payment_intent');
    payment = latestAttempt(ctx, pi);
    if (!payment || payment.status !== 'succeeded') {
      throw invalidRequest(`This PaymentIntent (${piId}) does not have a successful charge to refund.`, { param: 'payment_intent', code: 'charge_not_refundable' });
    }
  }
  if (!payment) throw resourceMissing('charge', chId ?? '', 'charge');
  const remaining = payment.amount_captured - payment.amount_refunded;
  if (payment.status === 'succeeded' && remaining <= 0) {
    throw invalidRequest(`Charge ${chargeIdOf(payment.id)} has already been refunded.`, { param: chId ? 'charge' : 'payment_intent', code: 'charge_already_refunded' });
  }
  if (amount !== undefined && payment.status === 'succeeded' && amount > remaining) {
    const cur = payment.currency.toLowerCase();
    throw invalidRequest(`Refund amount (${formatAmount(amount, cur)}) is greater than unrefunded amount on charge (${formatAmount(remaining, cur)})`, {
      param: 'amount',
      code: 'amount_too_large',
    });
  }
  if (payment.status !== 'succeeded') {
    throw invalidRequest(`Charge ${chargeIdOf(payment.id)} has not been captured; cancel the PaymentIntent to release it instead.`, { param: 'charge', code: 'charge_not_refundable' });
  }
  const pending = pmNumberOf(ctx, payment) === PENDING_REFUND_CARD ? { pendingForMs: PENDING_REFUND_MS } : {};
  return ctx.unit.createRefund(payment.id, { amount, reason, metadata: meta, ...pending });
}

/**
 * Stripe's `pm_card_pendingRefund` (4000000000007726): its refunds begin `pending` and succeed "some time
 * afterward", with refund.updated; here after a few seconds on the sandbox's clock.
 */
export const PENDING_REFUND_CARD = '4000000000007726';
export const PENDING_REFUND_MS = 5_000;

/** The card number of the payment method a charge was made with (its intent's, whose latest attempt it is). */
function pmNumberOf(ctx: OpContext, payment: Payment): string | undefined {
  const piId = intentIdOf(payment);
  const pi = piId ? ctx.unit.get<PaymentIntentDoc>(COLLECTIONS.paymentIntents, piId) : undefined;
  const pm = pi?.payment_method ? ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, pi.payment_method) : undefined;
  return pm?.card_data.number;
}

/**
 * Refunds of one intent's or charge's payments, or all of the merchant's. An unknown charge or intent is a
 * 404 naming the filter (Stripe: "If you provide a non-existent charge ID, this call raises an error").
 */
export function refundsFor(ctx: OpContext, params: FormObject): Refund[] {
  const piId = str(params, 'payment_intent');
  const chId = str(params, 'charge');
  if (chId) {
    const p = chargedPayment(ctx, chId);
    if (!p) throw resourceMissing('charge', chId, 'charge');
    return ctx.unit.refundsOf(p.id);
  }
  if (piId) {
    const pi = findIntent(ctx, piId, 'payment_intent');
    return pi.attempts.flatMap((id) => ctx.unit.refundsOf(id)).sort((a, b) => a.created - b.created);
  }
  return ctx.unit.refunds();
}

/** The merchant's refund an id names: 404 resource_missing otherwise, as on Stripe. */
export function findRefund(ctx: OpContext, id: string): Refund {
  const r = ctx.unit.refund(id);
  if (!r || r.merchant_id !== ctx.unit.merchant.id) throw resourceMissing('refund', id);
  return r;
}

/**
 * `POST /v1/refunds/:id`: only `metadata` can change (Stripe's API reference: "This request only accepts
 * metadata as an argument"); a change says `refund.updated` with the metadata it had before.
 */
export function updateRefund(ctx: OpContext, id: string, params: FormObject): Refund {
  checkAccepted(params, ACCEPTED.refundUpdate);
  const current = findRefund(ctx, id);
  const meta = metadata(params, current.metadata);
  if (meta === undefined || JSON.stringify(meta) === JSON.stringify(current.metadata)) return current;
  const next = ctx.unit.updateRefund(current.id, { metadata: meta });
  emit(ctx, { type: 'refund.updated', object: refundById(ctx, next.id), previous_attributes: { metadata: current.metadata } });
  return next;
}

/**
 * `POST /v1/refunds/:id/cancel`. Stripe cancels only a refund in `requires_action` (a payment method that
 * needs the customer to act); a card refund never is, so every refund here is refused, in Stripe's shape.
 */
export function cancelRefund(ctx: OpContext, id: string, params: FormObject): never {
  checkAccepted(params, ACCEPTED.refundCancel);
  const r = findRefund(ctx, id);
  throw invalidRequest(`You can't cancel this refund because it has a status of ${r.status}. Only a refund with a status of requires_action can be canceled.`);
}
