/**
 * Events about Stripe's own objects (customers, Checkout Sessions, an intent created or canceled before any
 * payment attempt) are the provider's own notifications: each is delivered to the endpoints that want it as
 * soon as it happens, signed with the endpoint's secret, retried, chaos-tested and listed in the deliveries
 * like a payment's events, and forwarded by `listen`.
 */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { Forwarder } from '../../../src/listen/forwarder.js';
import { loadProviders } from '../../../src/providers/registry.js';
import { SandboxClient } from '../../../src/sandbox/client.js';
import type { PublicDelivery } from '../../../src/webhooks/dispatcher.js';
import { waitFor, type Receiver } from '../../helpers/sandbox.js';
import { stripeNode, stripeTestResources, type StripeSandbox } from './stripe-sandbox.js';

const { cleanup, sandbox, receiver } = stripeTestResources();
const client = stripeNode;
async function control(s: StripeSandbox, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${s.sandbox.url}/_sandbox${path}`, {
    method,
    headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
  return res.json();
}
const verifyAll = (stripe: Stripe, r: Receiver, secret: string) =>
  r.requests.map((req) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, secret));

describe("the Stripe provider's own events", () => {
  it('customer.created, .updated and .deleted reach the endpoint at once, signed with its secret', async () => {
    const r = await receiver();
    const s = await sandbox();
    const stripe = client(s);
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.created', 'customer.updated', 'customer.deleted'] });

    const c = await stripe.customers.create({ email: 'ada@example.com' });
    await waitFor(() => r.requests.length === 1);
    const [created] = verifyAll(stripe, r, we.secret as string);
    expect(created!.type).toBe('customer.created');
    expect((created!.data.object as Stripe.Customer).id).toBe(c.id);

    await stripe.customers.update(c.id, { name: 'Ada' });
    await waitFor(() => r.requests.length === 2);
    await stripe.customers.del(c.id);
    await waitFor(() => r.requests.length === 3);
    const events = verifyAll(stripe, r, we.secret as string);
    expect(events.map((e) => e.type)).toEqual(['customer.created', 'customer.updated', 'customer.deleted']);
    expect(events[1]!.data.previous_attributes).toEqual({ name: null });
    // The same events as /v1/events lists, by id.
    const listed = (await stripe.events.list({ limit: 10 })).data.map((e) => e.id).reverse();
    expect(listed).toEqual(events.map((e) => e.id));

    const deliveries = (await control(s, 'GET', `/deliveries?event_id=${created!.id}`)).data as PublicDelivery[];
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ provider: 'stripe', notification_id: created!.id, event_type: 'customer.created', kind: 'endpoint', endpoint_id: we.id });
  });

  it('a refused customer.created is retried with the same event id until acknowledged', async () => {
    const r = await receiver((_req, i) => ({ status: i === 0 ? 500 : 200 }));
    const s = await sandbox();
    const stripe = client(s);
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.created'] });
    await stripe.customers.create({ email: 'retry@example.com' });
    await waitFor(() => r.requests.length === 2);
    const [first, second] = verifyAll(stripe, r, we.secret as string);
    expect(second!.id).toBe(first!.id);
    // The acknowledged attempt is recorded once its answer is in: ask until the delivery is no longer pending.
    let deliveries: PublicDelivery[] = [];
    for (let i = 0; i < 100 && deliveries[0]?.status !== 'succeeded'; i++) deliveries = (await control(s, 'GET', `/deliveries?event_id=${first!.id}`)).data;
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]!.status).toBe('succeeded');
    expect(deliveries[0]!.attempts.map((a) => a.status)).toEqual([500, 200]);
  });

  it('checkout.session.expired and an unconfirmed payment_intent.created need no payment event to go out', async () => {
    const r = await receiver();
    const s = await sandbox();
    const stripe = client(s);
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['checkout.session.expired', 'payment_intent.created', 'payment_intent.canceled'] });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 900, product_data: { name: 'Mug' } }, quantity: 1 }],
      success_url: 'https://shop.example/success',
    });
    await stripe.checkout.sessions.expire(session.id);
    await waitFor(() => r.requests.some((req) => req.body.includes('"checkout.session.expired"')));
    const pi = await stripe.paymentIntents.create({ amount: 500, currency: 'eur' });
    await waitFor(() => r.requests.some((req) => req.body.includes('"payment_intent.created"')));
    await stripe.paymentIntents.cancel(pi.id);
    await waitFor(() => r.requests.some((req) => req.body.includes('"payment_intent.canceled"')));
    const events = verifyAll(stripe, r, we.secret as string);
    expect(events.map((e) => e.type)).toEqual(['checkout.session.expired', 'payment_intent.created', 'payment_intent.canceled']);
    expect((events[0]!.data.object as Stripe.Checkout.Session).id).toBe(session.id);
    expect((events[1]!.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
  });

  it('an intent created and confirmed at once says payment_intent.created once, beside its payment events', async () => {
    const r = await receiver();
    const s = await sandbox();
    const stripe = client(s);
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['*'] });
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await waitFor(() => r.requests.length >= 3);
    await stripe.customers.create({});
    await waitFor(() => r.requests.some((req) => req.body.includes('"customer.created"')));
    const types = verifyAll(stripe, r, we.secret as string).map((e) => e.type);
    expect(types.filter((t) => t === 'payment_intent.created')).toHaveLength(1);
    expect(types.slice(0, 3).sort()).toEqual(['charge.succeeded', 'payment_intent.created', 'payment_intent.succeeded']);
    expect(types.at(-1)).toBe('customer.created');
    expect(types).toHaveLength(4);
  });

  it('chaos rules for every event apply: a tampered copy of customer.created beside the genuine one', async () => {
    const r = await receiver();
    const s = await sandbox();
    const stripe = client(s);
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['customer.created'] });
    await control(s, 'POST', '/chaos', { events: ['*'], times: 1, probe: 'tampered' });
    await stripe.customers.create({ email: 'chaos@example.com' });
    await waitFor(() => r.requests.length === 2);
    const outcomes = r.requests.map((req) => {
      try {
        return stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, we.secret as string).type;
      } catch (err) {
        return err instanceof Stripe.errors.StripeSignatureVerificationError ? 'rejected' : 'other error';
      }
    });
    expect(outcomes.sort()).toEqual(['customer.created', 'rejected']);
  });

  it('--forward-to and listen receive customer.created, signed with the provider secret', async () => {
    const forward = await receiver();
    const app = await receiver();
    const s = await sandbox({ forwardTo: forward.url });
    const forwarder = new Forwarder({ client: () => new SandboxClient(s.sandbox.url, s.sandbox.merchant.secret_key), forwardTo: app.url, events: null, providers: await loadProviders() });
    cleanup.push(() => forwarder.stop());
    await forwarder.start(() => undefined);
    const stripe = client(s);
    const c = await stripe.customers.create({ email: 'listen@example.com' });
    await waitFor(() => forward.requests.length === 1 && app.requests.length === 1);
    for (const r of [forward, app]) {
      const [event] = verifyAll(stripe, r, s.keys.webhook_secret);
      expect(event!.type).toBe('customer.created');
      expect((event!.data.object as Stripe.Customer).id).toBe(c.id);
    }
  });
});
