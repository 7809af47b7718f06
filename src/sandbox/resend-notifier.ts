/**
 * Tells the open `listen` streams that an event was resent, so `paycli listen` forwards it again with the
 * same id, as it reaches any other destination. A resend is not a new event, so the streams' event
 * subscription never sees it; the resend route announces it here. The event is a domain event or a
 * provider's own notification (a Stripe `customer.created`), as the core's timeline holds them.
 */
import type { SandboxEvent } from '../core/event-timeline.js';

interface Subscriber {
  merchantId: string;
  send(event: SandboxEvent): void;
}

export class ResendNotifier {
  private readonly subscribers = new Set<Subscriber>();

  /** Subscribes a stream of one merchant's events; returns the unsubscribe function. */
  subscribe(merchantId: string, send: (event: SandboxEvent) => void): () => void {
    const s: Subscriber = { merchantId, send };
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  /** Announces a resent event to its merchant's streams; returns how many took it. */
  announce(event: SandboxEvent): number {
    let taken = 0;
    for (const s of this.subscribers) {
      if (s.merchantId !== event.merchant_id) continue;
      s.send(event);
      taken++;
    }
    return taken;
  }
}
