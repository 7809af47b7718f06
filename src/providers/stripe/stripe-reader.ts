/**
 * The Stripe provider's reads over the sandbox core's store: its own documents, the domain payments and
 * refunds, and its events (those of domain changes, stored by the core as notifications, and those of its
 * own objects, stored in `stripe_events`).
 */
import type { CoreReader } from '../../core/notifications.js';
import type { Merchant, Payment, Refund } from '../../engine/types.js';
import type { StoredNotification } from '../../webhooks/delivery.js';
import { COLLECTIONS, type OwnEventRef, type StripeEventDoc, type StripeReader } from './stripe-state.js';

export const STRIPE = 'stripe';

/** The reads the provider needs: a CoreReader or a unit of work. */
type Reads = Pick<CoreReader, 'get' | 'list'>;

/**
 * Own events that a data file written by an earlier version left waiting for the merchant's next payment
 * event to carry them (own events are now sent as they happen): they go out with that event still.
 */
export function legacyWaitingEvents(read: Reads, merchantId: string): StripeEventDoc[] {
  const pending = read.get<PendingOwnEvents>(COLLECTIONS.pendingEvents, merchantId);
  if (!pending) return [];
  return pending.event_ids
    .filter((id) => !read.get('notifications', id))
    .map((id) => storedEvent(read, id))
    .filter((e): e is StripeEventDoc => !!e);
}

/** A document of `stripe_events` as the event it stands for (an own event's is its notification's payload). */
function eventOf(read: Reads, doc: StripeEventDoc | OwnEventRef): StripeEventDoc | undefined {
  if (!('in_notification' in doc)) return doc;
  const n = read.get<StoredNotification>('notifications', doc.id);
  return n ? { ...(n.payload as Omit<StripeEventDoc, 'merchant_id'>), merchant_id: doc.merchant_id } : undefined;
}

function storedEvent(read: Reads, id: string): StripeEventDoc | undefined {
  const doc = read.get<StripeEventDoc | OwnEventRef>(COLLECTIONS.events, id);
  return doc && eventOf(read, doc);
}

/** Ids of a merchant's own events waiting for a notification to carry them (data files of earlier versions). */
export interface PendingOwnEvents {
  /** The merchant id. */
  id: string;
  event_ids: string[];
}

export function stripeReader(read: Reads, merchant: Merchant, nowMs: number): StripeReader {
  return {
    merchant,
    nowMs,
    get: (c, id) => read.get(c, id),
    list: <T extends { id: string }>(c: Parameters<StripeReader['list']>[0]) => [...read.list<T>(c)],
    payment: (id) => read.get<Payment>('payments', id),
    refund(id) {
      // Only refunds of payments made through Stripe: the native API's are not Stripe objects.
      const own = read.get<Refund>('refunds', id);
      return own && read.get<Payment>('payments', own.payment_id)?.provider === STRIPE ? own : undefined;
    },
    refundsOf: (paymentId) => read.list<Refund>('refunds').filter((r) => r.payment_id === paymentId),
    refunds: () => read.list<Refund>('refunds').filter((r) => r.merchant_id === merchant.id && read.get<Payment>('payments', r.payment_id)?.provider === STRIPE),
    notified: (id) => read.get('notifications', id) !== undefined,
    events() {
      // Events raised inside the provider's units of work are stored in `stripe_events` in the order they
      // happened; those of changes made elsewhere (the control API's buyer, expiry timers) only as the
      // notifications the core stored for an endpoint. Merged by time, each source keeping its order.
      const out: StripeEventDoc[] = [];
      for (const doc of read.list<StripeEventDoc | OwnEventRef>(COLLECTIONS.events)) {
        const e = doc.merchant_id === merchant.id ? eventOf(read, doc) : undefined;
        if (e) out.push(e);
      }
      const seen = new Set(out.map((e) => e.id));
      for (const n of read.list<StoredNotification>('notifications')) {
        if (n.provider !== STRIPE || n.merchant_id !== merchant.id || seen.has(n.id)) continue;
        seen.add(n.id);
        out.push({ ...(n.payload as Omit<StripeEventDoc, 'merchant_id'>), merchant_id: merchant.id });
      }
      return out.map((e, i) => ({ e, i })).sort((a, b) => a.e.created - b.e.created || a.i - b.i).map(({ e }) => e);
    },
  };
}
