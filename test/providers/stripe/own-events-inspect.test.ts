/**
 * The Stripe provider's own events (a `customer.created`: no domain event behind it) in the sandbox's view
 * of events, as `paycli events` reads it: listed among the payment events in the order they happened, shown
 * with their deliveries and attempts by the `evt_…` the app logged, resent (same id, signed by Stripe as a
 * fresh delivery) and their retries cancelled, through the control API and the commands.
 */
import Stripe from 'stripe';
import { describe, expect, it, vi } from 'vitest';
import { runEventsCancelRetries, runEventsList, runEventsResend, runEventsShow } from '../../../src/commands/events.js';
import type { EventView } from '../../../src/sandbox/event-routes.js';
import type { PublicDelivery } from '../../../src/webhooks/dispatcher.js';
import { eachCommandTest, writeRuntimeFile, type Captured } from '../../devloop/helpers.js';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { startStripeSandbox, stripeNode, type StripeSandbox } from './stripe-sandbox.js';

const cleanup: (() => Promise<unknown>)[] = [];
let io: Captured;
let dir: string;
eachCommandTest('paycli-stripe-events-', cleanup, (captured, made) => {
  io = captured;
  dir = made;
});

async function sandbox(options: Parameters<typeof startStripeSandbox>[0] = {}): Promise<StripeSandbox> {
  const s = await startStripeSandbox(options);
  cleanup.push(() => s.close());
  writeRuntimeFile(dir, s.sandbox);
  return s;
}
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  cleanup.push(() => r.close());
  return r;
}
const client = stripeNode;
async function control(s: StripeSandbox, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.sandbox.url}/_sandbox${path}`, {
    method,
    headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
const deliveriesOf = async (s: StripeSandbox, id: string) => (await control(s, 'GET', `/deliveries?event_id=${id}`)).body.data as PublicDelivery[];
const deps = () => ({ cwd: dir, env: {} });
const verify = (stripe: Stripe, req: Receiver['requests'][number], secret: string) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, secret);

/** A customer created through stripe-node with an endpoint that wants it; returns its event as delivered. */
async function customerCreated(s: StripeSandbox, r: Receiver) {
  const stripe = client(s);
  const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.created', 'customer.updated'] });
  const customer = await stripe.customers.create({ email: 'ada@example.com' });
  await waitFor(() => r.requests.length === 1);
  const event = verify(stripe, r.requests[0]!, we.secret as string);
  expect(event.type).toBe('customer.created');
  // Its first attempt is recorded once the answer is in.
  await vi.waitFor(async () => expect((await deliveriesOf(s, event.id))[0]?.attempts).toHaveLength(1));
  return { stripe, we, customer, event };
}

describe("GET /_sandbox/events with the Stripe provider's own events", () => {
  it('lists customer.created among the payment events, in order, with its provider and type, and finds it by its id', async () => {
    const r = await receiver();
    const s = await sandbox();
    const { stripe, we, customer, event } = await customerCreated(s, r);
    await stripe.paymentIntents.create({ amount: 1200, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
    await stripe.customers.update(customer.id, { name: 'Ada' });
    await waitFor(() => r.requests.length === 2);
    const updated = verify(stripe, r.requests[1]!, we.secret as string);

    const list = (await control(s, 'GET', '/events')).body as { data: EventView[] };
    // Newest first: the update, the payment's events after the intent's own payment_intent.created (one
    // request raised all three, the intent's first, as Stripe sends them), then the customer.
    expect(list.data.map((e) => e.type)).toEqual(['customer.updated', 'payment.succeeded', 'payment.created', 'payment_intent.created', 'customer.created']);
    expect(list.data[0]!.id).toBe(updated.id);
    const own: EventView = {
      id: event.id,
      type: 'customer.created',
      created: event.created,
      provider: 'stripe',
      payment_id: null,
      refund_id: null,
      merchant_order_id: null,
      status: null,
      amount: null,
      currency: null,
      failure_code: null,
      failure_message: null,
      notifications: [{ id: event.id, type: 'customer.created' }],
    };
    expect(list.data[4]).toEqual(own);
    // The payment's events keep their view, with the Stripe events they mean.
    expect(list.data[1]).toMatchObject({ type: 'payment.succeeded', provider: 'stripe', status: 'succeeded', amount: 1200 });
    expect(list.data[1]!.notifications.map((n) => n.type).sort()).toEqual(['charge.succeeded', 'payment_intent.succeeded']);

    expect((await control(s, 'GET', '/events?type=customer.*')).body.data.map((e: EventView) => e.id)).toEqual([updated.id, event.id]);
    expect((await control(s, 'GET', '/events?provider=stripe&limit=1&starting_after=' + list.data[3]!.id)).body).toMatchObject({ has_more: false, data: [{ id: event.id }] });
    expect((await control(s, 'GET', '/events?provider=paycli')).body.data).toEqual([]);
    // A payment's events are those of its payment only.
    const pi = (await stripe.paymentIntents.list({ limit: 1 })).data[0]!;
    expect((await control(s, 'GET', `/events?payment=${pi.id}`)).body.data.map((e: EventView) => e.type)).toEqual(['payment.succeeded', 'payment.created']);

    const shown = await control(s, 'GET', `/events/${event.id}`);
    expect(shown).toEqual({ status: 200, body: own });
    expect((await control(s, 'GET', '/events/evt_nope')).status).toBe(404);
  });

  it('stores and shows one that went nowhere (no endpoint yet), and resends it to a URL signed with the provider secret', async () => {
    const app = await receiver();
    const s = await sandbox();
    const stripe = client(s);
    const customer = await stripe.customers.create({ email: 'quiet@example.com' });
    const event = (await stripe.events.list({ type: 'customer.created' })).data[0]!;
    expect((event.data.object as Stripe.Customer).id).toBe(customer.id);
    expect(await deliveriesOf(s, event.id)).toEqual([]);
    expect((await control(s, 'GET', `/events/${event.id}`)).body).toMatchObject({ id: event.id, type: 'customer.created', provider: 'stripe' });
    // Nothing takes it now either: `events resend` says where to send it.
    await expect(runEventsResend(event.id, {}, deps())).rejects.toMatchObject({ code: 'invalid_state', hint: expect.stringContaining('--to') });

    const resent = await control(s, 'POST', `/events/${event.id}/resend`, { url: app.url, retry: false });
    expect(resent).toEqual({ status: 200, body: { ok: true, event_id: event.id, deliveries: 1, listeners: 0 } });
    await waitFor(() => app.requests.length === 1);
    const delivered = verify(stripe, app.requests[0]!, s.keys.webhook_secret);
    expect(delivered).toMatchObject({ id: event.id, type: 'customer.created', data: { object: { id: customer.id } } });
    expect((await deliveriesOf(s, event.id))[0]).toMatchObject({ provider: 'stripe', notification_id: event.id, kind: 'forward', url: app.url, retry: false });
  });

  it('resends to the endpoint as a fresh delivery with the same id, signed with its secret; cancels its retries', async () => {
    // The endpoint acknowledges the first delivery and refuses every later one.
    const r = await receiver((_req, i) => ({ status: i === 0 ? 200 : 503 }));
    const s = await sandbox({ retryScheduleMs: [3_600_000] });
    const { stripe, we, event } = await customerCreated(s, r);
    const resent = await control(s, 'POST', `/events/${event.id}/resend`, {});
    expect(resent.body).toMatchObject({ ok: true, event_id: event.id, deliveries: 1 });
    await waitFor(() => r.requests.length === 2);
    const again = verify(stripe, r.requests[1]!, we.secret as string);
    expect(again.id).toBe(event.id);
    expect(r.requests[1]!.body).toBe(r.requests[0]!.body);
    // Signed afresh: its own Stripe-Signature (same event, new attempt).
    expect(r.requests[1]!.headers['stripe-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    await vi.waitFor(async () => expect((await deliveriesOf(s, event.id)).find((d) => d.attempts[0]?.status === 503)?.status).toBe('pending'));
    const canceled = await control(s, 'POST', `/events/${event.id}/cancel_retries`, {});
    expect(canceled.status).toBe(200);
    expect(canceled.body.canceled).toHaveLength(1);
    expect(canceled.body.canceled[0]).toMatchObject({ kind: 'endpoint', endpoint_id: we.id, status: 'canceled' });
  });
});

describe("paycli events with the Stripe provider's own events", () => {
  it('list shows it with its provider and type (and --json); show prints its deliveries and attempts', async () => {
    const r = await receiver();
    const s = await sandbox();
    const { event, we } = await customerCreated(s, r);

    expect(await runEventsList({}, deps())).toBe(0);
    expect(io.out()).toMatch(new RegExp(`${event.id}\\s+customer\\.created\\s+-\\s+stripe \\(its own notification\\)`));
    io.stdout.length = 0;
    expect(await runEventsList({ type: 'customer.*', provider: 'stripe', json: true }, deps())).toBe(0);
    expect(io.json()[0]).toMatchObject({ has_more: false, data: [{ id: event.id, type: 'customer.created', provider: 'stripe', payment_id: null }] });

    io.stdout.length = 0;
    expect(await runEventsShow(event.id, {}, deps())).toBe(0);
    const text = io.out();
    expect(text).toContain(`customer.created  ${event.id}`);
    expect(text).toMatch(/provider stripe\s+its own notification/);
    expect(text).toContain('Deliveries (1)');
    expect(text).toMatch(new RegExp(`dlv_\\w+\\s+endpoint\\s+${r.url}\\s+succeeded`));
    expect(text).toMatch(/#1\s+\d\d:\d\d:\d\d\s+200\s+\d+ ms/);

    io.stdout.length = 0;
    expect(await runEventsShow(event.id, { json: true }, deps())).toBe(0);
    const shown = io.json()[0];
    expect(shown.event).toMatchObject({ id: event.id, type: 'customer.created', provider: 'stripe' });
    expect(shown.deliveries).toHaveLength(1);
    expect(shown.deliveries[0]).toMatchObject({ event_id: event.id, endpoint_id: we.id, status: 'succeeded' });
  });

  it('resend delivers it again and prints the answer; --to sends it to another URL; cancel-retries finds it', async () => {
    const r = await receiver();
    const other = await receiver();
    const s = await sandbox();
    const { stripe, we, event } = await customerCreated(s, r);

    expect(await runEventsResend(event.id, {}, deps())).toBe(0);
    expect(io.out()).toContain(`Resent ${event.id}`);
    expect(io.out()).toMatch(new RegExp(`dlv_\\w+\\s+endpoint\\s+${r.url}\\s+succeeded`));
    expect(r.requests).toHaveLength(2);
    expect(verify(stripe, r.requests[1]!, we.secret as string).id).toBe(event.id);

    io.stdout.length = 0;
    expect(await runEventsResend(event.id, { to: other.url, json: true }, deps())).toBe(0);
    expect(io.json()[0]).toMatchObject({ event_id: event.id, acknowledged: true, deliveries: [{ kind: 'forward', url: other.url, status: 'succeeded' }] });
    expect(verify(stripe, other.requests[0]!, s.keys.webhook_secret).id).toBe(event.id);

    io.stdout.length = 0;
    expect(await runEventsCancelRetries(event.id, {}, deps())).toBe(0);
    expect(io.out()).toContain(`No pending retries for ${event.id}`);
  });
});
