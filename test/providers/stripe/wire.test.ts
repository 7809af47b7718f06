/**
 * The Stripe provider's wire details that stripe-node does not exercise by itself: headers, raw
 * authentication answers, body limits, unknown URLs, and the order and content of events.
 */
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeSandbox, type StripeSandbox } from './stripe-sandbox.js';

let psp: StripeSandbox;
let stripe: Stripe;

beforeEach(async () => {
  psp = await startStripeSandbox();
  const url = new URL(psp.url);
  stripe = new Stripe(psp.keys.secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
});
afterEach(() => psp.close());

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(psp.url + path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${psp.keys.secret_key}`, ...headers },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe('Stripe wire', () => {
  it('echoes Stripe-Version, sets Request-Id on every answer, accepts Basic auth', async () => {
    const ok = await post('/v1/customers', 'email=a%40example.com', { 'stripe-version': '2020-08-27' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('stripe-version')).toBe('2020-08-27');
    expect(ok.headers.get('request-id')).toMatch(/^req_/);
    const basic = await fetch(`${psp.url}/v1/customers`, { headers: { authorization: `Basic ${Buffer.from(`${psp.keys.secret_key}:`).toString('base64')}` } });
    expect(basic.status).toBe(200);
    const unknown = await fetch(`${psp.url}/v1/nothing_here`, { headers: { 'stripe-version': '2024-06-20' } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('request-id')).toMatch(/^req_/);
    expect(unknown.headers.get('stripe-version')).toBe('2024-06-20');
    expect(((await unknown.json()) as any).error.message).toContain('Unrecognized request URL (GET: /v1/nothing_here)');
  });

  it('answers 401 in Stripe shape without a key, and names the masked key when it is wrong', async () => {
    const none = await fetch(`${psp.url}/v1/payment_intents`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('You did not provide an API key') });
    const wrong = await post('/v1/payment_intents', 'amount=1&currency=usd', { authorization: 'Bearer sk_test_abcdefghijklmnop' });
    expect(wrong.status).toBe(401);
    // Stripe masks all but the key's prefix and its last four characters.
    expect(wrong.body.error.message).toMatch(/^Invalid API Key provided: sk_test_\*+mnop$/);
    expect(wrong.body.error.message).not.toContain('abcdefghijkl');
  });

  it('an oversized or malformed body is a 4xx in Stripe shape', async () => {
    const big = await post('/v1/customers', `description=${'x'.repeat(2 << 20)}`);
    expect(big.status).toBe(413);
    expect(big.headers.get('request-id')).toMatch(/^req_/);
    expect(big.headers.get('stripe-version')).toBe('2026-10-28.endive');
    expect(big.body.error.type).toBe('invalid_request_error');
    const bad = await post('/v1/customers', 'metadata[a=1');
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('metadata[a');
    const notInt = await post('/v1/payment_intents', 'amount=ten&currency=usd');
    expect(notInt.status).toBe(400);
    expect(notInt.body.error).toMatchObject({ param: 'amount', message: 'Invalid integer: ten' });    // Stripe's v1 API reads form bodies only; a JSON body is refused as a whole, not read as one odd key.
    const json = await post('/v1/customers', '{"email":"a@example.com"}', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(json.body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('check that your POST content type is application/x-www-form-urlencoded') });
    expect(json.body.error.param).toBeUndefined();
  });

  it("takes Stripe.js's requests: the publishable key as the key parameter, with the client_secret and expected_payment_method_type", async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const pk = psp.keys.publishable_key;
    const secret = encodeURIComponent(pi.client_secret!);
    // No Authorization header, as Stripe.js sends them.
    const read = await fetch(`${psp.url}/v1/payment_intents/${pi.id}?key=${pk}&client_secret=${secret}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as any).status).toBe('requires_payment_method');
    const confirm = (body: string) => fetch(`${psp.url}/v1/payment_intents/${pi.id}/confirm`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const wrongKey = await confirm(`key=pk_test_nope&client_secret=${secret}&payment_method=pm_card_visa`);
    expect(wrongKey.status).toBe(401);
    const secretRoute = await fetch(`${psp.url}/v1/payment_intents?key=${pk}`);
    expect(secretRoute.status).toBe(401);
    const done = await confirm(
      `payment_method_data[type]=card&payment_method_data[card][token]=tok_visa&payment_method_data[payment_user_agent]=stripe.js%2Fv3&expected_payment_method_type=card&use_stripe_sdk=true&return_url=https%3A%2F%2Fshop.example%2Fback&key=${pk}&client_secret=${secret}`,
    );
    expect(done.status).toBe(200);
    expect(((await done.json()) as any).status).toBe('succeeded');
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
    // createPaymentMethod: the card with Stripe.js's own fields beside it.
    const pm = await fetch(`${psp.url}/v1/payment_methods`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=40&card[cvc]=123&billing_details[name]=Ada&guid=g1&muid=m1&sid=s1&payment_user_agent=stripe.js%2Fv3&time_on_page=1200&referrer=https%3A%2F%2Fshop.example&key=${pk}`,
    });
    expect(pm.status).toBe(200);
    expect(((await pm.json()) as any).card.last4).toBe('4242');
  });

  it('a confirmed intent raises payment_intent.created (as created), charge.succeeded, payment_intent.succeeded in order', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }, { idempotencyKey: 'k-1' });
    const events = (await stripe.events.list({ limit: 10 })).data.reverse();
    expect(events.map((e) => e.type)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
    expect((events[0]!.data.object as Stripe.PaymentIntent).status).toBe('requires_confirmation');
    expect((events[2]!.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
    expect(events.every((e) => e.request?.idempotency_key === 'k-1')).toBe(true);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
  });

  it('capture and refund raise charge.captured, payment_intent.succeeded, refund.created and charge.refunded', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' });
    await stripe.paymentIntents.capture(pi.id);
    await stripe.refunds.create({ payment_intent: pi.id, amount: 400 });
    const types = (await stripe.events.list({ limit: 20 })).data.map((e) => e.type).reverse();
    expect(types).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.amount_capturable_updated',
      'charge.captured',
      'payment_intent.succeeded',
      'refund.created',
      'charge.refunded',
    ]);
    const refunded = (await stripe.events.list({ type: 'charge.refunded' })).data[0]!;
    expect(refunded.data.previous_attributes).toEqual({ amount_refunded: 0 });
    expect((refunded.data.object as Stripe.Charge).amount_refunded).toBe(400);
  });
});
