/**
 * Integration checks every generated app must pass against a real sandbox (real clock): checkout, verified
 * notifications, declines, duplicates ignored, tampered and stale notifications rejected, reordered
 * notifications not regressing an order, refunds counted once, and the status query when a notification
 * is dropped. Each check uses its own order id, so they are independent.
 */
import { expect } from 'vitest';
import type { Api } from '../helpers/sandbox.js';
import { card } from '../helpers/sandbox.js';

interface Delivery {
  event_id: string;
  event_type: string;
  status: string;
  probe: string | null;
  attempts: { status: number | null; response_excerpt: string | null }[];
}

async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`expected JSON, got HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
}

/** Polls until `check` returns a value (not undefined); real waits only for real HTTP deliveries. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export class AppChecks {
  constructor(
    private readonly api: Api,
    private readonly appUrl: string,
  ) {}

  checkout(body: Record<string, unknown>): Promise<{ status: number; body: any }> {
    return fetch(`${this.appUrl}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      body: await json(r),
    }));
  }

  async order(id: string): Promise<any> {
    const res = await fetch(`${this.appUrl}/orders/${id}`);
    expect(res.status).toBe(200);
    return json(res);
  }

  private async paymentOf(orderId: string): Promise<any> {
    const list = await this.api.call('GET', `/v1/payments?merchant_order_id=${orderId}`);
    return list.body.data[0];
  }

  /**
   * The notification deliveries of one payment, once `expected` (event type → at least this many distinct
   * events) have deliveries and none is pending any more.
   */
  async settledDeliveries(paymentId: string, expected: Record<string, number>): Promise<Delivery[]> {
    return until(`settled deliveries ${JSON.stringify(expected)} for ${paymentId}`, async () => {
      const events = (await this.api.call('GET', `/v1/events?payment_id=${paymentId}&limit=100`)).body.data as { id: string }[];
      const ids = new Set(events.map((e) => e.id));
      const all = (await this.api.call('GET', '/_sandbox/deliveries?limit=1000')).body.data as Delivery[];
      const mine = all.filter((d) => ids.has(d.event_id));
      const enough = Object.entries(expected).every(([type, n]) => new Set(mine.filter((d) => d.event_type === type).map((d) => d.event_id)).size >= n);
      return enough && mine.every((d) => d.status !== 'pending') ? mine : undefined;
    });
  }

  private appQueried(paymentId: string): boolean {
    return this.api.sandbox.activity.since(0).some((e) => e.kind === 'request' && e.method === 'GET' && e.path === `/v1/payments/${paymentId}`);
  }

  private chaos(rule: Record<string, unknown>): Promise<unknown> {
    return this.api.call('POST', '/_sandbox/chaos', rule).then((r) => expect(r.status).toBe(201));
  }

  /** Runs every check in turn. */
  async all(): Promise<void> {
    await this.cardPaid();
    await this.declined();
    await this.walletPaidByNotification();
    await this.duplicatesIgnored();
    await this.badSignaturesRejected();
    await this.reorderedNotificationsDoNotRegress();
    await this.refundsCountOnce();
    await this.droppedNotificationIsQueried();
    await this.invalidCheckoutRejected();
  }

  async cardPaid(): Promise<void> {
    const r = await this.checkout({ order_id: 'ord_card', amount: 2000, currency: 'eur', payment_method: card('4242424242424242') });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ order_id: 'ord_card', status: 'paid', amount: 2000, currency: 'EUR' });
    const payment = await this.paymentOf('ord_card');
    expect(payment).toMatchObject({ status: 'succeeded', amount: 2000 });
    const deliveries = await this.settledDeliveries(payment.id, { 'payment.succeeded': 1 });
    for (const d of deliveries) expect(d.attempts.at(-1)!.status, `${d.event_type} acknowledged`).toBe(200);
    // The retry of a checkout is idempotent: same order, no second payment.
    const again = await this.checkout({ order_id: 'ord_card', amount: 2000, currency: 'eur', payment_method: card('4242424242424242') });
    expect(again.body.payment_id).toBe(payment.id);
  }

  async declined(): Promise<void> {
    const r = await this.checkout({ order_id: 'ord_declined', amount: 2000, currency: 'eur', payment_method: card('4000000000009995') });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' });
    expect((await this.order('ord_declined')).status).toBe('failed');
  }

  async walletPaidByNotification(): Promise<void> {
    const r = await this.checkout({ order_id: 'ord_wallet', amount: 1500, currency: 'usd', payment_method: { type: 'wallet', wallet: 'paypal' } });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('pending');
    const paymentId = r.body.payment_id as string;
    expect((await this.api.call('POST', `/_sandbox/buyer/${paymentId}/complete`, {})).status).toBe(200);
    await this.settledDeliveries(paymentId, { 'payment.succeeded': 1 });
    expect((await this.order('ord_wallet')).status).toBe('paid');
    // The notification did it: the app had no reason to ask the PSP.
    expect(this.appQueried(paymentId)).toBe(false);
  }

  async duplicatesIgnored(): Promise<void> {
    await this.chaos({ merchant_order_id: 'ord_dup', duplicates: 2 });
    const r = await this.checkout({ order_id: 'ord_dup', amount: 3000, currency: 'eur', payment_method: card('4242424242424242') });
    const before = await this.order('ord_dup');
    const deliveries = await this.settledDeliveries(r.body.payment_id, { 'payment.succeeded': 1 });
    const succeeded = deliveries.filter((d) => d.event_type === 'payment.succeeded');
    expect(succeeded).toHaveLength(3);
    expect(new Set(succeeded.map((d) => d.event_id)).size).toBe(1);
    for (const d of succeeded) expect(d.attempts.at(-1)!.status).toBe(200);
    expect(succeeded.filter((d) => d.attempts.at(-1)!.response_excerpt?.includes('duplicate'))).toHaveLength(2);
    const after = await this.order('ord_dup');
    expect(after).toEqual(before);
  }

  async badSignaturesRejected(): Promise<void> {
    for (const probe of ['tampered', 'stale'] as const) {
      const orderId = `ord_${probe}`;
      await this.chaos({ merchant_order_id: orderId, probe });
      const r = await this.checkout({ order_id: orderId, amount: 1000, currency: 'eur', payment_method: card('4242424242424242') });
      const deliveries = await this.settledDeliveries(r.body.payment_id, { 'payment.succeeded': 1 });
      const probes = deliveries.filter((d) => d.probe === probe);
      expect(probes.length, `${probe} probes sent`).toBeGreaterThan(0);
      for (const d of probes) {
        expect(d.attempts[0]!.status, `${probe} notification refused`).toBeGreaterThanOrEqual(400);
        expect(d.attempts[0]!.status).toBeLessThan(500);
      }
      for (const d of deliveries.filter((x) => !x.probe)) expect(d.attempts.at(-1)!.status).toBe(200);
      expect((await this.order(orderId)).status).toBe('paid');
    }
  }

  async reorderedNotificationsDoNotRegress(): Promise<void> {
    // Manual capture: the requires_capture notification is held back until after the payment succeeded.
    await this.chaos({ merchant_order_id: 'ord_ooo', events: ['payment.requires_capture'], delay_ms: 1_500 });
    const r = await this.checkout({ order_id: 'ord_ooo', amount: 2500, currency: 'eur', capture_method: 'manual', payment_method: card('4242424242424242') });
    expect(r.body.status).toBe('authorized');
    const paymentId = r.body.payment_id as string;
    expect((await this.api.call('POST', `/v1/payments/${paymentId}/capture`, {})).status).toBe(200);
    const deliveries = await this.settledDeliveries(paymentId, { 'payment.requires_capture': 1, 'payment.succeeded': 1 });
    expect(deliveries.map((d) => d.event_type)).toContain('payment.requires_capture');
    expect((await this.order('ord_ooo')).status).toBe('paid');
  }

  async refundsCountOnce(): Promise<void> {
    await this.chaos({ merchant_order_id: 'ord_refund', events: ['refund.succeeded'], duplicates: 1 });
    const r = await this.checkout({ order_id: 'ord_refund', amount: 2000, currency: 'eur', payment_method: card('4242424242424242') });
    const paymentId = r.body.payment_id as string;
    expect((await this.api.call('POST', '/v1/refunds', { payment_id: paymentId, amount: 500 })).status).toBe(201);
    expect((await this.api.call('POST', '/v1/refunds', { payment_id: paymentId, amount: 1500 })).status).toBe(201);
    await this.settledDeliveries(paymentId, { 'refund.succeeded': 2 });
    expect(await this.order('ord_refund')).toMatchObject({ status: 'refunded', amount_refunded: 2000 });
  }

  async droppedNotificationIsQueried(): Promise<void> {
    await this.chaos({ merchant_order_id: 'ord_drop', drop: true });
    const r = await this.checkout({ order_id: 'ord_drop', amount: 1200, currency: 'eur', payment_method: { type: 'wallet', wallet: 'alipay' } });
    const paymentId = r.body.payment_id as string;
    expect((await this.api.call('POST', `/_sandbox/buyer/${paymentId}/complete`, {})).status).toBe(200);
    const deliveries = await this.settledDeliveries(paymentId, { 'payment.succeeded': 1 });
    expect(deliveries.every((d) => d.status === 'dropped')).toBe(true);
    const paid = await until('the app to query the dropped payment', async () => ((await this.order('ord_drop')).status === 'paid' ? true : undefined), 15_000);
    expect(paid).toBe(true);
    expect(this.appQueried(paymentId)).toBe(true);
  }

  async invalidCheckoutRejected(): Promise<void> {
    expect((await this.checkout({ amount: -5, currency: 'eur', payment_method: card('4242424242424242') })).status).toBe(400);
    const badCard = await this.checkout({ order_id: 'ord_badcard', amount: 100, currency: 'eur', payment_method: card('4242424242424241') });
    expect(badCard.status).toBe(400);
    expect(badCard.body.error).toBe('invalid_card_number');
    const missing = await fetch(`${this.appUrl}/orders/ord_nope`);
    expect(missing.status).toBe(404);
  }
}
