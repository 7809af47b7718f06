/**
 * The Stripe provider inside the sandbox: the simulated buyer reaching an intent by its pi_ id, events
 * forwarded with the provider's secret, callback chaos probes, and state and keys across a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { waitFor, type Receiver } from '../../helpers/sandbox.js';
import { startStripeSandbox, stripeNode, stripeTestResources } from './stripe-sandbox.js';

const { cleanup, sandbox, receiver } = stripeTestResources();
const client = stripeNode;
const verify = (stripe: Stripe, r: Receiver, i: number, secret: string) =>
  stripe.webhooks.constructEvent(r.requests[i]!.body, r.requests[i]!.headers['stripe-signature'] as string, secret);

describe('the Stripe provider in the sandbox', () => {
  it('describes itself for the readiness line and serves on its own port', async () => {
    const s = await sandbox();
    const served = s.sandbox.providers.stripe!;
    expect(served.port).not.toBe(s.sandbox.port);
    expect(served.description).toEqual({
      url: served.url,
      secret_key: expect.stringMatching(/^sk_test_\w+$/),
      publishable_key: expect.stringMatching(/^pk_test_\w+$/),
      webhook_secret: expect.stringMatching(/^whsec_\w+$/),
    });
  });

  it('the simulated buyer completes 3-D Secure by the pi_ id; the events are listed though no endpoint wanted them', async () => {
    const s = await sandbox();
    const stripe = client(s);
    const pi = await stripe.paymentIntents.create({ amount: 4200, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true });
    expect(pi.status).toBe('requires_action');
    const res = await fetch(`${s.sandbox.url}/_sandbox/buyer/${pi.id}/complete`, { method: 'POST', headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}` } });
    expect(res.status).toBeLessThan(400);
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
    const types = (await stripe.events.list({ limit: 10 })).data.map((e) => e.type).reverse();
    expect(types).toEqual(['payment_intent.created', 'payment_intent.requires_action', 'charge.succeeded', 'payment_intent.succeeded']);
  });

  it('--forward-to receives every event, the intent own ones included, signed with the provider secret', async () => {
    const r = await receiver();
    const s = await sandbox({ forwardTo: r.url });
    const stripe = client(s);
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'eur', payment_method: 'pm_card_visa', confirm: true });
    await waitFor(() => r.requests.length >= 3);
    const events = r.requests.map((_, i) => verify(stripe, r, i, s.keys.webhook_secret));
    expect(events.map((e) => e.type).sort()).toEqual(['charge.succeeded', 'payment_intent.created', 'payment_intent.succeeded']);
    expect(events.every((e) => e.type === 'charge.succeeded' || (e.data.object as Stripe.PaymentIntent).id === pi.id)).toBe(true);
  });

  it('a chaos probe sends a tampered copy constructEvent rejects, beside the genuine one', async () => {
    const r = await receiver();
    const s = await sandbox();
    const stripe = client(s);
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['payment_intent.succeeded'] });
    const chaos = await fetch(`${s.sandbox.url}/_sandbox/chaos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: ['payment.succeeded'], times: 1, probe: 'tampered' }),
    });
    expect(chaos.status).toBeLessThan(300);
    await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await waitFor(() => r.requests.length >= 2);
    const outcomes = r.requests.map((_, i) => {
      try {
        return verify(stripe, r, i, we.secret as string).type;
      } catch (err) {
        return err instanceof Stripe.errors.StripeSignatureVerificationError ? 'rejected' : 'other error';
      }
    });
    expect(outcomes.sort()).toEqual(['payment_intent.succeeded', 'rejected']);
  });

  it('keeps intents, endpoints and keys across a restart on the same data file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paycli-stripe-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const dataFile = join(dir, 'sandbox.json');
    const first = await startStripeSandbox({ inMemory: false, dataFile });
    const stripe = client(first);
    const pi = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const we = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/x', enabled_events: ['*'] });
    const keys = first.keys;
    await first.close();

    const second = await sandbox({ inMemory: false, dataFile });
    expect(second.keys).toEqual(keys);
    const again = client(second);
    const found = await again.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
    expect(found.status).toBe('succeeded');
    expect((found.latest_charge as Stripe.Charge).amount_captured).toBe(700);
    expect((await again.webhookEndpoints.retrieve(we.id)).url).toBe('http://127.0.0.1:9/x');
    expect((await again.events.list({ type: 'payment_intent.succeeded' })).data).toHaveLength(1);
  });
});
