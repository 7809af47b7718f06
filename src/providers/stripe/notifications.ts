/**
 * The Stripe provider's notifications: which Stripe events a domain event means (with the provider's own
 * events that are waiting, so they go out in order), where they go (every enabled endpoint whose
 * `enabled_events` match), and how each delivery is signed (`Stripe-Signature` with the endpoint's secret).
 */
import type { PaycliEvent, Payment } from '../../engine/types.js';
import type { CoreReader, ProviderHost, ProviderNotification, ProviderNotifications } from '../contract.js';
import { endpointWants } from './endpoint-filter.js';
import type { StripeCredentials } from './host-adapter.js';
import { isStripeAcknowledged, signStripeEvent, STRIPE_NOTIFICATION_TIMEOUT_MS, STRIPE_RETRY_SCHEDULE_MS } from './notification-signing.js';
import { currentRequest, currentUnit, renderedOnce, scopeOwnEvents } from './request-scope.js';
import { eventObject, stripeEventDocsFor } from './stripe-events.js';
import { STRIPE, stripeReader, undeliveredOwnEvents, type PendingOwnEvents } from './stripe-reader.js';
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

export const stripeNotifications: ProviderNotifications<StripeCredentials> = {
  for(event, ctx): ProviderNotification[] {
    const wire = { unit: stripeReader(ctx.read, ctx.merchant, event.created * 1000), baseUrl: baseUrls.get(ctx.read)?.() ?? '' };
    const waiting = scopeOwnEvents()
      .map((id) => ctx.read.get<StripeEventDoc>(COLLECTIONS.events, id))
      .filter((e): e is StripeEventDoc => !!e && e.merchant_id === ctx.merchant.id);
    const docs = [...undeliveredOwnEvents(ctx.read, ctx.merchant.id), ...waiting, ...renderedOnce(event.id, () => stripeEventDocsFor(wire, event, currentRequest()))];
    return docs.map((doc) => ({ id: doc.id, type: doc.type, payload: eventObject(doc) }));
  },
  targets(notification, ctx) {
    return ctx.read
      .list<WebhookEndpointDoc>(COLLECTIONS.webhookEndpoints)
      .filter((we) => we.merchant_id === ctx.merchant.id && endpointWants(we, notification.type))
      .map((we) => ({ url: we.url, kind: 'endpoint' as const, endpoint_id: we.id }));
  },
  endpointSecret: (id, read) => read.get<WebhookEndpointDoc>(COLLECTIONS.webhookEndpoints, id)?.secret ?? null,
  sign(notification, creds, destination, opts) {
    // Endpoints sign with their own secret; --forward-to and listen with the provider's, like `stripe listen`.
    return signStripeEvent(notification.payload, destination.secret ?? creds.webhook_secret, opts.timestampSec, opts.probe);
  },
  isAcknowledged: (status) => isStripeAcknowledged(status),
  retryScheduleMs: STRIPE_RETRY_SCHEDULE_MS,
  timeoutMs: STRIPE_NOTIFICATION_TIMEOUT_MS,
};

/**
 * Stores the Stripe events of each domain event of a Stripe payment, with the ids `for` gives them, so
 * `/v1/events` lists every event, sent to an endpoint or not. The core calls its event listeners
 * synchronously where the event is raised: inside one of the provider's units of work they are staged
 * there; for changes made elsewhere (the control API's buyer, expiry timers) in a unit of their own.
 */
export function recordDomainEvent(host: ProviderHost<StripeCredentials>, event: PaycliEvent): void {
  const unit = currentUnit();
  const baseUrl = host.url();
  if (unit) {
    if (unit.merchant.id !== event.merchant_id) return;
    for (const doc of renderedOnce(event.id, () => stripeEventDocsFor({ unit, baseUrl }, event, currentRequest()))) {
      // What the core stored as a notification is listed from there; only the rest needs a copy.
      if (!unit.notified(doc.id)) unit.put(COLLECTIONS.events, doc);
    }
    // `for` has just offered the waiting own events with this one (and the core stored those it sent).
    scopeOwnEvents().length = 0;
    const pending = unit.get<PendingOwnEvents>(COLLECTIONS.pendingEvents, unit.merchant.id);
    if (pending && pending.event_ids.length > 0) unit.put<PendingOwnEvents>(COLLECTIONS.pendingEvents, { id: pending.id, event_ids: [] });
    return;
  }
  const obj = event.data.object;
  const payment = obj.object === 'payment' ? obj : host.core.reader.get<Payment>('payments', obj.payment_id);
  const merchant = host.core.merchants().find((m) => m.id === event.merchant_id);
  if (payment?.provider !== STRIPE || !merchant) return;
  void host
    .transact((uow) => {
      const reader = stripeReader(uow, merchant, uow.nowMs);
      for (const doc of stripeEventDocsFor({ unit: reader, baseUrl }, event, currentRequest())) uow.put(COLLECTIONS.events, doc);
    })
    // The change itself is committed by its own unit; losing this copy only shortens /v1/events.
    .catch(() => undefined);
}
