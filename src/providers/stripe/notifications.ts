/**
 * The Stripe provider's notifications: which Stripe events a domain event means, where they and the events
 * of the provider's own objects (sent as they happen, `UnitOfWork.notify`) go (every enabled endpoint whose
 * `enabled_events` match), and how each delivery is signed (`Stripe-Signature` with the endpoint's secret).
 */
import { isRefundEvent } from '../../engine/events.js';
import type { PaycliEvent, Payment } from '../../engine/types.js';
import type { CoreReader, NotificationTarget, OwnNotificationContext, ProviderHost, ProviderNotification, ProviderNotifications } from '../contract.js';
import { endpointWants } from './endpoint-filter.js';
import type { StripeCredentials } from './host-adapter.js';
import { isStripeAcknowledged, signStripeEvent, STRIPE_NOTIFICATION_TIMEOUT_MS, STRIPE_RETRY_SCHEDULE_MS } from './notification-signing.js';
import { currentRequest, currentUnit, renderedOnce } from './request-scope.js';
import { eventObject, stripeEventDocsFor, stripeEventIdOf } from './stripe-events.js';
import { legacyWaitingEvents, STRIPE, stripeReader } from './stripe-reader.js';
import { COLLECTIONS, type StripeEventDoc, type WebhookEndpointDoc } from './stripe-state.js';

/**
 * The provider's base URL for each store it serves (buyer pages in `next_action` are on it). Keyed by the
 * store's reader, since notifications are mapped outside any request and several sandboxes may share a
 * process (tests).
 */
const baseUrls = new WeakMap<object, () => string>();
export function registerBaseUrl(read: CoreReader, url: () => string): void {
  baseUrls.set(read, url);
}

/** Every enabled endpoint of the merchant whose `enabled_events` match: Stripe has no per-payment URL. */
function endpointTargets(notification: ProviderNotification, ctx: OwnNotificationContext): NotificationTarget[] {
  return ctx.read
    .list<WebhookEndpointDoc>(COLLECTIONS.webhookEndpoints)
    .filter((we) => we.merchant_id === ctx.merchant.id && endpointWants(we, notification.type))
    .map((we) => ({ url: we.url, kind: 'endpoint' as const, endpoint_id: we.id }));
}

export const stripeNotifications: ProviderNotifications<StripeCredentials> = {
  for(event, ctx): ProviderNotification[] {
    const wire = { unit: stripeReader(ctx.read, ctx.merchant, event.created * 1000), baseUrl: baseUrls.get(ctx.read)?.() ?? '' };
    // Own events a data file of an earlier version left waiting for a payment event to carry them.
    const legacy = legacyWaitingEvents(ctx.read, ctx.merchant.id);
    // Mapped again later (listen's stream, `paycli events`, a resend), a domain event means the Stripe events
    // kept when it happened: rendered anew from today's objects, a Checkout Session already `complete` would
    // no longer say checkout.session.completed.
    const kept = keptEventDocs(ctx.read, event);
    const domain = kept.length > 0 ? kept : renderedOnce(event.id, () => stripeEventDocsFor(wire, event, currentRequest()));
    const unit = currentUnit();
    if (unit && unit.merchant.id === ctx.merchant.id) {
      // Inside one of the provider's units of work (the core maps events synchronously there): keep a copy
      // for /v1/events; the legacy waiting events are carried now, so they stop waiting.
      for (const doc of domain) unit.put(COLLECTIONS.events, doc);
      if (legacy.length > 0) unit.remove(COLLECTIONS.pendingEvents, unit.merchant.id);
    }
    return [...legacy, ...domain].map((doc) => ({ id: doc.id, type: doc.type, payload: eventObject(doc) }));
  },
  targets: endpointTargets,
  ownTargets: endpointTargets,
  endpointSecret: (id, read) => read.get<WebhookEndpointDoc>(COLLECTIONS.webhookEndpoints, id)?.secret ?? null,
  sign(notification, creds, destination, opts) {
    // Endpoints sign with their own secret; --forward-to and listen with the provider's, like `stripe listen`.
    return signStripeEvent(notification.payload, destination.secret ?? creds.webhook_secret, opts.timestampSec, opts.probe);
  },
  isAcknowledged: (status) => isStripeAcknowledged(status),
  retryScheduleMs: STRIPE_RETRY_SCHEDULE_MS,
  timeoutMs: STRIPE_NOTIFICATION_TIMEOUT_MS,
};

/** The Stripe events kept for `/v1/events` when a domain event was first mapped (`evt_…a`, `evt_…b`, …), in order. */
function keptEventDocs(read: CoreReader, event: PaycliEvent): StripeEventDoc[] {
  const docs: StripeEventDoc[] = [];
  for (let doc = read.get<StripeEventDoc>(COLLECTIONS.events, stripeEventIdOf(event, 0)); doc; doc = read.get<StripeEventDoc>(COLLECTIONS.events, stripeEventIdOf(event, docs.length))) {
    docs.push(doc);
  }
  return docs;
}

/**
 * Keeps the Stripe events of a domain event raised outside the provider's units of work (the control API's
 * buyer, expiry timers), so `/v1/events` lists every event, sent to an endpoint or not. The core tells its
 * listeners once the change is durable; events raised inside a unit were kept by `for` already.
 */
export function recordDomainEvent(host: ProviderHost<StripeCredentials>, event: PaycliEvent): void {
  const read = host.core.reader;
  // Already kept by `for` inside the provider's own unit of work (the usual case): known by the id of its
  // first Stripe event, without rendering them again.
  if (read.get(COLLECTIONS.events, stripeEventIdOf(event, 0))) return;
  const payment = isRefundEvent(event) ? read.get<Payment>('payments', event.data.object.payment_id) : event.data.object;
  const merchant = host.core.merchants().find((m) => m.id === event.merchant_id);
  if (payment?.provider !== STRIPE || !merchant) return;
  const baseUrl = host.url();
  const docs = stripeEventDocsFor({ unit: stripeReader(read, merchant, event.created * 1000), baseUrl }, event, { id: null, idempotency_key: null });
  if (docs.length === 0) return;
  void host
    .transact((uow) => {
      for (const doc of docs) uow.put(COLLECTIONS.events, doc);
    })
    // The change itself is committed by its own unit; losing this copy only shortens /v1/events.
    .catch(() => undefined);
}
