/**
 * Checkout Sessions in `mode=setup` through stripe-node: a hosted page that saves a card for later (no
 * amount, `payment_status: no_payment_required`), the session's SetupIntent made when the buyer submits a
 * card, `checkout.session.completed` carrying it once the card is set up (after 3-D Secure on the challenge
 * page or through the control API's buyer), a declined card kept on the page, and Stripe's 400s for what
 * setup mode does not take.
 */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/sandbox.js';
import { failure, stripeNode, stripeTestResources, type StripeSandbox } from './stripe-sandbox.js';

const resources = stripeTestResources();

/** A sandbox with an endpoint that wants every event, and a customer's setup session. */
async function setupSession(extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  const s = await resources.sandbox();
  const stripe = stripeNode(s);
  const r = await resources.receiver();
  const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['*'] });
  const customer = await stripe.customers.create({ email: 'saver@example.com' });
  const session = await stripe.checkout.sessions.create({
    mode: 'setup',
    currency: 'usd',
    customer: customer.id,
    success_url: 'https://shop.example/saved?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://shop.example/cancel',
    ...extra,
  });
  const received = () => r.requests.map((req) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, we.secret as string));
  return { s, stripe, r, received, customer, session };
}

const submit = (url: string, card: string) => fetch(url, { method: 'POST', body: new URLSearchParams({ card }), redirect: 'manual' });

describe('Checkout in setup mode', () => {
  it('saves a card: success_url, the session complete with its succeeded SetupIntent, checkout.session.completed after setup_intent.succeeded', async () => {
    const { s, stripe, r, received, customer, session } = await setupSession({ setup_intent_data: { description: 'Card for renewals', metadata: { plan: 'pro' } } });
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'setup',
      status: 'open',
      payment_status: 'no_payment_required',
      amount_total: null,
      amount_subtotal: null,
      currency: 'usd',
      customer: customer.id,
      setup_intent: null,
      payment_intent: null,
    });
    expect(session.url).toBe(`${s.url}/c/pay/${session.id}`);
    const page = await (await fetch(session.url!)).text();
    expect(page).toContain('Save card');
    expect(page).not.toContain('id="amount"');

    const res = await submit(session.url!, 'pm_card_visa');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`https://shop.example/saved?session_id=${session.id}`);

    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
    expect(done).toMatchObject({ status: 'complete', payment_status: 'no_payment_required', url: null });
    const si = done.setup_intent as Stripe.SetupIntent;
    expect(si).toMatchObject({ object: 'setup_intent', status: 'succeeded', customer: customer.id, usage: 'off_session', description: 'Card for renewals', metadata: { plan: 'pro' } });
    expect((await stripe.paymentMethods.retrieve(si.payment_method as string)).customer).toBe(customer.id);
    // The saved card pays later, off session.
    const later = await stripe.paymentIntents.create({ amount: 1200, currency: 'usd', customer: customer.id, payment_method: si.payment_method as string, confirm: true, off_session: true });
    expect(later.status).toBe('succeeded');

    await waitFor(() => received().some((e) => e.type === 'checkout.session.completed'));
    const types = received().map((e) => e.type);
    expect(types.indexOf('setup_intent.succeeded')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('checkout.session.completed')).toBeGreaterThan(types.indexOf('setup_intent.succeeded'));
    expect(types.filter((t) => t === 'checkout.session.completed')).toHaveLength(1);
    const completed = received().find((e) => e.type === 'checkout.session.completed')!.data.object as Stripe.Checkout.Session;
    expect(completed).toMatchObject({ id: session.id, mode: 'setup', status: 'complete', setup_intent: si.id, payment_status: 'no_payment_required' });

    // Complete: the page says so, and the card cannot be submitted again.
    expect((await submit(session.url!, 'pm_card_visa')).status).toBe(409);
  });

  it('3-D Secure goes through the challenge page, whose success completes the session and goes to success_url', async () => {
    const { s, stripe, received, session } = await setupSession();
    const res = await submit(session.url!, 'pm_card_authenticationRequired');
    expect(res.status).toBe(303);
    const challenge = res.headers.get('location')!;
    expect(challenge).toMatch(new RegExp(`^${s.url}/3ds/seti_`));
    const waiting = await stripe.checkout.sessions.retrieve(session.id);
    expect(waiting).toMatchObject({ status: 'open', setup_intent: challenge.split('/').pop() });
    expect((await stripe.setupIntents.retrieve(waiting.setup_intent as string)).status).toBe('requires_action');

    const passed = await fetch(`${challenge}/complete`, { method: 'POST', redirect: 'manual' });
    expect(passed.status).toBe(303);
    expect(passed.headers.get('location')).toBe(`https://shop.example/saved?session_id=${session.id}`);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('complete');
    await waitFor(() => received().some((e) => e.type === 'checkout.session.completed'));
  });

  it("the control API's buyer completing the SetupIntent's 3-D Secure completes the session too", async () => {
    const { s, stripe, received, session } = await setupSession();
    const res = await submit(session.url!, 'pm_card_authenticationRequired');
    const seti = res.headers.get('location')!.split('/').pop()!;
    const acted = await fetch(`${s.sandbox.url}/_sandbox/buyer/${seti}/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(acted.status).toBe(200);
    expect(await acted.json()).toMatchObject({ id: seti, status: 'succeeded' });
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete', setup_intent: seti });
    await waitFor(() => received().some((e) => e.type === 'checkout.session.completed'));
  });

  it('a failed challenge or a declined card keeps the buyer on the page, and another card completes the same SetupIntent', async () => {
    const { s, stripe, session } = await setupSession();
    const declined = await submit(session.url!, 'pm_card_visa_chargeDeclined');
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain('Your card was declined.');
    const open = await stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
    expect(open.status).toBe('open');
    const si = open.setup_intent as Stripe.SetupIntent;
    expect(si).toMatchObject({ status: 'requires_payment_method', last_setup_error: { code: 'card_declined' } });

    const challenge = (await submit(session.url!, 'pm_card_authenticationRequired')).headers.get('location')!;
    const failed = await fetch(`${challenge}/fail`, { method: 'POST', redirect: 'manual' });
    expect(failed.status).toBe(303);
    expect(failed.headers.get('location')).toBe(`${s.url}/c/pay/${session.id}`);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');

    expect((await submit(session.url!, 'pm_card_visa')).status).toBe(303);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete', setup_intent: si.id });
    expect((await stripe.setupIntents.retrieve(si.id)).status).toBe('succeeded');
  });

  it('answers Stripe 400s naming what setup mode does not take', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const base = { mode: 'setup' as const, success_url: 'https://shop.example/ok' };
    const noCurrency = await failure(stripe.checkout.sessions.create(base));
    expect(noCurrency).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'currency' });
    // Named payment method types make the currency optional, as on Stripe.
    expect(await stripe.checkout.sessions.create({ ...base, allowed_payment_method_types: ['card'] })).toMatchObject({ mode: 'setup', currency: null });
    const items = await failure(
      stripe.checkout.sessions.create({ ...base, currency: 'usd', line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'X' } }, quantity: 1 }] }),
    );
    expect(items).toMatchObject({ statusCode: 400, param: 'line_items' });
    const pid = await failure(stripe.checkout.sessions.create({ ...base, currency: 'usd', payment_intent_data: { description: 'x' } }));
    expect(pid).toMatchObject({ statusCode: 400, param: 'payment_intent_data' });
    const sid = await failure(stripe.checkout.sessions.create({ ...base, currency: 'usd', setup_intent_data: { nope: 1 } as never }));
    expect(sid).toMatchObject({ statusCode: 400, param: expect.stringContaining('setup_intent_data') });
    const subscription = await failure(stripe.checkout.sessions.create({ mode: 'subscription', success_url: 'https://shop.example/ok' }));
    expect(subscription).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'mode' });
  });
});
