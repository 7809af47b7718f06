/**
 * Stripe events: which of Stripe's event types a domain change raises, and the event envelope merchants
 * read (`object: "event"`, `api_version`, `data.object`, `data.previous_attributes`, `request`).
 */
import { isRefundEvent } from '../../engine/events.js';
import type { PaycliEvent, Payment } from '../../engine/types.js';
import { checkoutSessionObject, completedView } from './checkout-objects.js';
import { endpointWants } from './endpoint-filter.js';
import { chargeObject, hasCharge, paymentIntentObject, refundObject, type OpContext, type RequestInfo, type WireContext } from './wire-objects.js';
import {
  COLLECTIONS,
  intentIdOf,
  type CheckoutSessionDoc,
  type PaymentIntentDoc,
  type StripeEventDoc,
  type StripeReader,
  type WebhookEndpointDoc,
} from './stripe-state.js';

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
  'charge.updated',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'payment_method.attached',
  'setup_intent.created',
  'setup_intent.requires_action',
  'setup_intent.succeeded',
  'setup_intent.setup_failed',
  'setup_intent.canceled',
  'checkout.session.completed',
  'checkout.session.expired',
] as const;

type Obj = Record<string, unknown>;

export interface PendingEvent {
  type: string;
  object: Obj;
  previous_attributes?: Obj;
}

function endpointsWanting(ctx: WireContext, type: string): number {
  return ctx.unit.list<WebhookEndpointDoc>(COLLECTIONS.webhookEndpoints).filter((we) => we.merchant_id === ctx.unit.merchant.id && endpointWants(we, type)).length;
}

function eventDoc(ctx: WireContext, id: string, created: number, pending: PendingEvent, request: RequestInfo): StripeEventDoc {
  return {
    id,
    object: 'event',
    merchant_id: ctx.unit.merchant.id,
    api_version: STRIPE_API_VERSION,
    created,
    type: pending.type,
    data: { object: pending.object, ...(pending.previous_attributes ? { previous_attributes: pending.previous_attributes } : {}) },
    livemode: false,
    pending_webhooks: endpointsWanting(ctx, pending.type),
    request,
  };
}

/** Emits an event about one of the provider's own objects (an intent created, a session completed). */
export function emit(ctx: OpContext, pending: PendingEvent): void {
  ctx.unit.emit(eventDoc(ctx, ctx.unit.newId('evt'), Math.floor(ctx.unit.nowMs / 1000), pending, ctx.request));
}

/** The wire envelope (without the merchant id, which only the sandbox needs). */
export function eventObject(e: StripeEventDoc): Obj {
  const { merchant_id: _m, ...rest } = e;
  return rest;
}

/**
 * A view in which `payment` is its intent's latest attempt even before the intent records it: the core
 * raises a payment's first events while the provider is still creating it.
 */
function seeing(ctx: WireContext, payment: Payment): WireContext {
  const piId = intentIdOf(payment);
  const base = ctx.unit;
  const unit: StripeReader = {
    ...base,
    merchant: base.merchant,
    nowMs: base.nowMs,
    payment: (id) => (id === payment.id ? payment : base.payment(id)),
    get: <T extends { id: string }>(collection: Parameters<StripeReader['get']>[0], id: string) => {
      const doc = base.get<T>(collection, id);
      if (collection === COLLECTIONS.paymentIntents && id === piId && doc) {
        const pi = doc as unknown as PaymentIntentDoc;
        if (!pi.attempts.includes(payment.id)) return { ...pi, attempts: [...pi.attempts, payment.id] } as unknown as T;
      }
      return doc;
    },
  };
  return { unit, baseUrl: ctx.baseUrl };
}

/** Stripe's events for one domain event, with objects as they are after it. */
export function stripeEventsFor(outer: WireContext, event: PaycliEvent): PendingEvent[] {
  if (isRefundEvent(event)) {
    const refund = event.data.object;
    const payment = outer.unit.payment(refund.payment_id);
    if (!payment) return [];
    const ctx = seeing(outer, payment);
    const pi = intentOf(ctx, payment);
    if (!pi) return [];
    // A refund that settles later says refund.created when asked for and refund.updated when it settles.
    if (event.type === 'refund.pending') return [{ type: 'refund.created', object: refundObject(refund, pi) }];
    const settledLater = ctx.unit.refund(refund.id) !== undefined && refund.created * 1000 < event.created * 1000;
    const out: PendingEvent[] = [{ type: settledLater ? 'refund.updated' : 'refund.created', object: refundObject(refund, pi) }];
    if (event.type === 'refund.failed') out.push({ type: 'refund.failed', object: refundObject(refund, pi) });
    else {
      out.push({
        type: 'charge.refunded',
        object: chargeObject(ctx, payment, pi),
        previous_attributes: { amount_refunded: payment.amount_refunded - refund.amount },
      });
    }
    return out;
  }
  const payment = event.data.object;
  const ctx = seeing(outer, payment);
  const pi = intentOf(ctx, payment);
  if (!pi) return [];
  const intent = (type: string): PendingEvent => ({ type, object: paymentIntentObject(ctx, pi) });
  // A Checkout Session completes when its intent is paid, however the buyer got there.
  const session = (): PendingEvent[] => {
    const cs = pi.checkout_session ? ctx.unit.get<CheckoutSessionDoc>(COLLECTIONS.checkoutSessions, pi.checkout_session) : undefined;
    const done = cs ? completedView({ ...cs, payment_intent: pi.id }, payment.status) : null;
    return done ? [{ type: 'checkout.session.completed', object: checkoutSessionObject(ctx, done) }] : [];
  };
  const charge = (type: string): PendingEvent => ({ type, object: chargeObject(ctx, payment, pi) });
  switch (event.type) {
    case 'payment.requires_action':
      return [intent('payment_intent.requires_action')];
    case 'payment.pending':
      return [intent('payment_intent.processing')];
    case 'payment.requires_capture':
      return [charge('charge.succeeded'), intent('payment_intent.amount_capturable_updated'), ...session()];
    case 'payment.captured':
      return [charge('charge.captured')];
    case 'payment.succeeded':
      // A manual capture already said charge.succeeded when the card was authorised.
      return payment.capture_method === 'manual'
        ? [intent('payment_intent.succeeded')]
        : [charge('charge.succeeded'), intent('payment_intent.succeeded'), ...session()];
    case 'payment.failed':
      return [...(hasCharge(payment) ? [charge('charge.failed')] : []), intent('payment_intent.payment_failed')];
    case 'payment.canceled': {
      // Canceling an authorised intent releases the authorisation: since API version 2025-03-31.basil no
      // Refund is made and no charge.refunded is sent, only payment_intent.canceled. An authorisation
      // released outside the Stripe API (from the dashboard) expires its charge and cancels the intent, as
      // a lapsed one does; an attempt that never reached the issuer fails the intent's attempt.
      if (pi.canceled) return [intent('payment_intent.canceled')];
      if (hasCharge(payment)) return [charge('charge.expired'), intent('payment_intent.canceled')];
      return [intent('payment_intent.payment_failed')];
    }
    default:
      return [];
  }
}

/**
 * The Stripe event documents of one domain event. Their ids derive from the domain event's, so the mapping
 * is pure and the same domain event always means the same Stripe events (resends keep their ids).
 */
export function stripeEventDocsFor(ctx: WireContext, event: PaycliEvent, request: RequestInfo): StripeEventDoc[] {
  return stripeEventsFor(ctx, event).map((pending, i) => eventDoc(ctx, stripeEventIdOf(event, i), event.created, pending, request));
}

/** The id of the `index`th Stripe event of a domain event (`evt_<its id's suffix><a, b, …>`). */
export function stripeEventIdOf(event: PaycliEvent, index: number): string {
  return `evt_${event.id.slice(event.id.indexOf('_') + 1)}${String.fromCharCode(97 + index)}`;
}

function intentOf(ctx: WireContext, payment: Payment): PaymentIntentDoc | undefined {
  const piId = intentIdOf(payment);
  return piId ? ctx.unit.get<PaymentIntentDoc>(COLLECTIONS.paymentIntents, piId) : undefined;
}
