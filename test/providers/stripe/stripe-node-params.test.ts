/**
 * stripe-node against the Stripe provider where Stripe validates what a merchant sends: currencies and
 * their minimum amounts, unknown keys inside the hashes the sandbox reads, enums, the `created` list
 * filter, the order in which parameters and state are checked, and the answers for what is not emulated.
 */
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { failure, startStripeSandbox, stripeNode, type StripeSandbox } from './stripe-sandbox.js';

let psp: StripeSandbox;
let stripe: Stripe;
let clock: FakeClock;

beforeEach(async () => {
  clock = new FakeClock();
  psp = await startStripeSandbox({ clock });
  stripe = stripeNode(psp);
});
afterEach(() => psp.close());

const shirt = (currency: string, unit_amount: number) => ({ price_data: { currency, unit_amount, product_data: { name: 'T-shirt' } }, quantity: 1 });

describe('currencies and amounts', () => {
  it('a currency Stripe does not support is a 400 listing the supported ones; upper case is read as lower', async () => {
    const err = await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'xyz' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.param).toBe('currency');
    expect(err.message).toMatch(/^Invalid currency: xyz\. Stripe currently supports these currencies: usd, aed, /);
    expect((await stripe.paymentIntents.create({ amount: 1000, currency: 'EUR' })).currency).toBe('eur');
    const line = await failure(stripe.checkout.sessions.create({ mode: 'payment', line_items: [shirt('zzz', 1000)], success_url: 'https://shop.test/ok' }));
    expect(line.param).toBe('line_items[0][price_data][currency]');
  });

  it.each([
    ['usd', 49, 50, 'Amount must be at least $0.50 usd'],
    ['gbp', 29, 30, 'Amount must be at least £0.30 gbp'],
    ['jpy', 49, 50, 'Amount must be at least ¥50 jpy'],
  ])('an intent below the %s minimum is amount_too_small', async (currency, below, minimum, message) => {
    const err = await failure(stripe.paymentIntents.create({ amount: below, currency, payment_method: 'pm_card_visa', confirm: true }));
    expect(err).toMatchObject({ statusCode: 400, code: 'amount_too_small', param: 'amount', message });
    expect((await stripe.paymentIntents.list()).data).toHaveLength(0);
    const ok = await stripe.paymentIntents.create({ amount: minimum, currency });
    expect(ok.amount).toBe(minimum);
    const lowered = await failure(stripe.paymentIntents.update(ok.id, { amount: below }));
    expect(lowered).toMatchObject({ code: 'amount_too_small', message });
  });

  it('a Checkout Session whose total is below the minimum is refused', async () => {
    const err = await failure(stripe.checkout.sessions.create({ mode: 'payment', line_items: [shirt('usd', 20)], success_url: 'https://shop.test/ok' }));
    expect(err).toMatchObject({ statusCode: 400, code: 'amount_too_small' });
    expect(err.message).toContain('$0.50 usd');
  });

  it('an over-refund names both amounts as Stripe writes them', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
    const err = await failure(stripe.refunds.create({ charge: pi.latest_charge as string, amount: 2500 }));
    expect(err).toMatchObject({ statusCode: 400, code: 'amount_too_large', param: 'amount' });
    expect(err.message).toBe('Refund amount ($25.00) is greater than unrefunded amount on charge ($15.00)');
  });
});

describe('parameters', () => {
  it('an unknown key inside a hash the sandbox reads is named with its path', async () => {
    const apm = await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: { enabled: true, enable: true } } as never));
    expect(apm).toMatchObject({
      statusCode: 400,
      param: 'automatic_payment_methods[enable]',
      message: 'Received unknown parameter: automatic_payment_methods[enable]',
      code: 'parameter_unknown',
      doc_url: 'https://stripe.com/docs/error-codes/parameter-unknown',
    });
    const card = await failure(
      stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method_data: { type: 'card', card: { numbr: '4242424242424242' } } } as never),
    );
    expect(card.message).toBe('Received unknown parameter: payment_method_data[card][numbr]');
    const pmd = await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method_data: { type: 'card', colour: 'red' } } as never));
    expect(pmd.message).toBe('Received unknown parameter: payment_method_data[colour]');
    const product = await failure(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price_data: { currency: 'usd', unit_amount: 900, product_data: { nmae: 'T-shirt' } }, quantity: 1 }],
        success_url: 'https://shop.test/ok',
      } as never),
    );
    expect(product.message).toBe('Received unknown parameter: line_items[0][price_data][product_data][nmae]');
    // What Stripe accepts inside those hashes still passes.
    const ok = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 900, product_data: { name: 'T-shirt', description: 'Blue' }, tax_behavior: 'exclusive' }, quantity: 1 }],
      payment_intent_data: { description: 'Order 9', statement_descriptor_suffix: 'SHOP' },
      success_url: 'https://shop.test/ok',
    });
    expect(ok.status).toBe('open');
  });

  it('a bad value inside a hash is named with its path; URLs must be absolute http(s)', async () => {
    const quantity = await failure(
      stripe.checkout.sessions.create({ mode: 'payment', line_items: [{ ...shirt('usd', 900), quantity: 0 }], success_url: 'https://shop.test/ok' }),
    );
    expect(quantity.param).toBe('line_items[0][quantity]');
    const unit = await failure(stripe.checkout.sessions.create({ mode: 'payment', line_items: [shirt('usd', -1)], success_url: 'https://shop.test/ok' }));
    expect(unit.param).toBe('line_items[0][price_data][unit_amount]');
    const success = await failure(stripe.checkout.sessions.create({ mode: 'payment', line_items: [shirt('usd', 900)], success_url: '/thanks' }));
    expect(success).toMatchObject({ statusCode: 400, code: 'url_invalid', param: 'success_url' });
    const ret = await failure(stripe.paymentIntents.create({ amount: 900, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, return_url: 'shop.test/return' }));
    expect(ret).toMatchObject({ statusCode: 400, code: 'url_invalid', param: 'return_url' });
    expect((await stripe.paymentIntents.list()).data).toHaveLength(0);
  });

  it('automatic_payment_methods and allowed_payment_method_types exclude each other', async () => {
    const err = await failure(
      stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: { enabled: true }, allowed_payment_method_types: ['card'] }),
    );
    expect(err).toMatchObject({
      statusCode: 400,
      message: 'You may only specify one of these parameters: automatic_payment_methods, allowed_payment_method_types.',
      code: 'parameters_exclusive',
      param: 'automatic_payment_methods',
    });
  });

  it('payment_method_types is refused on API versions since 2026-09-30.endive (stripe-node 23 pins one), as Stripe refuses it; an older version may still send it', async () => {
    const refused = async (call: Promise<unknown>) => expect(await failure(call)).toMatchObject({ statusCode: 400, code: 'payment_method_types_no_longer_supported', param: 'payment_method_types' });
    await refused(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method_types: ['card'] } as never));
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    await refused(stripe.paymentIntents.update(pi.id, { payment_method_types: ['card'] } as never));
    await refused(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa', payment_method_types: ['card'] } as never));
    await refused(stripe.setupIntents.create({ payment_method_types: ['card'] } as never));
    await refused(
      stripe.checkout.sessions.create({
        mode: 'payment',
        payment_method_types: ['card'],
        line_items: [{ price_data: { currency: 'usd', unit_amount: 900, product_data: { name: 'T-shirt' } }, quantity: 1 }],
      } as never),
    );
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_payment_method');
    const url = new URL(psp.url);
    const dahlia = new Stripe(psp.keys.secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0, apiVersion: '2026-08-26.dahlia' as never });
    const older = await dahlia.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method_types: ['card'] } as never);
    expect(older.payment_method_types).toEqual(['card']);
    // Without a version (curl, scripts), or one that names no date, the parameter is still read.
    for (const headers of [{}, { 'stripe-version': 'latest' }] as Record<string, string>[]) {
      const res = await fetch(`${psp.url}/v1/payment_intents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${psp.keys.secret_key}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: 'amount=1000&currency=usd&payment_method_types[0]=card',
      });
      expect(res.status).toBe(200);
    }
  });

  it('an enum value outside the list names the values as Stripe does', async () => {
    const err = await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', capture_method: 'later' as never }));
    expect(err).toMatchObject({ param: 'capture_method', message: 'Invalid capture_method: must be one of automatic, automatic_async, or manual' });
  });

  it('parameters are checked before the object state', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await stripe.refunds.create({ payment_intent: pi.id });
    const refund = await failure(stripe.refunds.create({ payment_intent: pi.id, reason: 'changed_mind' as never }));
    expect(refund).toMatchObject({ param: 'reason', message: 'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer' });
    const cancel = await failure(stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'bored' as never }));
    expect(cancel.param).toBe('cancellation_reason');
    const capture = await failure(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 0 }));
    expect(capture.param).toBe('amount_to_capture');
  });

  it("an operation the intent's status does not allow is payment_intent_unexpected_state carrying the intent", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
    await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'requested_by_customer' });
    for (const call of [stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' }), stripe.paymentIntents.capture(pi.id), stripe.paymentIntents.cancel(pi.id)]) {
      const err = await failure(call);
      expect(err).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
      expect(err.payment_intent).toMatchObject({ id: pi.id, status: 'canceled', cancellation_reason: 'requested_by_customer' });
    }
  });

  it('webhook endpoints take any of Stripe event types, and name one that is not', async () => {
    const err = await failure(stripe.webhookEndpoints.create({ url: 'https://shop.test/hook', enabled_events: ['payment_intent.succeeded', 'payment_intent.teleported' as never] }));
    expect(err).toMatchObject({ statusCode: 400, param: 'enabled_events[1]' });
    const unsent = await stripe.webhookEndpoints.create({ url: 'https://shop.test/hook', enabled_events: ['invoice.paid', 'payment_intent.succeeded'] });
    expect(unsent.enabled_events).toEqual(['invoice.paid', 'payment_intent.succeeded']);
  });

});

describe('the created filter of lists', () => {
  it('keeps the objects created in the range, on events, intents, customers, charges and refunds', async () => {
    const first = await stripe.customers.create({ email: 'first@example.com' });
    await clock.advance(60_000);
    const second = await stripe.customers.create({ email: 'second@example.com' });
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await clock.advance(60_000);
    const refund = await stripe.refunds.create({ payment_intent: pi.id });

    const ids = (list: { data: { id: string }[] }) => list.data.map((x) => x.id);
    expect(ids(await stripe.customers.list({ created: { gt: first.created } }))).toEqual([second.id]);
    expect(ids(await stripe.customers.list({ created: { lte: first.created } }))).toEqual([first.id]);
    expect(ids(await stripe.customers.list({ created: second.created }))).toEqual([second.id]);
    expect(ids(await stripe.customers.list({ created: { gte: first.created, lt: second.created } }))).toEqual([first.id]);
    expect(ids(await stripe.paymentIntents.list({ created: { gt: pi.created } }))).toEqual([]);
    expect(ids(await stripe.paymentIntents.list({ created: { gte: pi.created } }))).toEqual([pi.id]);
    expect(ids(await stripe.charges.list({ created: { lt: pi.created } }))).toEqual([]);
    expect(ids(await stripe.refunds.list({ created: { gt: pi.created } }))).toEqual([refund.id]);

    const refundEvents = await stripe.events.list({ created: { gt: pi.created } });
    expect(refundEvents.data.map((e) => e.type).sort()).toEqual(['charge.refunded', 'refund.created']);
    const customerEvents = await stripe.events.list({ type: 'customer.created', created: { lt: second.created } });
    expect(customerEvents.data.map((e) => (e.data.object as Stripe.Customer).id)).toEqual([first.id]);
  });

  it('a created filter with an unknown key or a non-integer bound is a 400 naming it', async () => {
    const key = await failure(stripe.events.list({ created: { after: 5 } as never }));
    expect(key).toMatchObject({ statusCode: 400, param: 'created[after]', message: 'Received unknown parameter: created[after]' });
    const bound = await failure(stripe.paymentIntents.list({ created: { gt: 'soon' as never } }));
    expect(bound).toMatchObject({ statusCode: 400, param: 'created[gt]', message: 'Invalid integer: soon' });
  });
});

describe('payment method details', () => {
  it('debit and prepaid test cards say so in funding, on the payment method and the charge', async () => {
    for (const [pm, funding] of [
      ['pm_card_visa_debit', 'debit'],
      ['pm_card_mastercard_prepaid', 'prepaid'],
      ['pm_card_visa', 'credit'],
    ] as const) {
      const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: pm, confirm: true, expand: ['payment_method', 'latest_charge'] });
      expect((pi.payment_method as Stripe.PaymentMethod).card?.funding).toBe(funding);
      expect((pi.latest_charge as Stripe.Charge).payment_method_details?.card?.funding).toBe(funding);
    }
  });

  it('an expired card and a wrong security code point param at the card field, as Stripe does', async () => {
    const expired = await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_chargeDeclinedExpiredCard', confirm: true }));
    expect(expired).toMatchObject({ code: 'expired_card', param: 'exp_month' });
    const cvc = await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_chargeDeclinedIncorrectCvc', confirm: true }));
    expect(cvc).toMatchObject({ code: 'incorrect_cvc', param: 'cvc' });
    const intent = await stripe.paymentIntents.retrieve((cvc.payment_intent as Stripe.PaymentIntent).id);
    expect(intent.last_payment_error?.param).toBe('cvc');
  });
});

describe('return_url with automatic payment methods', () => {
  const apm = { enabled: true };

  it('confirming an intent whose automatic payment methods may redirect needs a return_url, as on Stripe', async () => {
    const before = (await stripe.paymentIntents.list({ limit: 100 })).data.length;
    const refused = await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: apm, payment_method: 'pm_card_visa', confirm: true }));
    expect(refused).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    expect(refused.message).toContain('A `return_url` must be specified');
    expect(refused.message).toContain('`automatic_payment_methods[allow_redirects]` to `never`');
    // Refused before anything was made.
    expect((await stripe.paymentIntents.list({ limit: 100 })).data.length).toBe(before);

    const withUrl = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: apm, payment_method: 'pm_card_visa', confirm: true, return_url: 'https://shop.example/done' });
    expect(withUrl.status).toBe('succeeded');
    const noRedirects = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: { enabled: true, allow_redirects: 'never' }, payment_method: 'pm_card_visa', confirm: true });
    expect(noRedirects.status).toBe('succeeded');
  });

  it('holds for a later confirm too; the return_url may be given then', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', automatic_payment_methods: apm, payment_method: 'pm_card_visa' });
    expect(pi.status).toBe('requires_confirmation');
    expect(pi).not.toHaveProperty('return_url_required');
    expect((await failure(stripe.paymentIntents.confirm(pi.id))).message).toContain('A `return_url` must be specified');
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_confirmation');
    expect((await stripe.paymentIntents.confirm(pi.id, { return_url: 'https://shop.example/done' })).status).toBe('succeeded');
  });

  it('is not asked when automatic_payment_methods is left to the account (as most examples do)', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    expect(pi.status).toBe('succeeded');
  });
});
