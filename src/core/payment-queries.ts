/**
 * The read side of the payment core: looking payments, refunds, events and webhook endpoints up for a
 * merchant (a 404 `resource_missing` naming the field otherwise), the native API's lists, a payment's
 * history and the settlement report. `PaymentService` (the write side) extends it, so callers read and
 * write through one object; the indexes it reads (orders, relations) are the ones the writes maintain.
 */
import { PaycliError } from '../errors.js';
import { eventMatches, paymentIdOf } from '../engine/events.js';
import { settlementReport, utcDayRange, type SettlementReport } from '../engine/settlement.js';
import type { Merchant, Payment, PaycliEvent, Refund, WebhookEndpoint } from '../engine/types.js';
import type { Store } from '../store/store.js';
import type { StoredNotification } from '../webhooks/delivery.js';
import { domainEntry, isOwnNotification, mergeTimeline, ownEntry, type SandboxEvent } from './event-timeline.js';
import type { OrderIndex } from './order-index.js';
import { paginate, type Page } from './pagination.js';
import type { PaymentRelations } from './payment-relations.js';

/** How many of the newest events `findEvent` searches for a notification id that was never stored. */
export const UNSTORED_NOTIFICATION_SCAN = 10_000;

/** A registered identifier of a payment (`payment_refs`): a provider's id the merchant holds. */
export interface PaymentRef {
  id: string;
  payment_id: string;
  provider: string;
}

export class PaymentQueries {
  constructor(
    protected readonly store: Store,
    protected readonly orders: OrderIndex,
    protected readonly related: PaymentRelations,
  ) {}

  getPayment(merchant: Merchant, id: string): Payment {
    const p = this.store.get<Payment>('payments', id);
    if (!p || p.merchant_id !== merchant.id) throw notFound('payment', id);
    return p;
  }

  /** Looks a payment up for the simulated buyer and the control API, whoever its merchant is. */
  findPayment(id: string): Payment {
    const p = this.store.get<Payment>('payments', id);
    if (!p) throw notFound('payment', id);
    return p;
  }

  /**
   * The payment a merchant-held identifier names: the paycli id, an id a provider registered (`addRef`:
   * a Stripe `pi_…`, an Alipay `trade_no`), or a merchant order number (the latest payment with it).
   */
  findByRef(ref: string): Payment {
    const direct = this.store.get<Payment>('payments', ref);
    if (direct) return direct;
    const registered = this.store.get<PaymentRef>('payment_refs', ref);
    const byOrder = registered?.payment_id ?? this.orders.anyWith(ref);
    const p = byOrder ? this.store.get<Payment>('payments', byOrder) : undefined;
    if (!p) {
      throw new PaycliError('resource_missing', `No payment is known as "${ref}".`, {
        param: 'ref',
        hint: 'Use the paycli payment id, a provider payment or trade id, or the merchant order number.',
      });
    }
    return p;
  }

  /** The native API's payments (those made through other providers are theirs to show). */
  listPayments(merchant: Merchant, q: { limit?: number; starting_after?: string; merchant_order_id?: string; status?: string }): Page<Payment> {
    if (q.merchant_order_id !== undefined) {
      const id = this.orders.get('paycli', merchant.id, q.merchant_order_id);
      const p = id ? this.store.get<Payment>('payments', id) : undefined;
      const data = p && (!q.status || p.status === q.status) ? [p] : [];
      return { object: 'list', data, has_more: false, next_cursor: null };
    }
    return paginate(this.store.live<Payment>('payments'), q, (p) => p.merchant_id === merchant.id && isNative(p) && (!q.status || p.status === q.status));
  }

  // --- refunds ---

  getRefund(merchant: Merchant, id: string): Refund {
    const r = this.store.get<Refund>('refunds', id);
    if (!r || r.merchant_id !== merchant.id) throw notFound('refund', id);
    return r;
  }

  /** The native API's refunds: those of native payments (other providers show theirs in their own shape). */
  listRefunds(merchant: Merchant, q: { limit?: number; starting_after?: string; payment_id?: string }): Page<Refund> {
    const refunds = q.payment_id ? this.related.refundsOf(this.store, q.payment_id) : this.store.live<Refund>('refunds');
    return paginate(refunds, q, (r) => r.merchant_id === merchant.id && (!q.payment_id || r.payment_id === q.payment_id) && this.ofNativePayment(r.payment_id));
  }

  /** A payment's refunds and events, oldest first, whichever provider it came through (the dashboard's view). */
  historyOf(payment: Payment): { refunds: Refund[]; events: PaycliEvent[] } {
    return { refunds: this.related.refundsOf(this.store, payment.id), events: this.related.eventsOf(this.store, payment.id) };
  }

  /** Whether a refund's or an event's payment is a native one; records of a vanished payment stay visible. */
  protected ofNativePayment(paymentId: string): boolean {
    const p = this.store.get<Payment>('payments', paymentId);
    return !p || isNative(p);
  }

  // --- events ---

  getEvent(merchant: Merchant, id: string): PaycliEvent {
    const e = this.store.get<PaycliEvent>('events', id);
    if (!e || e.merchant_id !== merchant.id) throw notFound('event', id);
    return e;
  }

  /**
   * An event as the sandbox shows it, by its id or one of its notifications' ids (an Alipay `notify_id`, a
   * Stripe `evt_…`): a domain event, or a provider's own notification (a Stripe `customer.created`), which
   * stands for itself. 404 `resource_missing` naming `id` otherwise.
   */
  findEvent(merchant: Merchant, id: string): SandboxEvent {
    const direct = this.store.get<PaycliEvent>('events', id);
    const notification = direct ? undefined : this.store.get<StoredNotification>('notifications', id);
    const event = direct ?? (notification ? this.store.get<PaycliEvent>('events', notification.event_id) : undefined) ?? (notification ? undefined : this.eventMeaning(merchant, id));
    const hasEvent = (eventId: string) => this.store.get('events', eventId) !== undefined;
    const found = event ? domainEntry(event) : notification && isOwnNotification(notification, hasEvent) ? ownEntry(notification) : undefined;
    if (!found || found.merchant_id !== merchant.id) {
      throw new PaycliError('resource_missing', `No such event: ${id}`, { param: 'id', hint: 'Use an event id (evt_…) or a notification id, as `paycli events list` shows them.' });
    }
    return found;
  }

  /**
   * The domain event one of whose notifications has this id, when that notification was never stored: an
   * event's notifications are stored when they go somewhere, so one that only `listen` forwarded (or that
   * went nowhere) is found by what each event means, newest first, among the newest
   * `UNSTORED_NOTIFICATION_SCAN` events (the search costs one notification plan per event).
   */
  private eventMeaning(merchant: Merchant, id: string): PaycliEvent | undefined {
    const events = this.store.live<PaycliEvent>('events');
    for (let i = events.length - 1, seen = 0; i >= 0 && seen < UNSTORED_NOTIFICATION_SCAN; i--, seen++) {
      const e = events[i]!;
      if (e.merchant_id === merchant.id && this.notificationIdsOf(e).includes(id)) return e;
    }
    return undefined;
  }

  /** The ids of the notifications an event means in its payment's provider (the write side knows them). */
  protected notificationIdsOf(_event: PaycliEvent): string[] {
    return [];
  }

  /**
   * Every event in the order it happened, oldest first: the domain events and the providers' own
   * notifications (see event-timeline.ts), of one merchant or of all.
   */
  timeline(merchantId?: string): SandboxEvent[] {
    return mergeTimeline(this.store.live<PaycliEvent>('events'), this.store.live<StoredNotification>('notifications'), (id) => this.store.get('events', id) !== undefined, merchantId);
  }

  /** The native API's events: those about native payments and their refunds. */
  listEvents(merchant: Merchant, q: { limit?: number; starting_after?: string; type?: string; payment_id?: string }): Page<PaycliEvent> {
    const events = q.payment_id ? this.related.eventsOf(this.store, q.payment_id) : this.store.live<PaycliEvent>('events');
    return paginate(events, q, (e) => {
      if (e.merchant_id !== merchant.id) return false;
      if (!this.ofNativePayment(paymentIdOf(e))) return false;
      if (q.type && !eventMatches([q.type], e.type)) return false;
      if (q.payment_id) return paymentIdOf(e) === q.payment_id;
      return true;
    });
  }

  // --- webhook endpoints ---

  getEndpoint(merchant: Merchant, id: string): WebhookEndpoint {
    const e = this.store.get<WebhookEndpoint>('webhook_endpoints', id);
    if (!e || e.merchant_id !== merchant.id) throw notFound('webhook_endpoint', id);
    return e;
  }

  listEndpoints(merchant: Merchant): WebhookEndpoint[] {
    return this.store.list<WebhookEndpoint>('webhook_endpoints').filter((e) => e.merchant_id === merchant.id);
  }

  // --- settlement ---

  settlement(merchant: Merchant, date: string): SettlementReport {
    if (!utcDayRange(date)) {
      throw new PaycliError('parameter_invalid', `Invalid date: "${date}" is not a calendar date in YYYY-MM-DD form.`, { param: 'date' });
    }
    const mine = <T extends { merchant_id: string }>(xs: readonly T[]) => xs.filter((x) => x.merchant_id === merchant.id);
    return settlementReport(date, mine(this.store.list<Payment>('payments')), mine(this.store.list<Refund>('refunds')));
  }
}

/** Payments stored before payments recorded their provider are native ones. */
function isNative(p: Payment): boolean {
  return (p.provider ?? 'paycli') === 'paycli';
}

export function notFound(kind: string, id: string, param = 'id'): PaycliError {
  return new PaycliError('resource_missing', `No such ${kind}: ${id}`, { param });
}
