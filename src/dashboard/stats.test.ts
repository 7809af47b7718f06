import { describe, expect, it } from 'vitest';
import type { Payment } from '../engine/types.js';
import type { Delivery, DeliveryAttempt } from '../webhooks/delivery.js';
import { PaymentStats, type StatsSource } from './stats.js';

const HOUR = 3600;
const T0 = Date.UTC(2026, 2, 15, 0, 0, 0) / 1000;

function payment(id: string, fields: Partial<Payment> & { provider?: string } = {}): Payment {
  return {
    id,
    merchant_id: 'mch_1',
    merchant_order_id: `order_${id}`,
    amount: 1000,
    currency: 'USD',
    status: 'succeeded',
    capture_method: 'automatic',
    amount_captured: 1000,
    amount_refunded: 0,
    fee: 59,
    payment_method: { type: 'card', card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034, test_behaviour: 'success' } },
    description: null,
    notify_url: null,
    return_url: null,
    metadata: {},
    failure_code: null,
    failure_message: null,
    buyer_action: null,
    cancellation_reason: null,
    expires_at: null,
    created: T0,
    captured_at: T0,
    canceled_at: null,
    ...fields,
  } as Payment;
}

const attempt = (at: number, status: number | null, latency: number, acknowledged: boolean): DeliveryAttempt => ({
  number: 1,
  at: at * 1000,
  status,
  latency_ms: latency,
  error: status === null ? 'ECONNREFUSED' : null,
  response_excerpt: '',
  acknowledged,
  simulated: false,
});

function delivery(id: string, status: Delivery['status'], attempts: DeliveryAttempt[], probe: Delivery['probe'] = null): Delivery {
  return { id, object: 'delivery', merchant_id: 'mch_1', provider: 'paycli', notification_id: `ntf_${id}`, event_id: `evt_${id}`, event_type: 'payment.succeeded', url: 'http://127.0.0.1:1/', kind: 'notify_url', endpoint_id: null, status, probe, attempts, next_attempt_at: null, created: T0 * 1000, fail_first: 0 };
}

/** A source over plain arrays (the store's role), which a test changes as the sandbox would. */
function source(payments: Payment[], deliveries: Delivery[]): StatsSource {
  return {
    payments: () => payments,
    deliveries: () => deliveries,
    paymentCount: () => payments.length,
    deliveryCount: () => deliveries.length,
    paymentOfEvent: (eventId) => payments.find((p) => `evt_${p.id}` === eventId),
  };
}

const declined = (id: string, code: string, created = T0) => payment(id, { status: 'failed', amount_captured: 0, fee: 0, failure_code: code, created, captured_at: null });

describe('PaymentStats', () => {
  it('computes the figures by their definitions', () => {
    const payments = [
      payment('a'),
      payment('b', { amount_refunded: 400 }),
      payment('c', { status: 'requires_capture', amount_captured: 0 }),
      declined('d', 'card_declined'),
      declined('e', 'insufficient_funds'),
      declined('f', 'card_declined'),
      payment('g', { status: 'pending', amount_captured: 0, payment_method: { type: 'wallet', wallet: 'alipay' } }),
      payment('h', { status: 'canceled', amount_captured: 0, currency: 'EUR' }),
    ];
    const deliveries = [
      delivery('a', 'succeeded', [attempt(T0, 200, 10, true)]),
      delivery('b', 'failed', [attempt(T0, 500, 30, false), attempt(T0 + 5, null, 0, false)]),
      delivery('c', 'pending', [attempt(T0, 200, 20, false)]),
      delivery('p', 'succeeded', [attempt(T0, 400, 99, false)], 'tampered'),
    ];
    const s = new PaymentStats(source(payments, deliveries)).query();
    expect(s.payments).toEqual({ total: 8, by_status: { failed: 3, succeeded: 2, canceled: 1, pending: 1, requires_capture: 1 } });
    expect(s.success_rate).toBe(3 / 6);
    expect(s.decline_reasons).toEqual([
      { code: 'card_declined', count: 2 },
      { code: 'insufficient_funds', count: 1 },
    ]);
    expect(s.methods).toEqual([
      { method: 'card', count: 7 },
      { method: 'alipay', count: 1 },
    ]);
    expect(s.amounts).toEqual([{ currency: 'USD', captured: 2000, refunded: 400 }]);
    expect(s.refunds).toEqual({ payments_refunded: 1, refund_rate: 1 / 2 });
    // The probe counts neither as a delivery nor as an attempt.
    expect(s.notifications).toEqual({
      deliveries: 3,
      by_status: { failed: 1, pending: 1, succeeded: 1 },
      success_rate: 1 / 2,
      attempts: 4,
      attempts_answered: 3,
      attempts_acknowledged: 1,
      latency_ms: { mean: 20, p50: 20, p95: 30, max: 30 },
    });
    expect(s.series).toEqual({ interval: 'hour', points: [{ t: T0, payments: 8, succeeded: 3, failed: 3, amount: { USD: 2000 } }] });
  });

  it("counts a provider's own notification (no payment behind it) with the provider that sent it", () => {
    const own: Delivery = { ...delivery('own', 'succeeded', [attempt(T0, 200, 5, true)]), provider: 'stripe', event_type: 'customer.created' };
    const stats = new PaymentStats(source([payment('x', { provider: 'stripe' })], [own]));
    expect(stats.query({ provider: 'stripe' }).notifications).toMatchObject({ deliveries: 1, attempts: 1, attempts_acknowledged: 1 });
    expect(stats.query({ provider: 'paycli' }).notifications).toMatchObject({ deliveries: 0, attempts: 0 });
  });

  it('kept up incrementally, it agrees with a rebuild from the store', () => {
    const payments: Payment[] = [payment('a'), declined('b', 'expired_card')];
    const deliveries: Delivery[] = [];
    const live = new PaymentStats(source(payments, deliveries));
    live.query(); // builds once; from here on only the notifications below keep it current

    const change = (p: Payment) => {
      const i = payments.findIndex((x) => x.id === p.id);
      if (i < 0) payments.push(p);
      else payments[i] = p;
      live.notePayment(p);
    };
    change(payment('c', { status: 'pending', amount_captured: 0, created: T0 + 2 * HOUR, provider: 'alipay' }));
    change(payment('c', { amount_captured: 1000, created: T0 + 2 * HOUR, provider: 'alipay' }));
    change(payment('a', { amount_refunded: 1000 }));
    change(declined('d', 'lost_card', T0 + 5 * HOUR));
    const d = delivery('c', 'pending', []);
    deliveries.push(d);
    live.noteDelivery(d);
    const a1 = attempt(T0 + 2 * HOUR, 503, 40, false);
    deliveries[0] = { ...d, attempts: [a1] };
    live.noteDelivery(deliveries[0], a1);
    const a2 = attempt(T0 + 2 * HOUR + 60, 200, 12, true);
    deliveries[0] = { ...d, status: 'succeeded', attempts: [a1, a2] };
    live.noteDelivery(deliveries[0], a2);

    const rebuilt = new PaymentStats(source(payments, deliveries));
    for (const q of [{}, { since: T0 + HOUR }, { provider: 'alipay' }, { provider: 'paycli', since: T0 + 3 * HOUR }]) {
      expect(live.query(q)).toEqual(rebuilt.query(q));
    }
    expect(live.query({ provider: 'alipay' }).payments.total).toBe(1);
    expect(live.query({ since: T0 + HOUR }).payments.total).toBe(2);
    expect(live.query().providers).toEqual(['alipay', 'paycli']);
    expect(live.query().notifications.latency_ms).toEqual({ mean: 26, p50: 12, p95: 40, max: 40 });
  });

  it('starts over when the store was emptied (a reset)', () => {
    const payments = [payment('a'), payment('b')];
    const stats = new PaymentStats(source(payments, []));
    expect(stats.query().payments.total).toBe(2);
    payments.splice(0);
    expect(stats.query().payments.total).toBe(0);
  });

  it('groups by day when the payments span more than three days', () => {
    const payments = [payment('a'), payment('b', { created: T0 + 5 * 24 * HOUR + 7 * HOUR })];
    const s = new PaymentStats(source(payments, [])).query();
    expect(s.series.interval).toBe('day');
    expect(s.series.points.map((p) => p.t)).toEqual([T0, T0 + 5 * 24 * HOUR]);
  });
});
