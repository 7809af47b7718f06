/**
 * Tells the open `listen` streams that an event was resent, so `paycli listen` forwards it again with the
 * same id, as it reaches any other destination. A resend is not a new event, so the streams' event
 * subscription never sees it; whoever resends (the control API, the dashboard) announces it here. The
 * event is a domain event or a provider's own notification (a Stripe `customer.created`), as the core's
 * timeline holds them; a resend of one of a domain event's notifications (a Stripe `evt_…a`) names it, and
 * the streams send that notification alone.
 */
import type { SandboxEvent } from '../core/event-timeline.js';

/** The notification resent alone (one of the event's), or null: every notification the event means. */
export type ResentOnly = string | null;

interface Subscriber {
  merchantId: string;
  send(event: SandboxEvent, only: ResentOnly): void;
}

export class ResendNotifier {
  private readonly subscribers = new Set<Subscriber>();

  /** Subscribes a stream of one merchant's events; returns the unsubscribe function. */
  subscribe(merchantId: string, send: (event: SandboxEvent, only: ResentOnly) => void): () => void {
    const s: Subscriber = { merchantId, send };
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  /** Announces a resent event to its merchant's streams; returns how many took it. */
  announce(event: SandboxEvent, only: ResentOnly = null): number {
    let taken = 0;
    for (const s of this.subscribers) {
      if (s.merchantId !== event.merchant_id) continue;
      s.send(event, only);
      taken++;
    }
    return taken;
  }
}

/**
 * One notifier per sandbox (keyed by its payment service), so a resend from the dashboard reaches the
 * `listen` streams the control API serves, as one from `paycli events resend` does.
 */
const notifiers = new WeakMap<object, ResendNotifier>();
export function resendNotifierOf(service: object): ResendNotifier {
  let n = notifiers.get(service);
  if (!n) notifiers.set(service, (n = new ResendNotifier()));
  return n;
}
