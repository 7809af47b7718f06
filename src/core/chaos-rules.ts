/**
 * Callback chaos armed through the control API (and by the scenario runner): the next notifications that
 * match a rule are delayed, duplicated, dropped, failed first or sent with a bad signature.
 */
import { eventMatches, paymentIdOf } from '../engine/events.js';
import type { PaycliEvent } from '../engine/types.js';
import type { DeliveryChaos } from '../webhooks/delivery.js';

export interface ChaosRule {
  id: string;
  /** Event types the rule applies to (`*`, exact, or `payment.*`). */
  events: string[];
  /**
   * What `events` names: the domain event's type (default), or the provider's notification type
   * (`payment_intent.succeeded`, `TRANSACTION.SUCCESS`), as a provider scenario writes them.
   */
  match?: 'event' | 'notification';
  /** Only events about this payment / order, when set. */
  payment_id?: string | null;
  merchant_order_id?: string | null;
  /** Only deliveries of these kinds (e.g. `notify_url`), when set. */
  destinations?: string[] | null;
  chaos: DeliveryChaos;
  /** How many more notifications it applies to; null for all. */
  remaining: number | null;
}

/** What a rule is matched against: a notification's type and the payment it is about, if any. */
export interface ChaosSubject {
  /** The domain event's type; for a provider's own notification (about no domain event), its type. */
  type: string;
  /** The provider's notification type, which rules with `match: 'notification'` name. */
  notification_type: string;
  payment_id: string | null;
  merchant_order_id: string | null;
}

export class ChaosRules {
  private rules: ChaosRule[] = [];
  private seq = 0;

  add(rule: Omit<ChaosRule, 'id'>): ChaosRule {
    const full = { ...rule, id: `chaos_${++this.seq}` };
    this.rules.push(full);
    return full;
  }

  list(): readonly ChaosRule[] {
    return this.rules;
  }

  clear(): void {
    this.rules = [];
  }

  /** Disarms one rule; false when no armed rule has that id (used up or never armed). */
  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  /** The chaos for one delivery of `event` (as the notification `notificationType`), consuming one use of the first matching rule. */
  take(event: PaycliEvent, destination: string, notificationType: string = event.type): DeliveryChaos | undefined {
    const obj = event.data.object;
    return this.takeFor({ type: event.type, notification_type: notificationType, payment_id: paymentIdOf(event), merchant_order_id: obj.merchant_order_id }, destination);
  }

  /**
   * The same for a notification of any type; one about no payment (a provider's own notification, e.g. a
   * Stripe `customer.created`) takes only rules that name no payment or order.
   */
  takeFor(subject: ChaosSubject, destination: string): DeliveryChaos | undefined {
    const rule = this.rules.find(
      (r) =>
        eventMatches(r.events, r.match === 'notification' ? subject.notification_type : subject.type) &&
        (!r.payment_id || r.payment_id === subject.payment_id) &&
        (!r.merchant_order_id || r.merchant_order_id === subject.merchant_order_id) &&
        (!r.destinations || r.destinations.includes(destination)),
    );
    if (!rule) return undefined;
    if (rule.remaining !== null) {
      rule.remaining--;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    }
    return rule.chaos;
  }
}
