import { PaycliError } from '../errors.js';
import { assertPositiveAmount } from './amounts.js';
import { makeEvent } from './events.js';
import type { EngineContext, Payment, PaycliEvent, Refund } from './types.js';

export interface CreateRefundInput {
  /** Defaults to what is left to refund. */
  amount?: number;
  reason: string | null;
  metadata: Record<string, string>;
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
  const fails = payment.payment_method.type === 'card' && payment.payment_method.card.test_behaviour === 'refund_fails';
  const refund: Refund = {
    id: ctx.newId('re'),
    object: 'refund',
    merchant_id: payment.merchant_id,
    payment_id: payment.id,
    merchant_order_id: payment.merchant_order_id,
    amount,
    currency: payment.currency,
    status: fails ? 'failed' : 'succeeded',
    reason: input.reason,
    failure_reason: fails ? 'expired_or_canceled_card' : null,
    metadata: input.metadata,
    created: Math.floor(ctx.nowMs / 1000),
  };
  if (fails) return { refund, payment, events: [makeEvent(ctx, 'refund.failed', refund)] };
  const next: Payment = { ...payment, amount_refunded: payment.amount_refunded + amount };
  return { refund, payment: next, events: [makeEvent(ctx, 'refund.succeeded', refund)] };
}
