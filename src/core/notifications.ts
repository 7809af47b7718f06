/**
 * From domain events to providers' notifications. The core raises a domain event; the payment's provider
 * says which notifications it means (zero or more) and where they go; each is stored once and handed to the
 * dispatcher per destination. At send time the dispatcher asks `signDelivery` for the bytes, which picks
 * the provider of that delivery and looks its credentials up then: no secret is copied into a delivery.
 *
 * The types here are the notification half of the provider contract (`src/providers/contract.ts`
 * re-exports them): the core defines what it needs and providers implement it, so dependencies point one way.
 */
import type { Clock } from '../clock.js';
import { isRefundEvent } from '../engine/events.js';
import type { Merchant, Payment, PaycliEvent, Refund } from '../engine/types.js';
import { PaycliError } from '../errors.js';
import type { CollectionName, Store, StoredDoc } from '../store/store.js';
import type { Delivery, DeliverySigner, DeliveryTarget, StoredNotification, WebhookDispatcher } from '../webhooks/dispatcher.js';

export type { DeliverySigner, StoredNotification } from '../webhooks/dispatcher.js';
import type { NotificationProbe, SignedNotification } from '../webhooks/notification-protocol.js';
import type { ChaosRules } from './chaos-rules.js';
import type { CredentialStore } from './credentials.js';
import type { OwnNotification } from './event-timeline.js';

/** Read-only access to the store, for pure provider code that needs documents (its own included). */
export interface CoreReader {
  get<T extends StoredDoc>(collection: CollectionName, id: string): T | undefined;
  list<T extends StoredDoc>(collection: CollectionName): readonly T[];
  count(collection: CollectionName): number;
}

/** One notification a domain event causes, before signing. Pure data, stored as it is. */
export interface ProviderNotification {
  /** Unique across the store (e.g. the native event id, a Stripe `evt_…`); receivers deduplicate on it. */
  id: string;
  /** The provider's own type name (`payment.succeeded`, `charge.refunded`, `TRANSACTION.SUCCESS`, …). */
  type: string;
  /** The unsigned body, in whatever shape `sign` turns into bytes. */
  payload: unknown;
}

/**
 * What a provider's own notification (`UnitOfWork.notify`: no domain event causes it, e.g. a Stripe
 * `customer.created`) is resolved with: whose it is and read access to the store.
 */
export interface OwnNotificationContext {
  merchant: Merchant;
  /** Read access to the store (the provider's own collections too), e.g. its registered endpoints. */
  read: CoreReader;
}

/** The state a domain event is about, so `for` stays pure. */
export interface NotificationContext extends OwnNotificationContext {
  payment: Payment;
  /** Set for refund events. */
  refund: Refund | null;
  /** The simulated buyer's page for a payment (the host's URL), for protocols that link to it. */
  buyerUrl(paymentId: string): string;
}

/** Where a provider wants a notification sent (the host adds `--forward-to` itself). */
export interface NotificationTarget {
  url: string;
  /** A payment's own callback URL (`notify_url`), or an endpoint the merchant registered. */
  kind: 'notify_url' | 'endpoint';
  endpoint_id?: string | null;
}

/** The destination of one delivery, resolved when it is sent (never stored with its secret). */
export interface NotificationDestination {
  url: string;
  kind: 'notify_url' | 'endpoint' | 'forward' | 'listen';
  endpoint_id: string | null;
  /** The registered endpoint's own signing secret, looked up at send time (`endpointSecret`). */
  secret: string | null;
}

export interface NotificationSignOptions {
  /** Unix seconds at send time (from the injected clock, or the real one in scenario replay). */
  timestampSec: number;
  /** A deliberately bad copy (chaos): a signature that does not match, or a stale timestamp. */
  probe?: NotificationProbe | null;
}

/** How a provider notifies merchants: which notifications, where, signed how, acknowledged how. */
export interface ProviderNotifications<C = Record<string, unknown>> {
  /**
   * The notifications one domain event means in this protocol: zero (Alipay says nothing on a refund),
   * one, or several (Stripe's `payment_intent.succeeded` and `charge.succeeded`). Pure.
   */
  for(event: PaycliEvent, ctx: NotificationContext): ProviderNotification[];
  /** Where a notification goes: the payment's notify URL, the provider's registered endpoints, … */
  targets(notification: ProviderNotification, ctx: NotificationContext): NotificationTarget[];
  /**
   * Where one of the provider's own notifications (`UnitOfWork.notify`) goes: there is no payment, so no
   * notify URL; typically the merchant's registered endpoints. Required of a provider that calls `notify`.
   */
  ownTargets?(notification: ProviderNotification, ctx: OwnNotificationContext): NotificationTarget[];
  /** An endpoint's own signing secret, when the protocol has per-endpoint secrets (looked up at send time). */
  endpointSecret?(endpointId: string, read: CoreReader): string | null;
  /** The exact headers and bytes of one attempt; credentials are looked up when it is sent. */
  sign(notification: StoredNotification, creds: C, destination: NotificationDestination, opts: NotificationSignOptions): SignedNotification;
  /** The protocol's acknowledgement rule (any 2xx; Alipay: the body `success`; …). */
  isAcknowledged(status: number, body: string): boolean;
  /** Wait before retry n (attempt n failed → wait `[n - 1]`); past the end the delivery has failed. */
  retryScheduleMs: readonly number[];
  /** How long one attempt may take before it counts as failed. */
  timeoutMs: number;
}

/** The notification protocol of a provider by name (undefined: not registered). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ProtocolLookup = (provider: string) => ProviderNotifications<any> | undefined;

export interface NotifierOptions {
  store: Store;
  dispatcher: WebhookDispatcher;
  chaos: ChaosRules;
  protocols: ProtocolLookup;
  /** Every notification is also delivered here. */
  forwardTo: string | null;
  /** The simulated buyer's page for a payment. */
  buyerUrl(paymentId: string): string;
}

/** Turns raised domain events into stored notifications and staged deliveries; the caller commits. */
export class Notifier {
  constructor(private readonly opts: NotifierOptions) {}

  /**
   * Stores a provider's own notification (no domain event behind it: it stands for itself, so its
   * `event_id` is its own id) and hands it to the dispatcher per destination: the protocol's `ownTargets`,
   * then --forward-to, each with the chaos rules that apply to every event. Returns the notification as
   * stored. Unlike a domain event's notifications, which the event can always mean again, it is stored
   * even when it goes nowhere now: it is the event itself, which `paycli events` shows and resends and
   * `listen` replays. The caller commits.
   */
  notify(provider: string, merchant: Merchant, notification: ProviderNotification, nowMs: number): StoredNotification {
    const protocol = this.opts.protocols(provider);
    if (!protocol?.ownTargets) {
      throw new PaycliError('internal_error', `Provider ${provider} raised notification ${notification.id} but says nowhere to send its own notifications (ownTargets).`);
    }
    if (this.opts.store.get('notifications', notification.id)) {
      throw new PaycliError('internal_error', `A notification ${notification.id} exists already; each needs a new id.`);
    }
    // Placed in the timeline right after the newest domain event (one this unit staged included).
    const after = this.opts.store.live<PaycliEvent>('events').at(-1)?.id ?? null;
    const stored: OwnNotification = { id: notification.id, type: notification.type, payload: notification.payload, provider, merchant_id: merchant.id, event_id: notification.id, created: nowMs, after_event: after };
    this.opts.store.put('notifications', stored);
    const subject = { type: notification.type, notification_type: notification.type, payment_id: null, merchant_order_id: null };
    for (const target of this.ownTargets(protocol, stored, merchant)) this.opts.dispatcher.enqueue(stored, target, this.opts.chaos.takeFor(subject, target.kind));
    return stored;
  }

  /**
   * Sends a provider's own notification again (same id): to `url` (signed as for --forward-to), or to the
   * destinations it has now (`ownTargets`, --forward-to). Returns how many deliveries were staged.
   */
  resendOwn(stored: StoredNotification, merchant: Merchant, url?: string, opts: { retry?: boolean } = {}): number {
    const protocol = this.opts.protocols(stored.provider);
    if (!protocol?.ownTargets) return 0;
    const to: DeliveryTarget[] = url ? [{ url, kind: 'forward' }] : this.ownTargets(protocol, stored, merchant);
    for (const target of to) this.opts.dispatcher.resend(stored.id, target, opts);
    return to.length;
  }

  private ownTargets(protocol: NonNullable<ReturnType<ProtocolLookup>>, n: ProviderNotification, merchant: Merchant): DeliveryTarget[] {
    const targets: DeliveryTarget[] = protocol.ownTargets!(n, { merchant, read: this.opts.store }).map((t) => ({ url: t.url, kind: t.kind, endpoint_id: t.endpoint_id ?? null }));
    if (this.opts.forwardTo) targets.push({ url: this.opts.forwardTo, kind: 'forward' });
    return targets;
  }

  /** The notifications of one event (stored), each handed to the dispatcher per destination. */
  raise(event: PaycliEvent): void {
    const planned = this.plan(event);
    if (!planned) return;
    for (const { notification, targets } of planned) {
      if (targets.length === 0) continue;
      const stored = this.store(event, notification, planned.provider);
      for (const target of targets) this.opts.dispatcher.enqueue(stored, target, this.opts.chaos.take(event, target.kind, notification.type));
    }
  }

  /**
   * Sends an event's notifications again (same notification ids): to `url` (signed as for --forward-to),
   * or to each of their destinations. `retry: false` makes each a single attempt (see the dispatcher).
   * `only` names one of them: that one alone is sent (a Stripe `evt_…` resent is that event, not every
   * event its domain event means). Returns how many deliveries were staged.
   */
  resend(event: PaycliEvent, url?: string, opts: { retry?: boolean; only?: string } = {}): number {
    const planned = this.plan(event);
    if (!planned) return 0;
    let count = 0;
    for (const { notification, targets } of planned) {
      if (opts.only !== undefined && notification.id !== opts.only) continue;
      const stored = this.opts.store.get<StoredNotification>('notifications', notification.id) ?? this.store(event, notification, planned.provider);
      const to: DeliveryTarget[] = url ? [{ url, kind: 'forward' }] : targets;
      for (const target of to) {
        this.opts.dispatcher.resend(stored.id, target, { retry: opts.retry });
        count++;
      }
    }
    return count;
  }

  /** The notifications an event means in its payment's provider, whether or not anyone is notified. */
  notificationsOf(event: PaycliEvent): { provider: string; notification: ProviderNotification }[] {
    const planned = this.plan(event);
    return planned ? planned.map((p) => ({ provider: planned.provider, notification: p.notification })) : [];
  }

  /**
   * Brings a delivery written before deliveries named their provider and notification (and carried their
   * signing secret) up to date: its notification is the one its event means in its payment's provider
   * (the native event itself, for every such delivery), stored now; the secret is dropped, as the signer
   * looks credentials up. Returns false when the event is gone (the dispatcher then records the failure).
   */
  adoptLegacy(delivery: Delivery): boolean {
    const legacy = delivery as Delivery & { secret?: string };
    if (legacy.notification_id !== undefined && legacy.secret === undefined) return true;
    const event = this.opts.store.get<PaycliEvent>('events', delivery.event_id);
    const planned = event ? this.plan(event) : null;
    const notification = planned?.find((p) => p.notification.id === delivery.event_id)?.notification ?? planned?.[0]?.notification;
    if (!event || !planned || !notification) return false;
    if (!this.opts.store.get('notifications', notification.id)) this.store(event, notification, planned.provider);
    const { secret: _secret, ...rest } = legacy;
    this.opts.store.put<Delivery>('deliveries', { ...rest, provider: planned.provider, notification_id: notification.id });
    return true;
  }

  private plan(event: PaycliEvent) {
    const { store } = this.opts;
    const merchant = store.get<Merchant>('merchants', event.merchant_id);
    if (!merchant) return null;
    const refund = isRefundEvent(event) ? event.data.object : null;
    // The payment as the event saw it, or (for a refund) as it is now.
    const payment = isRefundEvent(event) ? store.get<Payment>('payments', event.data.object.payment_id) : event.data.object;
    if (!payment) return null;
    const provider = payment.provider ?? 'paycli';
    const protocol = this.opts.protocols(provider);
    if (!protocol) return null;
    const ctx: NotificationContext = { payment, refund, merchant, read: store, buyerUrl: this.opts.buyerUrl };
    const planned = protocol.for(event, ctx).map((notification) => {
      const targets: DeliveryTarget[] = protocol.targets(notification, ctx).map((t) => ({ url: t.url, kind: t.kind, endpoint_id: t.endpoint_id ?? null }));
      if (this.opts.forwardTo) targets.push({ url: this.opts.forwardTo, kind: 'forward' });
      return { notification, targets };
    });
    return Object.assign(planned, { provider });
  }

  private store(event: PaycliEvent, n: ProviderNotification, provider: string): StoredNotification {
    const stored: StoredNotification = { id: n.id, type: n.type, payload: n.payload, provider, merchant_id: event.merchant_id, event_id: event.id, created: event.created * 1000 };
    this.opts.store.put('notifications', stored);
    return stored;
  }
}

export interface DeliverySignerOptions {
  store: Store;
  protocols: ProtocolLookup;
  credentials: CredentialStore;
  /** The clock for signature timestamps, when not the dispatcher's (scenario replay signs with the real one). */
  signatureClock?: Clock;
  /** Overrides every protocol's acknowledgement rule (a scenario modelling "answer exactly `success`"). */
  isAcknowledged?: (status: number, body: string) => boolean;
}

/** The signer the sandbox uses: per delivery, its provider's protocol and that provider's current credentials. */
export function providerSigner(opts: DeliverySignerOptions): DeliverySigner {
  const protocolOf = (d: Delivery) => {
    const p = opts.protocols(d.provider);
    if (!p) throw new PaycliError('internal_error', `No provider "${d.provider}" is registered to sign delivery ${d.id}.`);
    return p;
  };
  return {
    sign(d, notification, signOpts) {
      const protocol = protocolOf(d);
      const merchant = opts.store.get<Merchant>('merchants', d.merchant_id);
      if (!merchant) throw new PaycliError('resource_missing', `merchant ${d.merchant_id} is no longer in the store`);
      const creds = opts.credentials.get(d.provider, merchant);
      const secret = d.endpoint_id && protocol.endpointSecret ? protocol.endpointSecret(d.endpoint_id, opts.store) : null;
      const destination: NotificationDestination = { url: d.url, kind: d.kind, endpoint_id: d.endpoint_id, secret };
      const timestampSec = opts.signatureClock ? Math.floor(opts.signatureClock.now() / 1000) : signOpts.timestampSec;
      return protocol.sign(notification, creds, destination, { ...signOpts, timestampSec });
    },
    isAcknowledged: (d, status, body) => (opts.isAcknowledged ?? protocolOf(d).isAcknowledged)(status, body),
    retryScheduleMs: (d) => protocolOf(d).retryScheduleMs,
    timeoutMs: (d) => protocolOf(d).timeoutMs,
  };
}
