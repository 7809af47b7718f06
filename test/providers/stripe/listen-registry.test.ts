/** Plain `paycli listen` forwards a Stripe payment's notifications as Stripe events, verifiable with constructEvent. */
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { Forwarder } from '../../../src/listen/forwarder.js';
import { loadProviders } from '../../../src/providers/registry.js';
import { SandboxClient } from '../../../src/sandbox/client.js';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { startStripeSandbox, type StripeSandbox } from './stripe-sandbox.js';

let psp: StripeSandbox | null = null;
let forwarder: Forwarder | null = null;
let app: Receiver | null = null;
afterEach(async () => {
  await forwarder?.stop();
  await psp?.close();
  await app?.close();
  forwarder = psp = app = null;
});

describe('listen through the registry, for Stripe', () => {
  it('forwards charge.succeeded and payment_intent.succeeded signed with the provider secret', async () => {
    psp = await startStripeSandbox();
    app = await startReceiver();
    const s = psp.sandbox;
    forwarder = new Forwarder({ client: () => new SandboxClient(s.url, s.merchant.secret_key), forwardTo: app.url, events: null, providers: await loadProviders() });
    await forwarder.start(() => undefined);
    const url = new URL(psp.url);
    const stripe = new Stripe(psp.keys.secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
    const pi = await stripe.paymentIntents.create({ amount: 800, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await waitFor(() => app!.requests.some((r) => r.body.includes('"payment_intent.succeeded"')));
    const events = app.requests.map((r) => stripe.webhooks.constructEvent(r.body, r.headers['stripe-signature'] as string, psp!.keys.webhook_secret));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['charge.succeeded', 'payment_intent.succeeded']));
    expect((events.find((e) => e.type === 'payment_intent.succeeded')!.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
  });
});
