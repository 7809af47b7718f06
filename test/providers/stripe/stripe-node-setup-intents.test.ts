/**
 * stripe-node's SetupIntents against the Stripe provider: a merchant saving a card for later with a
 * customer; statuses, 3-D Secure through the challenge page, declines as Stripe answers them for a
 * SetupIntent, the card attached on success, and `setup_intent.*` events delivered like the others.
 */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/sandbox.js';
import { failure, stripeNode, stripeTestResources } from './stripe-sandbox.js';

const resources = stripeTestResources();

describe('setupIntents', () => {
  it('create with confirm=true and pm_card_visa succeeds and attaches the card to the customer', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const customer = await stripe.customers.create({ email: 'ada@example.com' });
    const si = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
      usage: 'off_session',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      metadata: { plan: 'pro' },
    });
    expect(si).toMatchObject({
      object: 'setup_intent',
      status: 'succeeded',
      customer: customer.id,
      usage: 'off_session',
      last_setup_error: null,
      next_action: null,
      metadata: { plan: 'pro' },
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      livemode: false,
    });
    expect(si.id).toMatch(/^seti_/);
    expect(si.client_secret).toMatch(new RegExp(`^${si.id}_secret_`));
    expect(si.payment_method).toMatch(/^pm_/);
    const pm = await stripe.paymentMethods.retrieve(si.payment_method as string);
    expect(pm.customer).toBe(customer.id);
    expect(pm.card?.last4).toBe('4242');
    expect((await stripe.customers.listPaymentMethods(customer.id)).data.map((p) => p.id)).toEqual([pm.id]);
    expect(await stripe.setupIntents.retrieve(si.id)).toMatchObject({ id: si.id, status: 'succeeded', payment_method: si.payment_method, customer: customer.id, client_secret: si.client_secret });
    // The saved card pays later off session for that customer.
    const later = await stripe.paymentIntents.create({ amount: 900, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true, off_session: true });
    expect(later.status).toBe('succeeded');
  });

  it('walks requires_payment_method → requires_confirmation → succeeded; retrieve, update, list and expand', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id, usage: 'on_session' });
    expect(si).toMatchObject({ status: 'requires_payment_method', payment_method: null, usage: 'on_session', automatic_payment_methods: { enabled: true } });
    const updated = await stripe.setupIntents.update(si.id, { payment_method: 'pm_card_mastercard', description: 'Card for renewals', metadata: { a: '1' } });
    expect(updated).toMatchObject({ status: 'requires_confirmation', description: 'Card for renewals', metadata: { a: '1' } });
    const confirmed = await stripe.setupIntents.confirm(si.id, { expand: ['payment_method'] });
    expect(confirmed.status).toBe('succeeded');
    expect((confirmed.payment_method as Stripe.PaymentMethod).customer).toBe(customer.id);
    expect((confirmed.payment_method as Stripe.PaymentMethod).card?.brand).toBe('mastercard');

    const other = await stripe.setupIntents.create({});
    expect((await stripe.setupIntents.list()).data.map((x) => x.id)).toEqual([other.id, si.id]);
    expect((await stripe.setupIntents.list({ customer: customer.id })).data.map((x) => x.id)).toEqual([si.id]);
    expect((await stripe.setupIntents.list({ limit: 1 })).has_more).toBe(true);
    expect((await stripe.setupIntents.retrieve(si.id, { expand: ['customer'] })).customer).toMatchObject({ id: customer.id, object: 'customer' });
  });

  it('pm_card_authenticationRequired: requires_action with the challenge page, which sets the card up and returns with setup_intent', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const customer = await stripe.customers.create({});
    const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_authenticationRequired', confirm: true, return_url: 'https://shop.example/saved' });
    expect(si.status).toBe('requires_action');
    expect(si.next_action?.type).toBe('redirect_to_url');
    const url = si.next_action!.redirect_to_url!.url!;
    expect(url).toBe(`${s.url}/3ds/${si.id}`);
    expect(si.next_action!.redirect_to_url!.return_url).toBe('https://shop.example/saved');
    expect((await stripe.paymentMethods.retrieve(si.payment_method as string)).customer).toBeNull();

    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(si.id);
    expect(html).toContain('SetupIntent');
    // Confirming again while the buyer has not authenticated changes nothing.
    expect((await stripe.setupIntents.confirm(si.id)).status).toBe('requires_action');

    const done = await fetch(`${url}/complete`, { method: 'POST', redirect: 'manual' });
    expect(done.status).toBe(303);
    const back = new URL(done.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe('https://shop.example/saved');
    expect(Object.fromEntries(back.searchParams)).toEqual({ setup_intent: si.id, setup_intent_client_secret: si.client_secret, redirect_status: 'succeeded' });
    const after = await stripe.setupIntents.retrieve(si.id);
    expect(after).toMatchObject({ status: 'succeeded', next_action: null });
    expect((await stripe.paymentMethods.retrieve(after.payment_method as string)).customer).toBe(customer.id);
  });

  it('a failed challenge hands the intent back in requires_payment_method with last_setup_error; another card then succeeds', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const si = await stripe.setupIntents.create({ payment_method: 'pm_card_authenticationRequired', confirm: true, return_url: 'https://shop.example/saved' });
    const failed = await fetch(`${s.url}/3ds/${si.id}/fail`, { method: 'POST', redirect: 'manual' });
    expect(new URL(failed.headers.get('location')!).searchParams.get('redirect_status')).toBe('failed');
    const after = await stripe.setupIntents.retrieve(si.id);
    expect(after).toMatchObject({ status: 'requires_payment_method', payment_method: null, last_setup_error: { type: 'invalid_request_error', code: 'setup_intent_authentication_failure' } });
    expect(after.last_setup_error!.payment_method!.id).toBe(si.payment_method);
    const retried = await stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' });
    expect(retried).toMatchObject({ status: 'succeeded', last_setup_error: null });
  });

  it('request_three_d_secure=any asks for 3-D Secure on a card that does not require it', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const si = await stripe.setupIntents.create({ payment_method: 'pm_card_visa', confirm: true, return_url: 'https://shop.example/saved', payment_method_options: { card: { request_three_d_secure: 'any' } } });
    expect(si.status).toBe('requires_action');
    expect(si.payment_method_options?.card?.request_three_d_secure).toBe('any');
    const plain = await stripe.setupIntents.create({ payment_method: 'pm_card_visa', confirm: true });
    expect(plain.payment_method_options?.card?.request_three_d_secure).toBe('automatic');
    expect(plain.status).toBe('succeeded');
  });

  it('a declined card is a 402 card_declined carrying the setup_intent; the intent wants another payment method', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const customer = await stripe.customers.create({});
    const err = await failure(stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds', confirm: true }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ statusCode: 402, type: 'StripeCardError', code: 'card_declined', decline_code: 'insufficient_funds' });
    const raw = err.raw as { setup_intent?: Stripe.SetupIntent; payment_method?: Stripe.PaymentMethod; charge?: string };
    expect(raw.setup_intent).toMatchObject({ object: 'setup_intent', status: 'requires_payment_method', payment_method: null, last_setup_error: { code: 'card_declined', decline_code: 'insufficient_funds' } });
    expect(raw.payment_method?.object).toBe('payment_method');
    expect(raw).not.toHaveProperty('charge');
    // stripe-node carries it on the error itself, as it does a payment_intent.
    expect((err as Stripe.errors.StripeCardError & { setup_intent?: { id: string } }).setup_intent?.id).toBe(raw.setup_intent!.id);
    const si = await stripe.setupIntents.retrieve(raw.setup_intent!.id);
    expect(si.status).toBe('requires_payment_method');
    // Nothing was saved to the customer.
    expect((await stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
    const expired = await failure(stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_chargeDeclinedExpiredCard' }));
    expect(expired).toMatchObject({ statusCode: 402, code: 'expired_card' });
  });

  it('confirming a succeeded or canceled intent, or canceling a succeeded one, is setup_intent_unexpected_state', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const done = await stripe.setupIntents.create({ payment_method: 'pm_card_visa', confirm: true });
    const again = await failure(stripe.setupIntents.confirm(done.id));
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again).toMatchObject({ statusCode: 400, code: 'setup_intent_unexpected_state', message: 'You cannot confirm this SetupIntent because it has already succeeded after being previously confirmed.' });
    expect((again.raw as { setup_intent?: { id: string } }).setup_intent?.id).toBe(done.id);
    const cancelDone = await failure(stripe.setupIntents.cancel(done.id));
    expect(cancelDone).toMatchObject({ statusCode: 400, code: 'setup_intent_unexpected_state' });
    expect(cancelDone.message).toContain('status of succeeded');

    const open = await stripe.setupIntents.create({ payment_method: 'pm_card_visa' });
    const canceled = await stripe.setupIntents.cancel(open.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    const confirmCanceled = await failure(stripe.setupIntents.confirm(open.id));
    expect(confirmCanceled).toMatchObject({ statusCode: 400, code: 'setup_intent_unexpected_state' });
    expect(confirmCanceled.message).toContain('status of canceled');
    expect(await failure(stripe.setupIntents.cancel(open.id))).toMatchObject({ statusCode: 400, code: 'setup_intent_unexpected_state' });
    expect(await failure(stripe.setupIntents.update(open.id, { metadata: { a: 'b' } }))).toMatchObject({ statusCode: 400, code: 'setup_intent_unexpected_state' });
  });

  it('bad input is a 4xx in Stripe’s shape naming the parameter, and creates nothing', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const cases: [Promise<unknown>, string, number][] = [
      [stripe.setupIntents.create({ usage: 'sometimes' as never }), 'usage', 400],
      [stripe.setupIntents.create({ customer: 'cus_missing' }), 'customer', 404],
      [stripe.setupIntents.create({ payment_method: 'pm_missing' }), 'payment_method', 404],
      [stripe.setupIntents.create({ return_url: 'https://shop.example/r' }), 'return_url', 400],
      [stripe.setupIntents.create({ return_url: 'not a url', confirm: true }), 'return_url', 400],
      [stripe.setupIntents.create({ confirm: 'yes' as never }), 'confirm', 400],
      [stripe.setupIntents.create({ automatic_payment_methods: { enable: true } as never }), 'automatic_payment_methods[enable]', 400],
      [stripe.setupIntents.create({ payment_method_options: { card: { request_three_d_secure: 'never' as never } } }), 'payment_method_options[card][request_three_d_secure]', 400],
      [stripe.setupIntents.create({ amount: 100 } as never), 'amount', 400],
      [stripe.setupIntents.create({ payment_method_data: { type: 'card', card: { number: '4242424242424241', exp_month: 12, exp_year: 2040 } } as never }), 'payment_method_data[card][number]', 402],
    ];
    for (const [call, param, status] of cases) {
      const err = await failure(call);
      expect(err, param).toMatchObject({ statusCode: status, param });
    }
    expect((await stripe.setupIntents.list()).data).toEqual([]);
    const missing = await failure(stripe.setupIntents.retrieve('seti_missing'));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id', message: "No such setupintent: 'seti_missing'" });
    // automatic payment methods that may redirect need a return_url to confirm, as for PaymentIntents.
    const redirects = await failure(stripe.setupIntents.create({ payment_method: 'pm_card_visa', confirm: true, automatic_payment_methods: { enabled: true } }));
    expect(redirects).toMatchObject({ statusCode: 400 });
    expect(redirects.message).toContain('A `return_url` must be specified because this Setup Intent');
    const si = await stripe.setupIntents.create({});
    const noMethod = await failure(stripe.setupIntents.confirm(si.id));
    expect(noMethod).toMatchObject({ statusCode: 400, code: 'setup_intent_unexpected_state', param: 'payment_method' });
    expect(await failure(stripe.setupIntents.cancel(si.id, { cancellation_reason: 'bored' as never }))).toMatchObject({ statusCode: 400, param: 'cancellation_reason' });
    expect(await failure(stripe.setupIntents.list({ limit: 0 }))).toMatchObject({ statusCode: 400, param: 'limit' });
  });

  it('a card saved to one customer cannot be set up for another', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const a = await stripe.customers.create({});
    const b = await stripe.customers.create({});
    const saved = await stripe.setupIntents.create({ customer: a.id, payment_method: 'pm_card_visa', confirm: true });
    const err = await failure(stripe.setupIntents.create({ customer: b.id, payment_method: saved.payment_method as string, confirm: true }));
    expect(err).toMatchObject({ statusCode: 400, param: 'payment_method' });
  });

  it('the publishable key retrieves and confirms with the client_secret, as Stripe.js confirmCardSetup does', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const browser = stripeNode(s, s.keys.publishable_key);
    const si = await stripe.setupIntents.create({});
    const confirmed = await browser.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa', client_secret: si.client_secret } as never);
    expect(confirmed.status).toBe('succeeded');
    expect(await failure(browser.setupIntents.retrieve(si.id, { client_secret: 'seti_x_secret_y' } as never))).toMatchObject({ statusCode: 404 });
    expect(await failure(browser.setupIntents.create({}))).toMatchObject({ statusCode: 401 });
  });
});

describe('cards saved for later, then charged off session', () => {
  async function setUp(s: Awaited<ReturnType<typeof resources.sandbox>>, stripe: Stripe, customer: string, pm: string): Promise<string> {
    const si = await stripe.setupIntents.create({ customer, payment_method: pm, confirm: true, return_url: 'https://shop.example/saved' });
    if (si.status === 'requires_action') await fetch(`${s.url}/3ds/${si.id}/complete`, { method: 'POST', redirect: 'manual' });
    const done = await stripe.setupIntents.retrieve(si.id);
    expect(done.status).toBe('succeeded');
    return done.payment_method as string;
  }

  it('pm_card_authenticationRequiredOnSetup asks for 3-D Secure on setup, then pays off session without it (on session it still asks)', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const customer = (await stripe.customers.create({})).id;
    const first = await stripe.setupIntents.create({ customer, payment_method: 'pm_card_authenticationRequiredOnSetup', confirm: true, return_url: 'https://shop.example/saved' });
    expect(first.status).toBe('requires_action');
    await fetch(`${s.url}/3ds/${first.id}/complete`, { method: 'POST', redirect: 'manual' });
    const pm = (await stripe.setupIntents.retrieve(first.id)).payment_method as string;
    expect((await stripe.paymentMethods.retrieve(pm)).card?.last4).toBe('3155');
    const offSession = await stripe.paymentIntents.create({ amount: 1200, currency: 'usd', customer, payment_method: pm, confirm: true, off_session: true });
    expect(offSession.status).toBe('succeeded');
    const onSession = await stripe.paymentIntents.create({ amount: 1200, currency: 'usd', customer, payment_method: pm, confirm: true, return_url: 'https://shop.example/r' });
    expect(onSession.status).toBe('requires_action');
    // Not set up: off session nobody can authenticate.
    const unsaved = await failure(stripe.paymentIntents.create({ amount: 1200, currency: 'usd', payment_method: 'pm_card_authenticationRequiredOnSetup', confirm: true, off_session: true }));
    expect(unsaved).toMatchObject({ statusCode: 402, code: 'authentication_required' });
  });

  it('pm_card_authenticationRequired always asks: even set up, an off-session payment fails with authentication_required', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const customer = (await stripe.customers.create({})).id;
    const pm = await setUp(s, stripe, customer, 'pm_card_authenticationRequired');
    const err = await failure(stripe.paymentIntents.create({ amount: 1200, currency: 'usd', customer, payment_method: pm, confirm: true, off_session: true }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ statusCode: 402, code: 'authentication_required' });
  });

  it('pm_card_chargeCustomerFail is set up and attached, and its charges are declined', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const customer = (await stripe.customers.create({})).id;
    const pm = await setUp(s, stripe, customer, 'pm_card_chargeCustomerFail');
    expect((await stripe.paymentMethods.retrieve(pm)).customer).toBe(customer);
    const err = await failure(stripe.paymentIntents.create({ amount: 1200, currency: 'usd', customer, payment_method: pm, confirm: true, off_session: true }));
    expect(err).toMatchObject({ statusCode: 402, code: 'card_declined' });
  });

  it("a payment with setup_future_usage saves the card after the buyer's 3-D Secure challenge, not only at confirmation", async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const customer = (await stripe.customers.create({})).id;
    const pi = await stripe.paymentIntents.create({
      amount: 1200,
      currency: 'usd',
      customer,
      setup_future_usage: 'off_session',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      return_url: 'https://shop.example/r',
    });
    expect(pi.status).toBe('requires_action');
    expect((await stripe.paymentMethods.retrieve(pi.payment_method as string)).customer).toBeNull();
    await fetch(`${s.url}/3ds/${pi.id}/complete`, { method: 'POST', redirect: 'manual' });
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
    expect((await stripe.paymentMethods.retrieve(pi.payment_method as string)).customer).toBe(customer);
  });
});

describe('setup_intent events', () => {
  it('are delivered signed to the endpoints that want them: created, requires_action, setup_failed, succeeded, canceled', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const r = await resources.receiver();
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: [
        'setup_intent.created',
        'setup_intent.requires_action',
        'setup_intent.succeeded',
        'setup_intent.setup_failed',
        'setup_intent.canceled',
        'payment_method.attached',
      ], });
    const customer = await stripe.customers.create({});
    const ok = await stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
    await failure(stripe.setupIntents.create({ payment_method: 'pm_card_visa_chargeDeclined', confirm: true }));
    const challenged = await stripe.setupIntents.create({ payment_method: 'pm_card_authenticationRequired', confirm: true, return_url: 'https://shop.example/r' });
    const dropped = await stripe.setupIntents.create({});
    await stripe.setupIntents.cancel(dropped.id);
    await waitFor(() => r.requests.length >= 9);
    const events = r.requests.map((req) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, we.secret as string));
    // Deliveries run side by side, so they may arrive in any order: each intent's set of events is compared.
    const of = (id: string) => events.filter((e) => (e.data.object as { id: string }).id === id).map((e) => e.type).sort();
    expect(of(ok.id)).toEqual(['setup_intent.created', 'setup_intent.succeeded']);
    expect(events.find((e) => e.type === 'payment_method.attached')!.data.object).toMatchObject({ id: ok.payment_method, customer: customer.id });
    expect(of(challenged.id)).toEqual(['setup_intent.created', 'setup_intent.requires_action']);
    expect(of(dropped.id)).toEqual(['setup_intent.canceled', 'setup_intent.created']);
    const failed = events.find((e) => e.type === 'setup_intent.setup_failed')!;
    expect(failed.data.object).toMatchObject({ object: 'setup_intent', status: 'requires_payment_method', last_setup_error: { code: 'card_declined' } });
    expect(events).toHaveLength(9);
    // The event log keeps the order they happened in (newest first).
    expect((await stripe.events.list({ types: ['setup_intent.created', 'setup_intent.succeeded'] })).data.filter((e) => (e.data.object as { id: string }).id === ok.id).map((e) => e.type)).toEqual([
      'setup_intent.succeeded',
      'setup_intent.created',
    ]);
    const listed = await stripe.events.list({ type: 'setup_intent.*' });
    expect(listed.data.map((e) => e.id).sort()).toEqual(events.filter((e) => e.type.startsWith('setup_intent.')).map((e) => e.id).sort());
  });
});
