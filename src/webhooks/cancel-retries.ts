/**
 * Cancelling the pending retries of an event's deliveries (`paycli events cancel-retries`, the control
 * API): each pending delivery becomes `canceled` in the store, which is the dispatcher's source of truth.
 * A scheduled attempt that fires later finds the delivery no longer pending and does nothing, and
 * `resume()` after a restart skips it, so nothing needs to reach into the dispatcher's timers.
 */
import type { Store } from '../store/store.js';
import type { Delivery } from './delivery.js';

/**
 * Stages the cancellation of every pending delivery of `eventId` for `merchantId`; the caller commits.
 * Returns the deliveries as cancelled.
 *
 * @example
 * const canceled = cancelPendingRetries(store, merchant.id, 'evt_123'); await store.commit();
 */
export function cancelPendingRetries(store: Store, merchantId: string, eventId: string): Delivery[] {
  const canceled: Delivery[] = [];
  for (const d of store.list<Delivery>('deliveries')) {
    if (d.event_id !== eventId || d.merchant_id !== merchantId || d.status !== 'pending') continue;
    const updated: Delivery = { ...d, status: 'canceled', next_attempt_at: null };
    store.put('deliveries', updated);
    canceled.push(updated);
  }
  return canceled;
}
