import { PaycliError } from '../errors.js';
import { assertPositiveAmount } from './amounts.js';
import { paymentCodeBehaviour } from './cards.js';
import { makeEvent } from './events.js';
import type { EngineContext, Payment, PaycliEvent, Refund } from './types.js';

export interface CreateRefundInput {
  /** Defaults to what is left to refund. */
  amount?: number;
  reason: string | null;
  metadata: Record<string, string>;
  /**
   * Omitted: the refund settles at once (`succeeded` or `failed`), as the native API does. A number: the
   * refund is `pending` for that many milliseconds and then settles (`settleRefund`), as WeChat Pay's
   * `PROCESSING` → `SUCCESS`. The amount is held from the payment while pending, so no second refund can
   * take it.
   */
  pendingForMs?: number;
}

/** Whether the payment was made with the "refunds fail" test card, or a payment code ending like it. */
function refundsFail(payment: Payment): boolean {
  const pm = payment.payment_method;
  if (pm.type === 'card') return pm.card.test_behaviour === 'refund_fails';
  return pm.payment_code_last4 !== undefined && paymentCodeBehaviour(pm.payment_code_last4).kind === 'refund_fails';
}

/**
 * Refunds part or all of a captured payment. Never more than captured minus already refunded; a failed,
 * unpaid or uncaptured payment cannot be refunded. Payments made with the "refunds fail" test card get a
 * failed refund (status `failed`, event `refund.failed`) and keep their balance.
*/
export function createRefund(
  ctx: EngineContext,
  payment: Payment,
  input: CreateRefundInput,
): { refund: Refund; payment: Payment; events: PaycliEvent[] } {
  if (payment.status !== 'succeeded') {
    throw new PaycliError('invalid_state', `Payment ${payment.id} is ${payment.status}; only a succeeded (captured) payment can be refunded.`, {
      param: 'payment_id',
      hint: payment.status === 'requires_capture' ? 'Cancel an uncaptured payment instead of refunding it.' : undefined,
    });
  }
  const remaining = payment.amount_captured - payment.amount_refunded;
  if (input.amount !== undefined) assertPositiveAmount(input.amount);
  const amount = input.amount ?? remaining;
  if (remaining <= 0) {
    throw new PaycliError('refund_exceeds_captured', `Payment ${payment.id} is already fully refunded.`, { param: 'amount' });
  }
  if (amount > remaining) {
    throw new PaycliError(
      'refund_exceeds_captured',
      `Refund amount ${amount} exceeds what is left to refund on ${payment.id} (${remaining} of ${payment.amount_captured} captured).`,
      { param: 'amount' },
    );
  }
  const fails = refundsFail(payment);
  const createdSec = Math.floor(ctx.nowMs / 1000);
  if (input.pendingForMs !== undefined) {
    if (!Number.isFinite(input.pendingForMs) || input.pendingForMs < 0) {
      throw new PaycliError('internal_error', `pendingForMs must be a non-negative number, not ${input.pendingForMs}.`);
    }
    const pending: Refund = {
      id: ctx.newId('re'),
      merchant_id: payment.merchant_id,
      payment_id: payment.id,
      merchant_order_id: payment.merchant_order_id,
      amount,
      currency: payment.currency,
      status: 'pending',
      reason: input.reason,
      failure_reason: null,
      metadata: input.metadata,
      created: createdSec,
      settles_at: Math.ceil((ctx.nowMs + input.pendingForMs) / 1000),
    };
    const held: Payment = { ...payment, amount_refunded: payment.amount_refunded + amount };
    return { refund: pending, payment: held, events: [makeEvent(ctx, 'refund.pending', pending)] };
  }
  const refund: Refund = {
    id: ctx.newId('re'),
    merchant_id: payment.merchant_id,
    payment_id: payment.id,
    merchant_order_id: payment.merchant_order_id,
    amount,
    currency: payment.currency,
    status: fails ? 'failed' : 'succeeded',
    reason: input.reason,
    failure_reason: fails ? 'expired_or_canceled_card' : null,
    metadata: input.metadata,
    created: createdSec,
  };
  if (fails) return { refund, payment, events: [makeEvent(ctx, 'refund.failed', refund)] };
  const next: Payment = { ...payment, amount_refunded: payment.amount_refunded + amount };
  return { refund, payment: next, events: [makeEvent(ctx, 'refund.succeeded', refund)] };
}

/** What may change on a refund once it exists: only the merchant's own notes, never its money or status. */
export interface RefundUpdate {
  metadata?: Record<string, string>;
}

/** A refund with the merchant's changes applied; `changed` is false when nothing differs. */
export function updateRefund(refund: Refund, update: RefundUpdate): { refund: Refund; changed: boolean } {
  if (update.metadata === undefined) return { refund, changed: false };
  const changed = JSON.stringify(refund.metadata) !== JSON.stringify(update.metadata);
  return { refund: changed ? { ...refund, metadata: { ...update.metadata } } : refund, changed };
}

/**
 * Settles a pending refund: `succeeded`, or `failed` for the "refunds fail" test card, which gives the
 * held amount back to the payment. `payment` is the refund's payment as it is now.
 */
export function settleRefund(ctx: EngineContext, payment: Payment, refund: Refund): { refund: Refund; payment: Payment; events: PaycliEvent[] } {
  if (refund.status !== 'pending') {
    throw new PaycliError('invalid_state', `Refund ${refund.id} is ${refund.status}; only a pending refund settles.`, { param: 'id' });
  }
  if (refund.payment_id !== payment.id) {
    throw new PaycliError('internal_error', `Refund ${refund.id} belongs to ${refund.payment_id}, not ${payment.id}.`);
  }
  if (refundsFail(payment)) {
    const failed: Refund = { ...refund, status: 'failed', failure_reason: 'expired_or_canceled_card' };
    const released: Payment = { ...payment, amount_refunded: payment.amount_refunded - refund.amount };
    return { refund: failed, payment: released, events: [makeEvent(ctx, 'refund.failed', failed)] };
  }
  const done: Refund = { ...refund, status: 'succeeded' };
  return { refund: done, payment, events: [makeEvent(ctx, 'refund.succeeded', done)] };
}
