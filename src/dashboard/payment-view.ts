/**
 * What the dashboard shows of payments: a filtered page of the list (newest first, paged on the server) and
 * one payment with its refunds, a timeline of its events and notification attempts, every delivery with
 * the exact request and the response, what is scheduled next, and which actions its status allows.
 */
import { settlementReport, type SettlementReport } from '../engine/settlement.js';
import type { Payment, PaycliEvent, Refund } from '../engine/types.js';
import { paginate, type Page } from '../core/pagination.js';
import type { Store } from '../store/store.js';
import { toPublicDelivery, type Delivery, type PublicDelivery } from '../webhooks/delivery.js';
import { methodOf, providerOf } from './stats.js';

export interface PaymentFilter {
  provider?: string;
  status?: string;
  method?: string;
  /** Unix seconds, inclusive. */
  from?: number;
  /** Unix seconds, exclusive. */
  to?: number;
  /** Matches merchant order ids containing this text. */
  order?: string;
  limit?: number;
  starting_after?: string;
}

export interface PaymentRow {
  id: string;
  provider: string;
  merchant_order_id: string;
  amount: number;
  currency: string;
  status: Payment['status'];
  method: string;
  amount_refunded: number;
  failure_code: string | null;
  created: number;
}

export function toRow(p: Payment): PaymentRow {
  return {
    id: p.id,
    provider: providerOf(p),
    merchant_order_id: p.merchant_order_id,
    amount: p.amount,
    currency: p.currency,
    status: p.status,
    method: methodOf(p),
    amount_refunded: p.amount_refunded,
    failure_code: p.failure_code,
    created: p.created,
  };
}

/** One page of payments matching the filter; only the page is built, however many payments are stored. */
export function listPayments(store: Store, f: PaymentFilter): Page<PaymentRow> {
  const order = f.order?.toLowerCase();
  const page = paginate(store.live<Payment>('payments'), { limit: f.limit ?? 25, starting_after: f.starting_after }, (p) => {
    if (f.status && p.status !== f.status) return false;
    if (f.provider && providerOf(p) !== f.provider) return false;
    if (f.method && methodOf(p) !== f.method) return false;
    if (f.from !== undefined && p.created < f.from) return false;
    if (f.to !== undefined && p.created >= f.to) return false;
    if (order && !p.merchant_order_id.toLowerCase().includes(order)) return false;
    return true;
  });
  return { ...page, data: page.data.map(toRow) };
}

export type TimelineEntry =
  | { kind: 'event'; at: number; event_id: string; type: string }
  | {
      kind: 'attempt';
      at: number;
      event_id: string;
      event_type: string;
      delivery_id: string;
      destination: string;
      number: number;
      status: number | null;
      error: string | null;
      latency_ms: number;
      acknowledged: boolean;
    }
  | { kind: 'dropped'; at: number; event_id: string; event_type: string; delivery_id: string; destination: string }
  | { kind: 'scheduled'; at: number; event_id: string; event_type: string; delivery_id: string; destination: string; number: number };

export interface PaymentActions {
  capture: { max: number } | null;
  cancel: boolean;
  refund: { max: number } | null;
  /** The simulated buyer's page, while the payment waits for the buyer. */
  buyer_url: string | null;
}

export interface PaymentDetail {
  object: 'payment_detail';
  payment: Payment;
  provider: string;
  refunds: Refund[];
  events: PaycliEvent[];
  deliveries: PublicDelivery[];
  timeline: TimelineEntry[];
  actions: PaymentActions;
}

/** A payment with everything that happened to it, oldest first. */
export function paymentDetail(store: Store, payment: Payment, events: PaycliEvent[], refunds: Refund[], buyerPath: string): PaymentDetail {
  const eventIds = new Set(events.map((e) => e.id));
  const deliveries: PublicDelivery[] = [];
  // A payment's deliveries are few, but they are not indexed: one pass over the collection finds them.
  for (const d of store.live<Delivery>('deliveries')) if (eventIds.has(d.event_id)) deliveries.push(toPublicDelivery(d));

  const timeline: TimelineEntry[] = [];
  for (const e of events) timeline.push({ kind: 'event', at: e.created * 1000, event_id: e.id, type: e.type });
  for (const d of deliveries) {
    const base = { event_id: d.event_id, event_type: d.event_type, delivery_id: d.id, destination: d.kind };
    if (d.status === 'dropped') timeline.push({ kind: 'dropped', at: d.created, ...base });
    for (const a of d.attempts) {
      timeline.push({ kind: 'attempt', at: a.at, ...base, number: a.number, status: a.status, error: a.error, latency_ms: a.latency_ms, acknowledged: a.acknowledged });
    }
    if (d.status === 'pending' && d.next_attempt_at !== null) {
      timeline.push({ kind: 'scheduled', at: d.next_attempt_at, ...base, number: d.attempts.length + 1 });
    }
  }
  // Events carry whole seconds: at equal times an event comes before the attempts it caused.
  const rank = { event: 0, dropped: 1, attempt: 1, scheduled: 2 } as const;
  timeline.sort((a, b) => a.at - b.at || rank[a.kind] - rank[b.kind]);

  const waiting = payment.status === 'pending' || payment.status === 'requires_action';
  const refundable = payment.amount_captured - payment.amount_refunded;
  return {
    object: 'payment_detail',
    payment,
    provider: providerOf(payment),
    refunds,
    events,
    deliveries,
    timeline,
    actions: {
      capture: payment.status === 'requires_capture' ? { max: payment.amount } : null,
      cancel: waiting || payment.status === 'requires_capture',
      refund: payment.status === 'succeeded' && refundable > 0 ? { max: refundable } : null,
      buyer_url: waiting ? `${buyerPath}/${payment.id}` : null,
    },
  };
}

/** A day's settlement report of one provider's payments (and their refunds): that provider's bill. */
export function providerSettlement(store: Store, merchantId: string, date: string, provider: string): SettlementReport {
  const payments = store.live<Payment>('payments').filter((p) => p.merchant_id === merchantId && providerOf(p) === provider);
  const ids = new Set(payments.map((p) => p.id));
  return settlementReport(date, payments, store.live<Refund>('refunds').filter((r) => ids.has(r.payment_id)));
}
