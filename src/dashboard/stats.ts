/**
 * Payment analytics, kept incrementally: every payment and every notification delivery contributes to an
 * hourly bucket (per provider), and a query adds up the buckets it covers. A sandbox with 100,000 payments
 * answers from a few thousand buckets, not by walking its payments; the store is walked once, on the first
 * query, and after a reset (noticed by the counts no longer matching).
 *
 * Definitions (the dashboard, `paycli stats` and the tests share them):
 * - success rate: authorised payments (succeeded or requires_capture) over those plus failed ones; payments
 *   still waiting for the buyer and canceled ones are left out.
 * - refund rate: payments with a refund over succeeded payments.
 * - notification success: delivered notifications over delivered plus given-up ones (dropped by chaos and
 *   probes left out); latency over every attempt that got an HTTP answer.
 */
import type { Payment, PaymentStatus } from '../engine/types.js';
import type { Delivery, DeliveryAttempt } from '../webhooks/delivery.js';

const HOUR_SEC = 3600;

/** The provider a payment was made through; payments stored before providers were recorded are native. */
export function providerOf(p: Payment): string {
  return (p.provider as string | undefined) ?? 'paycli';
}

/** `card`, or the wallet's name. */
export function methodOf(p: Payment): string {
  return p.payment_method.type === 'card' ? 'card' : p.payment_method.wallet;
}

interface PaymentSlot {
  key: string;
  status: PaymentStatus;
  method: string;
  currency: string;
  captured: number;
  refunded: number;
  failure_code: string | null;
}

interface DeliverySlot {
  key: string;
  status: Delivery['status'];
  probe: boolean;
}

interface Bucket {
  hour: number;
  provider: string;
  payments: number;
  byStatus: Map<string, number>;
  byMethod: Map<string, number>;
  declines: Map<string, number>;
  /** currency → [captured, refunded, payments with a refund] */
  money: Map<string, [number, number, number]>;
  deliveries: Map<string, number>;
  attempts: number;
  answered: number;
  acknowledged: number;
  /** latency in ms → attempts */
  latency: Map<number, number>;
}

export interface StatsQuery {
  /** Unix seconds; counts payments created (and attempts made) from the start of that hour on. */
  since?: number | null;
  provider?: string | null;
}

export interface SeriesPoint {
  /** Start of the bucket, Unix seconds. */
  t: number;
  payments: number;
  succeeded: number;
  failed: number;
  /** Captured amount per currency, minor units. */
  amount: Record<string, number>;
}

export interface Stats {
  object: 'stats';
  since: number | null;
  provider: string | null;
  providers: string[];
  payments: { total: number; by_status: Record<string, number> };
  success_rate: number | null;
  decline_reasons: { code: string; count: number }[];
  methods: { method: string; count: number }[];
  amounts: { currency: string; captured: number; refunded: number }[];
  refunds: { payments_refunded: number; refund_rate: number | null };
  series: { interval: 'hour' | 'day'; points: SeriesPoint[] };
  notifications: {
    deliveries: number;
    by_status: Record<string, number>;
    success_rate: number | null;
    attempts: number;
    attempts_answered: number;
    attempts_acknowledged: number;
    latency_ms: { mean: number | null; p50: number | null; p95: number | null; max: number | null };
  };
}

/** Where the figures come from: the store's collections (read once) and the sandbox's change feeds. */
export interface StatsSource {
  payments(): readonly Payment[];
  deliveries(): readonly Delivery[];
  paymentCount(): number;
  deliveryCount(): number;
  /** The payment a delivery's event is about (for its provider). */
  paymentOfEvent(eventId: string): Payment | undefined;
}

export class PaymentStats {
  private readonly buckets = new Map<string, Bucket>();
  private readonly paymentSlots = new Map<string, PaymentSlot>();
  private readonly deliverySlots = new Map<string, DeliverySlot>();
  private built = false;

  constructor(private readonly source: StatsSource) {}

  /** A payment was created or changed (its latest state). */
  notePayment(p: Payment): void {
    if (!this.built) return;
    this.removePayment(p.id);
    this.addPayment(p);
  }

  /** A delivery was scheduled, attempted, exhausted or dropped (its latest state). */
  noteDelivery(d: Delivery, attempt?: DeliveryAttempt): void {
    if (!this.built) return;
    const old = this.deliverySlots.get(d.id);
    const key = old?.key ?? this.deliveryKey(d);
    // Probes are meant to be refused: they count neither as deliveries nor as attempts.
    const probe = d.probe !== null;
    if (!probe) {
      if (old) add(this.bucket(key).deliveries, old.status, -1);
      add(this.bucket(key).deliveries, d.status, 1);
    }
    this.deliverySlots.set(d.id, { key, status: d.status, probe });
    if (attempt) this.addAttempt(attempt, d.id);
  }

  query(q: StatsQuery = {}): Stats {
    this.ensureFresh();
    const sinceHour = q.since === undefined || q.since === null ? null : Math.floor(q.since / HOUR_SEC) * HOUR_SEC;
    const provider = q.provider ?? null;
    const picked = [...this.buckets.values()].filter((b) => (sinceHour === null || b.hour >= sinceHour) && (provider === null || b.provider === provider));
    return summarise(picked, q.since ?? null, provider, [...new Set([...this.buckets.values()].map((b) => b.provider))].sort());
  }

  private ensureFresh(): void {
    if (this.built && this.paymentSlots.size === this.source.paymentCount() && this.deliverySlots.size === this.source.deliveryCount()) return;
    this.buckets.clear();
    this.paymentSlots.clear();
    this.deliverySlots.clear();
    this.built = true;
    for (const p of this.source.payments()) this.addPayment(p);
    for (const d of this.source.deliveries()) {
      this.noteDelivery(d);
      for (const a of d.attempts) this.addAttempt(a, d.id);
    }
  }

  private addPayment(p: Payment): void {
    const key = bucketKey(p.created, providerOf(p));
    const slot: PaymentSlot = {
      key,
      status: p.status,
      method: methodOf(p),
      currency: p.currency,
      captured: p.amount_captured,
      refunded: p.amount_refunded,
      failure_code: p.status === 'failed' ? p.failure_code ?? 'unknown' : null,
    };
    this.paymentSlots.set(p.id, slot);
    this.applyPayment(slot, 1);
  }

  private removePayment(id: string): void {
    const slot = this.paymentSlots.get(id);
    if (!slot) return;
    this.applyPayment(slot, -1);
    this.paymentSlots.delete(id);
  }

  private applyPayment(s: PaymentSlot, sign: 1 | -1): void {
    const b = this.bucket(s.key);
    b.payments += sign;
    add(b.byStatus, s.status, sign);
    add(b.byMethod, s.method, sign);
    if (s.failure_code) add(b.declines, s.failure_code, sign);
    const m = b.money.get(s.currency) ?? [0, 0, 0];
    m[0] += sign * s.captured;
    m[1] += sign * s.refunded;
    m[2] += s.refunded > 0 ? sign : 0;
    b.money.set(s.currency, m);
  }

  private addAttempt(a: DeliveryAttempt, deliveryId: string): void {
    const slot = this.deliverySlots.get(deliveryId);
    if (!slot || slot.probe) return;
    // Attempts count in the hour they were made, with the delivery's provider.
    const b = this.bucket(bucketKey(Math.floor(a.at / 1000), slot.key.slice(slot.key.indexOf('|') + 1)));
    b.attempts++;
    if (a.acknowledged) b.acknowledged++;
    if (a.status !== null) {
      b.answered++;
      add(b.latency, a.latency_ms, 1);
    }
  }

  private deliveryKey(d: Delivery): string {
    const p = this.source.paymentOfEvent(d.event_id);
    // A provider's own notification (no event, no payment) counts with the provider that sent it.
    return bucketKey(Math.floor(d.created / 1000), p ? providerOf(p) : (d.provider ?? 'paycli'));
  }

  private bucket(key: string): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      const bar = key.indexOf('|');
      b = {
        hour: Number(key.slice(0, bar)),
        provider: key.slice(bar + 1),
        payments: 0,
        byStatus: new Map(),
        byMethod: new Map(),
        declines: new Map(),
        money: new Map(),
        deliveries: new Map(),
        attempts: 0,
        answered: 0,
        acknowledged: 0,
        latency: new Map(),
      };
      this.buckets.set(key, b);
    }
    return b;
  }
}

function bucketKey(timeSec: number, provider: string): string {
  return `${Math.floor(timeSec / HOUR_SEC) * HOUR_SEC}|${provider}`;
}

function add<K>(map: Map<K, number>, key: K, n: number): void {
  const v = (map.get(key) ?? 0) + n;
  if (v === 0) map.delete(key);
  else map.set(key, v);
}

function merge<K>(into: Map<K, number>, from: Map<K, number>): void {
  for (const [k, v] of from) add(into, k, v);
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

function sortedCounts(m: Map<string, number>): [string, number][] {
  return [...m].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Exact percentile over a latency → count histogram. */
function percentile(hist: [number, number][], total: number, p: number): number | null {
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [ms, n] of hist) {
    seen += n;
    if (seen >= rank) return ms;
  }
  return hist.at(-1)![0];
}

function summarise(buckets: Bucket[], since: number | null, provider: string | null, providers: string[]): Stats {
  const byStatus = new Map<string, number>();
  const byMethod = new Map<string, number>();
  const declines = new Map<string, number>();
  const money = new Map<string, [number, number, number]>();
  const deliveries = new Map<string, number>();
  const latency = new Map<number, number>();
  let total = 0;
  let attempts = 0;
  let answered = 0;
  let acknowledged = 0;
  const hours = [...buckets].sort((a, b) => a.hour - b.hour);
  const first = hours.find((b) => b.payments > 0)?.hour;
  const last = hours.findLast((b) => b.payments > 0)?.hour;
  const interval: 'hour' | 'day' = first !== undefined && last !== undefined && last - first > 72 * HOUR_SEC ? 'day' : 'hour';
  const step = interval === 'day' ? 24 * HOUR_SEC : HOUR_SEC;
  const points = new Map<number, SeriesPoint>();
  for (const b of hours) {
    total += b.payments;
    merge(byStatus, b.byStatus);
    merge(byMethod, b.byMethod);
    merge(declines, b.declines);
    merge(deliveries, b.deliveries);
    merge(latency, b.latency);
    attempts += b.attempts;
    answered += b.answered;
    acknowledged += b.acknowledged;
    for (const [cur, [cap, ref, n]] of b.money) {
      const m = money.get(cur) ?? [0, 0, 0];
      money.set(cur, [m[0] + cap, m[1] + ref, m[2] + n]);
    }
    if (b.payments === 0) continue;
    const t = Math.floor(b.hour / step) * step;
    const point = points.get(t) ?? { t, payments: 0, succeeded: 0, failed: 0, amount: {} };
    point.payments += b.payments;
    point.succeeded += (b.byStatus.get('succeeded') ?? 0) + (b.byStatus.get('requires_capture') ?? 0);
    point.failed += b.byStatus.get('failed') ?? 0;
    for (const [cur, [cap]] of b.money) if (cap !== 0) point.amount[cur] = (point.amount[cur] ?? 0) + cap;
    points.set(t, point);
  }
  const authorised = (byStatus.get('succeeded') ?? 0) + (byStatus.get('requires_capture') ?? 0);
  const refundedPayments = [...money.values()].reduce((s, m) => s + m[2], 0);
  const hist = [...latency].sort((a, b) => a[0] - b[0]);
  const latencySum = hist.reduce((s, [ms, n]) => s + ms * n, 0);
  const delivered = deliveries.get('succeeded') ?? 0;
  const gaveUp = deliveries.get('failed') ?? 0;
  return {
    object: 'stats',
    since,
    provider,
    providers,
    payments: { total, by_status: Object.fromEntries(sortedCounts(byStatus)) },
    success_rate: ratio(authorised, authorised + (byStatus.get('failed') ?? 0)),
    decline_reasons: sortedCounts(declines).map(([code, count]) => ({ code, count })),
    methods: sortedCounts(byMethod).map(([method, count]) => ({ method, count })),
    amounts: [...money]
      .filter(([, m]) => m[0] !== 0 || m[1] !== 0)
      .map(([currency, m]) => ({ currency, captured: m[0], refunded: m[1] }))
      .sort((a, b) => a.currency.localeCompare(b.currency)),
    refunds: { payments_refunded: refundedPayments, refund_rate: ratio(refundedPayments, byStatus.get('succeeded') ?? 0) },
    series: { interval, points: [...points.values()].sort((a, b) => a.t - b.t) },
    notifications: {
      deliveries: [...deliveries.values()].reduce((s, n) => s + n, 0),
      by_status: Object.fromEntries(sortedCounts(deliveries)),
      success_rate: ratio(delivered, delivered + gaveUp),
      attempts,
      attempts_answered: answered,
      attempts_acknowledged: acknowledged,
      latency_ms: {
        mean: answered === 0 ? null : Math.round((latencySum / answered) * 10) / 10,
        p50: percentile(hist, answered, 50),
        p95: percentile(hist, answered, 95),
        max: hist.at(-1)?.[0] ?? null,
      },
    },
  };
}
