/**
 * The Stripe events one request raises, in order. Events of the provider's own objects are rendered when
 * they happen (a `payment_intent.created` shows the intent as created, even when `confirm=true` moves it
 * on in the same request); domain events are rendered once the operation is complete.
 */
import type { PaycliEvent } from '../../engine/types.js';
import { stripeEventsFor, type PendingEvent } from './stripe-events.js';
import type { WireContext } from './wire-objects.js';

type Item = { kind: 'now'; event: PendingEvent } | { kind: 'domain'; events: PaycliEvent[] };

export class Outbox {
  private readonly items: Item[] = [];

  add(event: PendingEvent): void {
    this.items.push({ kind: 'now', event });
  }

  domain(events: PaycliEvent[]): void {
    if (events.length > 0) this.items.push({ kind: 'domain', events });
  }

  render(ctx: WireContext): PendingEvent[] {
    const out: PendingEvent[] = [];
    for (const item of this.items) {
      if (item.kind === 'now') out.push(item.event);
      else for (const e of item.events) out.push(...stripeEventsFor(ctx, e, item.events));
    }
    return out;
  }
}
