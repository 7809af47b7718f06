/**
 * Which events and refunds belong to each payment, kept as ids in creation order, so that
 * `GET /v1/events?payment_id=` and `GET /v1/refunds?payment_id=` read a payment's few documents instead
 * of scanning every event or refund (hundreds of thousands in a long-lived sandbox).
 */
import { paymentIdOf } from '../engine/events.js';
import type { PaycliEvent, Refund } from '../engine/types.js';
import type { Store } from '../store/store.js';

export { paymentIdOf };

/** Per-payment indexes of events and refunds; the caller adds every new one. */
export class PaymentRelations {
  private readonly events = new Map<string, string[]>();
  private readonly refunds = new Map<string, string[]>();

  /** Rebuilds both indexes from the store (on open and after a reset). */
  rebuild(store: Store): void {
    this.events.clear();
    this.refunds.clear();
    for (const e of store.live<PaycliEvent>('events')) this.addEvent(e);
    for (const r of store.live<Refund>('refunds')) this.addRefund(r);
  }

  addEvent(event: PaycliEvent): void {
    add(this.events, paymentIdOf(event), event.id);
  }

  addRefund(refund: Refund): void {
    add(this.refunds, refund.payment_id, refund.id);
  }

  /** The payment's events, oldest first. */
  eventsOf(store: Store, paymentId: string): PaycliEvent[] {
    return byIds<PaycliEvent>(store, 'events', this.events.get(paymentId));
  }

  /** The payment's refunds, oldest first. */
  refundsOf(store: Store, paymentId: string): Refund[] {
    return byIds<Refund>(store, 'refunds', this.refunds.get(paymentId));
  }
}

function add(index: Map<string, string[]>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) index.set(key, [id]);
  else if (ids[ids.length - 1] !== id) ids.push(id); // the same event may be stored twice (resend)
}

function byIds<T extends { id: string }>(store: Store, collection: 'events' | 'refunds', ids: readonly string[] = []): T[] {
  const docs: T[] = [];
  for (const id of ids) {
    const doc = store.get<T>(collection, id);
    if (doc) docs.push(doc);
  }
  return docs;
}
