/**
 * Released authorisations as Stripe shows them: an authorised charge that is never captured (its intent
 * canceled, or the authorisation left to lapse) is refunded in full by Stripe itself, and that refund is a
 * Refund object like any other (`charge.refunds`, `GET /v1/refunds`, `refund.created`), with no balance
 * transaction (no money moved) and `destination_details.card.type: "reversal"`. Stripe's API reference says
 * of canceling an intent in `requires_capture` that "the remaining amount_capturable is automatically
 * refunded", and names `expired_uncaptured_charge` as the reason of the refunds it makes for lapsed ones.
 *
 * The domain has no refund here (nothing was captured, so nothing is refunded in its terms): the reversal
 * is a view of the canceled payment, like a charge is, with a derived id. Only its metadata, which the
 * merchant may change, is stored, in the provider's own collection.
 */
import type { Payment, Refund } from '../../engine/types.js';
import { COLLECTIONS, intentIdOf, type Metadata, type PaymentIntentDoc, type StripeCollection } from './stripe-state.js';

/** What the reversal view needs to read: a CoreReader, a unit of work or a StripeReader. */
interface Reads {
  get<T extends { id: string }>(collection: StripeCollection | 'payments', id: string): T | undefined;
}

/** The merchant's metadata on a reversal (absent until the merchant sets some). */
export interface ReversalMetadataDoc {
  /** The reversal's refund id. */
  id: string;
  merchant_id: string;
  metadata: Metadata;
}

// `re_v<payment id suffix>`: derived from the payment, so the payment is found again from the refund id
// alone (and a refund the core minted never carries its payment's suffix).
const PREFIX = 're_v';
const reversalIdOf = (paymentId: string) => `${PREFIX}${paymentId.slice(paymentId.indexOf('_') + 1)}`;
const paymentIdOfReversal = (refundId: string) => `pay_${refundId.slice(PREFIX.length)}`;

/** Whether a refund record is a reversal rather than a refund the merchant asked for. */
export const isReversal = (refund: Pick<Refund, 'id' | 'payment_id'>): boolean => refund.id === reversalIdOf(refund.payment_id);

/** An authorisation that reached the issuer and was released without any capture. */
const wasReleased = (p: Payment, charged: (p: Payment) => boolean): boolean => p.status === 'canceled' && p.captured_at === null && charged(p);

/**
 * The reversal of a released authorisation, as a refund record (undefined for any other payment).
 * `charged` is the wire's rule for whether the attempt made a charge (3-D Secure abandoned makes none).
 */
export function reversalOf(read: Reads, payment: Payment, charged: (p: Payment) => boolean): Refund | undefined {
  if (!wasReleased(payment, charged)) return undefined;
  const id = reversalIdOf(payment.id);
  const piId = intentIdOf(payment);
  const pi = piId ? read.get<PaymentIntentDoc>(COLLECTIONS.paymentIntents, piId) : undefined;
  return {
    id,
    merchant_id: payment.merchant_id,
    payment_id: payment.id,
    merchant_order_id: payment.merchant_order_id,
    amount: payment.amount,
    currency: payment.currency,
    status: 'succeeded',
    // Canceling the intent is the merchant's act and Stripe records no reason; a lapse is Stripe's own.
    reason: pi?.canceled === false ? 'expired_uncaptured_charge' : null,
    failure_reason: null,
    metadata: read.get<ReversalMetadataDoc>(COLLECTIONS.reversalMetadata, id)?.metadata ?? {},
    created: payment.canceled_at ?? payment.created,
  };
}

/** The reversal a refund id names, if it is one of the merchant's. */
export function reversalById(read: Reads, merchantId: string, id: string, charged: (p: Payment) => boolean): Refund | undefined {
  if (!id.startsWith(PREFIX)) return undefined;
  const payment = read.get<Payment>('payments', paymentIdOfReversal(id));
  if (!payment || payment.merchant_id !== merchantId) return undefined;
  return reversalOf(read, payment, charged);
}
