/**
 * Resending one Stripe event resends that event alone, as `stripe events resend evt_X` does: one domain
 * event (a payment succeeded) means two Stripe events (`payment_intent.succeeded`, `charge.succeeded`), and
 * a resend of one of their ids is a new delivery of that id, with the same payload, to each endpoint that
 * wants it (signed with its own secret) and to each `listen --provider stripe` session, never of the other.
 * A resend by the domain event's id still sends every Stripe event it means.
 */
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { runEventsCancelRetries, runEventsResend, runEventsShow } from '../../../src/commands/events.js';
import { runListen } from '../../../src/commands/listen.js';
import type { PublicDelivery } from '../../../src/webhooks/dispatcher.js';
import { eachCommandTest, stopSwitch, writeRuntimeFile, type Captured } from '../../devloop/helpers.js';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { startStripeSandbox, stripeNode, type StripeSandbox } from './stripe-sandbox.js';

const cleanup: (() => Promise<unknown>)[] = [];
let io: Captured;
let dir: string;
eachCommandTest('paycli-stripe-resend-', cleanup, (captured, made) => {
  io = captured;
  dir = made;
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  cleanup.push(() => r.close());
  return r;
}
async function control(s: StripeSandbox, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.sandbox.url}/_sandbox${path}`, {
    method,
    headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
const allDeliveries = async (s: StripeSandbox) => (await control(s, 'GET', '/deliveries?limit=1000')).body.data as PublicDelivery[];
const deps = () => ({ cwd: dir, env: {} });

/**
 * A sandbox with two endpoints that want every event and a payment that succeeded through stripe-node;
 * returns its Stripe events by type once both endpoints have them.
 */
async function paid() {
  const s = await startStripeSandbox();
  cleanup.push(() => s.close());
  writeRuntimeFile(dir, s.sandbox);
  const stripe = stripeNode(s);
  const one = await receiver();
  const two = await receiver();
  const endpoints = [
    { r: one, we: await stripe.webhookEndpoints.create({ url: one.url, enabled_events: ['*'] }) },
    { r: two, we: await stripe.webhookEndpoints.create({ url: two.url, enabled_events: ['*'] }) },
  ];
  const pi = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
  const events = (await stripe.events.list({ limit: 100 })).data;
  const byType = (type: string) => events.find((e) => e.type === type && (e.data.object as { id: string }).id !== undefined)!;
  const succeeded = byType('payment_intent.succeeded');
  const charge = byType('charge.succeeded');
  const created = byType('payment_intent.created');
  expect((succeeded.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
  // Both derive from one domain event, whose id the control API shows for either.
  const domain = (await control(s, 'GET', `/events/${succeeded.id}`)).body;
  expect(domain.notifications.map((n: { id: string }) => n.id).sort()).toEqual([charge.id, succeeded.id].sort());
  for (const { r } of endpoints) await waitFor(() => r.requests.length === events.length);
  await vi.waitFor(async () => expect((await allDeliveries(s)).every((d) => d.status === 'succeeded')).toBe(true));
  return { s, stripe, endpoints, succeeded, charge, created, domainId: domain.id as string };
}

/** The ids of the events an endpoint received after the first `from`, verified with its own secret. */
function receivedIds(stripe: Stripe, r: Receiver, secret: string, from: number): string[] {
  return r.requests.slice(from).map((req) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, secret).id);
}

describe('resending one Stripe event', () => {
  it('delivers that event alone to each endpoint, same id and payload, signed with its secret; a sentinel resend follows it', async () => {
    const { s, stripe, endpoints, succeeded, charge, created } = await paid();
    const before = endpoints.map(({ r }) => r.requests.length);
    const originals = endpoints.map(({ r }) => r.requests.find((req) => JSON.parse(req.body).id === succeeded.id)!.body);
    const known = new Set((await allDeliveries(s)).map((d) => d.id));

    const resent = await control(s, 'POST', `/events/${succeeded.id}/resend`, {});
    expect(resent).toEqual({ status: 200, body: { ok: true, event_id: expect.any(String), notification_id: succeeded.id, deliveries: 2, listeners: 0 } });
    // The sentinel: another event resent after it. Once both resends' deliveries have settled, each endpoint
    // has received everything either resend sent.
    const sentinel = await control(s, 'POST', `/events/${created.id}/resend`, {});
    expect(sentinel.body).toMatchObject({ ok: true, deliveries: 2 });
    await vi.waitFor(async () => expect((await allDeliveries(s)).filter((d) => !known.has(d.id)).every((d) => d.status === 'succeeded')).toBe(true));

    const fresh = (await allDeliveries(s)).filter((d) => !known.has(d.id));
    expect(fresh.map((d) => d.notification_id).sort()).toEqual([created.id, created.id, succeeded.id, succeeded.id].sort());
    expect(fresh.map((d) => d.notification_id)).not.toContain(charge.id);
    endpoints.forEach(({ r, we }, i) => {
      expect(receivedIds(stripe, r, we.secret as string, before[i]!).sort()).toEqual([created.id, succeeded.id].sort());
      // The same payload as first delivered: the same event, a new delivery.
      expect(r.requests.slice(before[i]!).find((req) => JSON.parse(req.body).id === succeeded.id)!.body).toBe(originals[i]);
    });
  });

  it('by the domain event id still resends every Stripe event it means', async () => {
    const { s, stripe, endpoints, succeeded, charge, domainId } = await paid();
    const before = endpoints.map(({ r }) => r.requests.length);
    const known = new Set((await allDeliveries(s)).map((d) => d.id));
    const resent = await control(s, 'POST', `/events/${domainId}/resend`, {});
    expect(resent).toEqual({ status: 200, body: { ok: true, event_id: domainId, deliveries: 4, listeners: 0 } });
    await vi.waitFor(async () => expect((await allDeliveries(s)).filter((d) => !known.has(d.id)).every((d) => d.status === 'succeeded')).toBe(true));
    endpoints.forEach(({ r, we }, i) => {
      expect(receivedIds(stripe, r, we.secret as string, before[i]!).sort()).toEqual([charge.id, succeeded.id].sort());
    });
  });

  it('reaches a `listen --provider stripe` session with that event alone; `events resend` and `events show` name it', async () => {
    const { s, stripe, endpoints, succeeded, charge, created } = await paid();
    const app = await receiver();
    const stop = stopSwitch();
    const done = runListen({ provider: 'stripe', forwardTo: app.url, json: true }, { ...deps(), stop: stop.promise });
    await waitFor(() => io.out().includes('"type":"ready"'));
    const known = new Set((await allDeliveries(s)).map((d) => d.id));

    io.stdout.length = 0;
    expect(await runEventsResend(charge.id, { json: true }, deps())).toBe(0);
    const result = io.json().find((l) => l.deliveries !== undefined);
    expect(result).toMatchObject({ notification_id: charge.id, acknowledged: true, listeners: 1 });
    expect(result.deliveries.map((d: PublicDelivery) => [d.notification_id, d.endpoint_id]).sort()).toEqual(
      endpoints.map(({ we }) => [charge.id, we.id]).sort(),
    );
    // The sentinel, after it on the same stream: once listen has forwarded it, it has taken every
    // notification the first resend announced.
    expect(await runEventsResend(created.id, { json: true }, deps())).toBe(0);
    await waitFor(() => app.requests.some((req) => JSON.parse(req.body).id === created.id));
    stop.stop();
    expect(await done).toBe(0);
    const forwarded = app.requests.map((req) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, s.keys.webhook_secret).id);
    expect(forwarded.sort()).toEqual([charge.id, created.id].sort());
    const fresh = (await allDeliveries(s)).filter((d) => !known.has(d.id));
    expect(fresh.map((d) => d.notification_id)).not.toContain(succeeded.id);

    // `events show` by the Stripe id lists that event's deliveries only (its first and the resend, per endpoint).
    io.stdout.length = 0;
    expect(await runEventsShow(charge.id, { json: true }, deps())).toBe(0);
    const shown = io.json()[0];
    expect(shown.notification_id).toBe(charge.id);
    expect(shown.deliveries).toHaveLength(4);
    expect(shown.deliveries.every((d: PublicDelivery) => d.notification_id === charge.id)).toBe(true);
    io.stdout.length = 0;
    expect(await runEventsShow(charge.id, {}, deps())).toBe(0);
    expect(io.out()).toContain(`Deliveries of ${charge.id} (4)`);
  });

  it('cancel-retries by a Stripe event id cancels that event\'s retries only; by the domain event id, the rest', async () => {
    // Every delivery fails, so each waits for its next attempt an hour later.
    const s = await startStripeSandbox({ retryScheduleMs: [3_600_000] });
    cleanup.push(() => s.close());
    writeRuntimeFile(dir, s.sandbox);
    const stripe = stripeNode(s);
    const r = await startReceiver(() => ({ status: 503 }));
    cleanup.push(() => r.close());
    await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['payment_intent.succeeded', 'charge.succeeded'] });
    await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const events = (await stripe.events.list({ limit: 100 })).data;
    const succeeded = events.find((e) => e.type === 'payment_intent.succeeded')!;
    const charge = events.find((e) => e.type === 'charge.succeeded')!;
    await vi.waitFor(async () => expect((await allDeliveries(s)).filter((d) => d.attempts.length > 0 && d.status === 'pending')).toHaveLength(2));

    const one = await control(s, 'POST', `/events/${succeeded.id}/cancel_retries`, {});
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ notification_id: succeeded.id });
    expect(one.body.canceled.map((d: PublicDelivery) => d.notification_id)).toEqual([succeeded.id]);
    const left = (await allDeliveries(s)).filter((d) => d.status === 'pending');
    expect(left.map((d) => d.notification_id)).toEqual([charge.id]);

    io.stdout.length = 0;
    const domainId = (await control(s, 'GET', `/events/${charge.id}`)).body.id as string;
    expect(await runEventsCancelRetries(domainId, { json: true }, deps())).toBe(0);
    expect(io.json()[0].canceled.map((d: PublicDelivery) => d.notification_id)).toEqual([charge.id]);
    expect((await allDeliveries(s)).filter((d) => d.status === 'pending')).toEqual([]);
  });

  it('from the dashboard, resends the one event named; an unknown id is a 404', async () => {
    const { s, stripe, endpoints, succeeded, charge } = await paid();
    const before = endpoints.map(({ r }) => r.requests.length);
    const known = new Set((await allDeliveries(s)).map((d) => d.id));
    const res = await fetch(`${s.sandbox.url}/_dashboard/api/events/${succeeded.id}/resend`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, notification_id: succeeded.id, deliveries: 2 });
    await vi.waitFor(async () => expect((await allDeliveries(s)).filter((d) => !known.has(d.id)).every((d) => d.status === 'succeeded')).toBe(true));
    const fresh = (await allDeliveries(s)).filter((d) => !known.has(d.id));
    expect(fresh.map((d) => d.notification_id)).toEqual([succeeded.id, succeeded.id]);
    expect(fresh.map((d) => d.notification_id)).not.toContain(charge.id);
    endpoints.forEach(({ r, we }, i) => expect(receivedIds(stripe, r, we.secret as string, before[i]!)).toEqual([succeeded.id]));
    const unknown = await fetch(`${s.sandbox.url}/_dashboard/api/events/evt_nope/resend`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unknown.status).toBe(404);
  });
});
