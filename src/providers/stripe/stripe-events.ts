/**
 * Stripe events: which of Stripe's event types a domain change raises, and the event envelope merchants
 * read (`object: "event"`, `api_version`, `data.object`, `data.previous_attributes`, `request`).
 */
import type { PaycliEvent, Payment, Refund } from '../../engine/types.js';
import { chargeObject, hasCharge, paymentIntentObject, refundObject, type WireContext } from './wire-objects.js';
import { COLLECTIONS, intentIdOfOrder, type PaymentIntentDoc, type StripeEventDoc } from './stripe-state.js';

/** The API version events are rendered in (stripe-node 23's pinned version). */
export const STRIPE_API_VERSION = '2026-10-28.endive';

/** Stripe's event types the emulation sends, for `enabled_events` validation, trigger and the README. */
export const STRIPE_EVENT_TYPES = [
  'payment_intent.created',
  'payment_intent.requires_action',
  'payment_intent.processing',
  'payment_intent.amount_capturable_updated',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.succeeded',
  'charge.failed',
  'charge.captured',
  'charge.refunded',
  'charge.expired',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'payment_method.attached',
  'checkout.session.completed',
  'checkout.session.expired',
] as const;

export interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

type Obj = Record<string, unknown>;

export interface PendingEvent {
  type: string;
  object: Obj;
  previous_attributes?: Obj;
}

/** Builds (without storing) an event document. */
export function makeStripeEvent(ctx: WireContext, pending: PendingEvent, request: RequestInfo): StripeEventDoc {
  return {
    id: ctx.unit.newId('evt'),
    object: 'event',
    merchant_id: ctx.unit.merchant.id,
    api_version: STRIPE_API_VERSION,
    created: Math.floor(ctx.unit.nowMs / 1000),
    type: pending.type,
    data: { object: pending.object, ...(pending.previous_attributes ? { previous_attributes: pending.previous_attributes } : {}) },
    livemode: false,
    pending_webhooks: 0,
    request,
  };
}

/** The wire envelope (without the merchant id, which only the sandbox needs). */
export function eventObject(e: StripeEventDoc): Obj {
  const { merchant_id: _m, ...rest } = e;
  return rest;
}

function intentOf(ctx: WireContext, payment: Payment): PaymentIntentDoc | undefined {
  const piId = intentIdOfOrder(payment.merchant_order_id);
  return piId ? ctx.unit.get<PaymentIntentDoc>(COLLECTIONS.paymentIntents, piId) : undefined;
}

/**
 * Stripe's events for one domain event, with objects rendered as they are now (after the operation).
 * `siblings` are the other domain events of the same operation (a capture raises `payment.captured` then
 * `payment.succeeded`, which together are Stripe's `charge.captured` + `payment_intent.succeeded`).
 */
export function stripeEventsFor(ctx: WireContext, event: PaycliEvent, siblings: readonly PaycliEvent[]): PendingEvent[] {
  if (event.data.object.object === 'refund') {
    const refund = ctx.unit.refund(event.data.object.id) ?? (event.data.object as Refund);
    const payment = ctx.unit.payment(refund.payment_id);
    const pi = payment ? intentOf(ctx, payment) : undefined;
    const out: PendingEvent[] = [{ type: 'refund.created', object: refundObject(refund, pi?.id ?? null) }];
    if (event.type === 'refund.failed') out.push({ type: 'refund.failed', object: refundObject(refund, pi?.id ?? null) });
    else if (payment) {
      out.push({
        type: 'charge.refunded',
        object: chargeObject(ctx, payment, pi),
        previous_attributes: { amount_refunded: payment.amount_refunded - refund.amount },
      });
    }
    return out;
  }
  const payment = ctx.unit.payment(event.data.object.id) ?? (event.data.object as Payment);
  const pi = intentOf(ctx, payment);
  const intent = () => (pi ? paymentIntentObject(ctx, pi) : null);
  const charge = () => chargeObject(ctx, payment, pi);
  const withIntent = (type: string, more: PendingEvent[] = []): PendingEvent[] => {
    const obj = intent();
    return obj ? [...more, { type, object: obj }] : more;
  };
  const captured = siblings.some((e) => e.type === 'payment.captured');
  switch (event.type) {
    case 'payment.created':
      return [];
    case 'payment.requires_action':
      return withIntent('payment_intent.requires_action');
    case 'payment.pending':
      return withIntent('payment_intent.processing');
    case 'payment.requires_capture':
      return withIntent('payment_intent.amount_capturable_updated', [{ type: 'charge.succeeded', object: charge() }]);
    case 'payment.captured':
      return [{ type: 'charge.captured', object: charge() }];
    case 'payment.succeeded':
      return withIntent('payment_intent.succeeded', captured ? [] : [{ type: 'charge.succeeded', object: charge() }]);
    case 'payment.failed':
      return withIntent('payment_intent.payment_failed', [{ type: 'charge.failed', object: charge() }]);
    case 'payment.canceled': {
      // Releasing an authorisation expires its charge; an intent canceled by the merchant says so.
      const out: PendingEvent[] = hasCharge(payment) ? [{ type: 'charge.expired', object: charge() }] : [];
      if (pi?.canceled) return withIntent('payment_intent.canceled', out);
      return withIntent('payment_intent.payment_failed', out);
    }
    default:
      return [];
  }
}
