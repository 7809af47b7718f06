import { describe, expect, it } from 'vitest';
import type { PaycliEvent } from '../engine/types.js';
import { ChaosRules } from './chaos-rules.js';

const event = { id: 'evt_1', type: 'payment.succeeded', data: { object: { object: 'payment', id: 'pay_1', merchant_order_id: 'o1' } } } as unknown as PaycliEvent;

describe('chaos rules', () => {
  it("match the domain event's type by default, and the provider's notification type when told to", () => {
    const rules = new ChaosRules();
    rules.add({ events: ['payment_intent.*'], match: 'notification', chaos: { drop: true }, remaining: null });
    rules.add({ events: ['payment.succeeded'], chaos: { duplicates: 1 }, remaining: null });
    expect(rules.take(event, 'forward', 'payment_intent.succeeded')).toEqual({ drop: true });
    // charge.succeeded is another notification of the same domain event: only the domain rule applies.
    expect(rules.take(event, 'forward', 'charge.succeeded')).toEqual({ duplicates: 1 });
    expect(rules.take(event, 'notify_url')).toEqual({ duplicates: 1 });
  });

  it('a notification-type rule never matches on the domain type', () => {
    const rules = new ChaosRules();
    rules.add({ events: ['payment.succeeded'], match: 'notification', chaos: { drop: true }, remaining: 1 });
    expect(rules.take(event, 'notify_url', 'TRADE_SUCCESS')).toBeUndefined();
    expect(rules.list()).toHaveLength(1);
  });
});
