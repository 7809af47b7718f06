/**
 * Stripe events kept in a data file: what `/v1/events` answers is the bytes the webhooks carried, before
 * and after the sandbox reopens the file (however `stripe_events` stores them).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { startStripeSandbox, stripeNode, type StripeSandbox } from './stripe-sandbox.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** The raw body of `GET /v1/events/:id`. */
async function eventText(s: StripeSandbox, id: string): Promise<string> {
  const res = await fetch(`${s.url}/v1/events/${id}`, { headers: { authorization: `Bearer ${s.keys.secret_key}` } });
  expect(res.status).toBe(200);
  return res.text();
}

describe('Stripe events kept in a data file', () => {
  it('answer /v1/events with the bytes their webhooks carried, before and after a reopen', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'paycli-stripe-events-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const dataFile = path.join(dir, 'sandbox.json');
    const receiver: Receiver = await startReceiver();
    cleanup.push(() => receiver.close());

    const first = await startStripeSandbox({ inMemory: false, dataFile });
    const stripe = stripeNode(first);
    await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual', metadata: { order: 'o-1' } });
    await stripe.paymentIntents.capture(pi.id);
    await stripe.refunds.create({ payment_intent: pi.id, amount: 400 });
    const types = ['payment_intent.created', 'charge.succeeded', 'payment_intent.amount_capturable_updated', 'charge.captured', 'payment_intent.succeeded', 'refund.created', 'charge.refunded'];
    await waitFor(() => receiver.requests.length >= types.length);
    const sent = receiver.requests.map((r) => JSON.parse(r.body) as { id: string; type: string; data: { previous_attributes?: unknown } });
    expect(sent.map((e) => e.type).sort()).toEqual([...types].sort());
    expect(sent.find((e) => e.type === 'charge.refunded')!.data.previous_attributes).toEqual({ amount_refunded: 0 });

    const expected = new Map(sent.map((e) => [e.id, JSON.stringify(e)]));
    for (const [id, text] of expected) expect(await eventText(first, id)).toBe(text);
    const listed = await (await fetch(`${first.url}/v1/events?limit=20`, { headers: { authorization: `Bearer ${first.keys.secret_key}` } })).text();
    await first.close();

    const second = await startStripeSandbox({ inMemory: false, dataFile });
    cleanup.push(() => second.close());
    for (const [id, text] of expected) expect(await eventText(second, id)).toBe(text);
    expect(await (await fetch(`${second.url}/v1/events?limit=20`, { headers: { authorization: `Bearer ${second.keys.secret_key}` } })).text()).toBe(listed);
  });

  it('expand[] on an event answers a copy: the event read or resent afterwards is unchanged', async () => {
    const receiver: Receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    const s = await startStripeSandbox();
    cleanup.push(() => s.close());
    const stripe = stripeNode(s);
    const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['payment_intent.succeeded'] });
    const customer = await stripe.customers.create({ email: 'buyer@example.com' });
    await stripe.paymentIntents.create({ amount: 1200, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
    const event = (await stripe.events.list({ type: 'payment_intent.succeeded' })).data[0]!;
    const before = await eventText(s, event.id);

    const expanded = await stripe.events.retrieve(event.id, { expand: ['data.object.customer', 'data.object.latest_charge'] });
    const intent = expanded.data.object as Stripe.PaymentIntent;
    expect(intent.customer).toMatchObject({ id: customer.id, object: 'customer' });
    expect(intent.latest_charge).toMatchObject({ object: 'charge' });

    expect(await eventText(s, event.id)).toBe(before);
    await waitFor(() => receiver.requests.length === 1);
    const resent = await fetch(`${s.sandbox.url}/_sandbox/events/${event.id}/resend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(resent.status).toBeLessThan(300);
    await waitFor(() => receiver.requests.length === 2);
    const delivered = stripe.webhooks.constructEvent(receiver.requests[1]!.body, receiver.requests[1]!.headers['stripe-signature'] as string, endpoint.secret!);
    expect(delivered.id).toBe(event.id);
    expect((delivered.data.object as Stripe.PaymentIntent).customer).toBe(customer.id);
  });
});
