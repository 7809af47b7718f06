/**
 * The sandbox's events as a developer meets them: the domain events (a payment succeeded, a refund failed)
 * and the notifications a provider raises itself, which no domain event causes (a Stripe `customer.created`,
 * `checkout.session.expired`: `UnitOfWork.notify`). Each is one "event" with an id a receiver sees, and they
 * form one timeline in the order they happened, which the control API (`paycli events`) lists and `listen`
 * replays after a reconnect.
 *
 * A provider's own notification is stored as it is raised (`notifications`, its `event_id` being its own
 * id), with the newest domain event at that moment (`after_event`), so the timeline places it exactly even
 * when both come from one request (a Stripe customer created, then an intent confirmed for it).
 */
import type { PaycliEvent } from '../engine/types.js';
import type { StoredNotification } from '../webhooks/delivery.js';

/** A provider's own notification as stored. */
export interface OwnNotification extends StoredNotification {
  /**
   * The newest domain event when it was raised (null: there was none), which it follows in the timeline.
   * Absent in data files of earlier versions: those are placed by their time.
   */
  after_event?: string | null;
}

/** One entry of the timeline: a domain event, or a provider's own notification standing for itself. */
export type SandboxEvent =
  | { kind: 'event'; id: string; merchant_id: string; /** Unix seconds. */ created: number; event: PaycliEvent }
  | { kind: 'notification'; id: string; merchant_id: string; /** Unix seconds. */ created: number; notification: OwnNotification };

export function domainEntry(event: PaycliEvent): SandboxEvent {
  return { kind: 'event', id: event.id, merchant_id: event.merchant_id, created: event.created, event };
}

export function ownEntry(notification: OwnNotification): SandboxEvent {
  return { kind: 'notification', id: notification.id, merchant_id: notification.merchant_id, created: Math.floor(notification.created / 1000), notification };
}

/**
 * Whether a stored notification is a provider's own (no domain event behind it). A domain event's
 * notification names that event; the native one even shares its id, but then the event exists.
 */
export function isOwnNotification(n: StoredNotification, hasEvent: (id: string) => boolean): boolean {
  return n.event_id === n.id && !hasEvent(n.id);
}

/**
 * Domain events and providers' own notifications in the order they happened (oldest first), for one
 * merchant or all. `events` and `notifications` are the collections in insertion order.
 */
export function mergeTimeline(
  events: readonly PaycliEvent[],
  notifications: readonly StoredNotification[],
  hasEvent: (id: string) => boolean,
  merchantId?: string,
): SandboxEvent[] {
  const first: OwnNotification[] = [];
  const after = new Map<string, OwnNotification[]>();
  // Those stored before notifications named the event they follow, or following an event now gone.
  const byTime: OwnNotification[] = [];
  for (const n of notifications as readonly OwnNotification[]) {
    if ((merchantId !== undefined && n.merchant_id !== merchantId) || !isOwnNotification(n, hasEvent)) continue;
    if (n.after_event === null) first.push(n);
    else if (n.after_event !== undefined && hasEvent(n.after_event)) {
      const list = after.get(n.after_event);
      if (list) list.push(n);
      else after.set(n.after_event, [n]);
    } else byTime.push(n);
  }
  const out: SandboxEvent[] = first.map(ownEntry);
  let t = 0;
  for (const e of events) {
    // Event times are whole seconds: an untold notification goes before the first event of a later second.
    while (t < byTime.length && byTime[t]!.created < e.created * 1000) out.push(ownEntry(byTime[t++]!));
    if (merchantId === undefined || e.merchant_id === merchantId) out.push(domainEntry(e));
    for (const n of after.get(e.id) ?? []) out.push(ownEntry(n));
  }
  while (t < byTime.length) out.push(ownEntry(byTime[t++]!));
  return out;
}
