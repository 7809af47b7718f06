/**
 * stripe-node, unmodified and configured only with host, port, protocol and maxNetworkRetries: 0, drives
 * the Stripe provider through the flows merchants write.
 */
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { startStripeSandbox, type StripeSandbox } from './stripe-sandbox.js';

let psp: StripeSandbox;
let stripe: Stripe;
const receivers: Receiver[] = [];

function client(key: string): Stripe {
  const url = new URL(psp.url);
  return new Stripe(key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
}

beforeEach(async () => {
  psp = await startStripeSandbox();
  stripe = client(psp.keys.secret_key);
});
afterEach(async () => {
  while (receivers.length) await receivers.pop()!.close();
  await psp.close();
});

async function declineOf(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (err) {
    return err as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to fail');
}

describe('PaymentIntents', () => {
  it('a confirmed intent with pm_card_visa succeeds, with latest_charge expanded and its balance transaction', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      metadata: { order: 'A1' },
      expand: ['latest_charge'],
    });
    expect(pi.status).toBe('succeeded');
    expect(pi.amount_received).toBe(2000);
    expect(pi.metadata).toEqual({ order: 'A1' });
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_`));
    const charge = pi.latest_charge as Stripe.Charge;
    expect(charge.object).toBe('charge');
    expect(charge.id).toMatch(/^ch_/);
    expect(charge.paid).toBe(true);
    expect(charge.payment_method_details?.card?.last4).toBe('4242');
    expect(pi.lastResponse.requestId).toMatch(/^req_/);

    const txn = await stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
    expect(txn.amount).toBe(2000);
    expect(txn.fee).toBe(Math.round((2000 * 290) / 10_000) + 30);
    expect(txn.net).toBe(2000 - txn.fee);
  });

  it('walks requires_payment_method → requires_confirmation → succeeded', async () => {
    const created = await stripe.paymentIntents.create({ amount: 1500, currency: 'eur' });
    expect(created.status).toBe('requires_payment_method');
    expect(created.automatic_payment_methods).toEqual({ enabled: true });
    const updated = await stripe.paymentIntents.update(created.id, { payment_method: 'pm_card_mastercard', description: 'Order 7' });
    expect(updated.status).toBe('requires_confirmation');
    expect(updated.payment_method).toMatch(/^pm_/);
    const confirmed = await stripe.paymentIntents.confirm(created.id);
    expect(confirmed.status).toBe('succeeded');
    expect(confirmed.description).toBe('Order 7');
    const retrieved = await stripe.paymentIntents.retrieve(created.id, { expand: ['payment_method'] });
    expect((retrieved.payment_method as Stripe.PaymentMethod).card?.brand).toBe('mastercard');
  });

  it.each([
    // Stripe's own messages: lost, stolen and fraudulent cards read as a generic decline to the buyer.
    ['pm_card_visa_chargeDeclined', 'card_declined', 'generic_decline', 'Your card was declined.'],
    ['pm_card_visa_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds', 'Your card has insufficient funds.'],
    ['pm_card_visa_chargeDeclinedLostCard', 'card_declined', 'lost_card', 'Your card was declined.'],
    ['pm_card_visa_chargeDeclinedStolenCard', 'card_declined', 'stolen_card', 'Your card was declined.'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card', 'Your card has expired.'],
    ['pm_card_chargeDeclinedIncorrectCvc', 'incorrect_cvc', 'incorrect_cvc', "Your card's security code is incorrect."],
    ['pm_card_chargeDeclinedProcessingError', 'processing_error', 'processing_error', 'An error occurred while processing your card. Try again in a little bit.'],
    [
      'pm_card_visa_chargeDeclinedVelocityLimitExceeded',
      'card_declined',
      'card_velocity_exceeded',
      'Your card was declined for making repeated attempts too frequently or exceeding its amount limit.',
    ],
    ['pm_card_radarBlock', 'card_declined', 'fraudulent', 'Your card was declined.'],
  ])('%s is a StripeCardError %s / %s and leaves the intent requires_payment_method', async (pm, code, declineCode, message) => {
    const err = await declineOf(stripe.paymentIntents.create({ amount: 900, currency: 'usd', payment_method: pm, confirm: true, allowed_payment_method_types: ['card'] }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err.statusCode).toBe(402);
    expect(err.rawType).toBe('card_error');
    expect(err.code).toBe(code);
    expect(err.decline_code).toBe(declineCode);
    expect(err.message).toBe(message);
    expect(err.charge).toMatch(/^ch_/);
    const intent = err.payment_intent as Stripe.PaymentIntent;
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.last_payment_error?.code).toBe(code);
    expect(intent.last_payment_error?.decline_code).toBe(declineCode);
    expect(intent.last_payment_error?.message).toBe(message);
    const again = await stripe.paymentIntents.retrieve(intent.id);
    expect(again.status).toBe('requires_payment_method');
    expect(again.latest_charge).toBe(err.charge);
    const charge = await stripe.charges.retrieve(err.charge as string);
    expect(charge.status).toBe('failed');
    expect(charge.failure_message).toBe(message);
  });

  it('off-session, a card that asks for 3-D Secure is declined with authentication_required', async () => {
    const err = await declineOf(
      stripe.paymentIntents.create({ amount: 1200, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true, off_session: true }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect([err.code, err.decline_code]).toEqual(['authentication_required', 'authentication_required']);
    const intent = await stripe.paymentIntents.retrieve((err.payment_intent as Stripe.PaymentIntent).id);
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.last_payment_error?.code).toBe('authentication_required');
    expect(intent.latest_charge).toBeNull();
  });

  it('the Search API answers a search_result, and a query it cannot parse is a clear 400, not a missing intent', async () => {
    const found = await stripe.paymentIntents.search({ query: "status:'succeeded'" });
    expect(found).toMatchObject({ object: 'search_result', data: [], has_more: false, url: '/v1/payment_intents/search' });
    const err = await declineOf(stripe.paymentIntents.search({ query: 'status succeeded' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe('query');
  });

  it('a declined intent can be confirmed again with another card', async () => {
    const err = await declineOf(stripe.paymentIntents.create({ amount: 900, currency: 'usd', payment_method: 'pm_card_visa_chargeDeclined', confirm: true }));
    const id = (err.payment_intent as Stripe.PaymentIntent).id;
    const ok = await stripe.paymentIntents.confirm(id, { payment_method: 'pm_card_visa' });
    expect(ok.status).toBe('succeeded');
    expect(ok.last_payment_error).toBeNull();
  });

  it('raw test card numbers through payment_method_data decide the same way', async () => {
    const err = await declineOf(
      stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        confirm: true,
        payment_method_data: { type: 'card', card: { number: '4000000000009995', exp_month: 12, exp_year: 2034, cvc: '123' } } as never,
      }),
    );
    expect(err.decline_code).toBe('insufficient_funds');
    const bad = await declineOf(
      stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424241', exp_month: 12, exp_year: 2034 } }),
    );
    expect(bad).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(bad.code).toBe('incorrect_number');
    expect(bad.param).toBe('card[number]');
  });

  it('3-D Secure: requires_action with a challenge page that redirects to return_url', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      return_url: 'https://shop.example/return',
    });
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action?.type).toBe('redirect_to_url');
    const challenge = pi.next_action?.redirect_to_url?.url as string;
    expect(challenge.startsWith(psp.url)).toBe(true);
    const page = await fetch(challenge);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('3-D Secure');
    const done = await fetch(`${psp.url}/3ds/${pi.id}/complete`, { method: 'POST', redirect: 'manual' });
    expect(done.status).toBe(303);
    const location = new URL(done.headers.get('location') as string);
    expect(location.origin + location.pathname).toBe('https://shop.example/return');
    expect(location.searchParams.get('payment_intent')).toBe(pi.id);
    expect(location.searchParams.get('redirect_status')).toBe('succeeded');
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
  });

  it('3-D Secure failed by the buyer: requires_payment_method with payment_intent_authentication_failure', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd', payment_method: 'pm_card_threeDSecure2Required', confirm: true, return_url: 'https://shop.example/r' });
    const failed = await fetch(`${psp.url}/3ds/${pi.id}/fail`, { method: 'POST', redirect: 'manual' });
    expect(new URL(failed.headers.get('location') as string).searchParams.get('redirect_status')).toBe('failed');
    const after = await stripe.paymentIntents.retrieve(pi.id);
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error?.code).toBe('payment_intent_authentication_failure');
  });

  it('3-D Secure failed: no charge was ever made, so no charge.failed and no latest_charge', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['charge.failed', 'payment_intent.payment_failed', 'payment_intent.succeeded'] });
    const pi = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd', payment_method: 'pm_card_threeDSecure2Required', confirm: true, return_url: 'https://shop.example/r' });
    await fetch(`${psp.url}/3ds/${pi.id}/fail`, { method: 'POST', redirect: 'manual' });
    const after = await stripe.paymentIntents.retrieve(pi.id);
    expect(after.latest_charge).toBeNull();
    expect(after.last_payment_error).not.toHaveProperty('charge');
    expect((await stripe.charges.list({ payment_intent: pi.id })).data).toEqual([]);
    // A card that then pays makes the intent's first charge.
    const paid = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    expect(paid.status).toBe('succeeded');
    expect(paid.latest_charge).toMatch(/^ch_/);
    // payment_intent.succeeded, raised after the failure, is the sentinel: a charge.failed would be in by now.
    const typeOf = (req: (typeof r.requests)[number]) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, we.secret as string).type;
    await waitFor(() => r.requests.some((req) => typeOf(req) === 'payment_intent.succeeded'));
    expect(r.requests.map(typeOf).sort()).toEqual(['payment_intent.payment_failed', 'payment_intent.succeeded']);
  });

  it('manual capture, partial, then refunds up to the captured amount (over-refund is a 400)', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' });
    expect(pi.status).toBe('requires_capture');
    expect(pi.amount_capturable).toBe(5000);
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000 });
    expect(captured.status).toBe('succeeded');
    expect(captured.amount_received).toBe(3000);
    const charge = await stripe.charges.retrieve(captured.latest_charge as string);
    expect(charge.amount_captured).toBe(3000);
    expect(charge.captured).toBe(true);

    const partial = await stripe.refunds.create({ payment_intent: pi.id, amount: 1000, reason: 'requested_by_customer' });
    expect(partial.status).toBe('succeeded');
    expect(partial.amount).toBe(1000);
    expect(partial.payment_intent).toBe(pi.id);
    const over = await declineOf(stripe.refunds.create({ charge: charge.id, amount: 2500 }));
    expect(over).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(over.statusCode).toBe(400);
    expect(over.param).toBe('amount');
    const rest = await stripe.refunds.create({ charge: charge.id });
    expect(rest.amount).toBe(2000);
    const refundedCharge = await stripe.charges.retrieve(charge.id);
    expect(refundedCharge.refunded).toBe(true);
    expect(refundedCharge.amount_refunded).toBe(3000);
    const again = await declineOf(stripe.refunds.create({ payment_intent: pi.id }));
    expect(again.code).toBe('charge_already_refunded');
    const listed = await stripe.refunds.list({ payment_intent: pi.id });
    expect(listed.data.map((r) => r.id)).toEqual([rest.id, partial.id]);
    expect((await stripe.refunds.retrieve(partial.id)).amount).toBe(1000);
  });

  it('a refund of the refund-fails card is failed', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: 'pm_card_refundFail', confirm: true });
    const refund = await stripe.refunds.create({ payment_intent: pi.id });
    expect(refund.status).toBe('failed');
    expect(refund.failure_reason).toBe('expired_or_canceled_card');
  });

  it('cancel, then confirming the canceled intent is payment_intent_unexpected_state', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' });
    const canceled = await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'requested_by_customer' });
    expect(canceled.status).toBe('canceled');
    expect(canceled.cancellation_reason).toBe('requested_by_customer');
    const err = await declineOf(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.code).toBe('payment_intent_unexpected_state');
    expect(err.message).toContain('status of canceled');
    const twice = await declineOf(stripe.paymentIntents.cancel(pi.id));
    expect(twice.code).toBe('payment_intent_unexpected_state');
  });

  it('canceling an authorised intent releases its charge without a refund: payment_intent.canceled only', async () => {
    const r = await startReceiver();
    receivers.push(r);
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['charge.refunded', 'charge.expired', 'refund.created', 'payment_intent.canceled'] });
    const pi = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' });
    await stripe.paymentIntents.cancel(pi.id);
    await waitFor(() => r.requests.length >= 1);
    const events = r.requests.map((req) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, we.secret as string));
    expect(events.map((e) => e.type)).toEqual(['payment_intent.canceled']);
    // Since API version 2025-03-31.basil a release refunds nothing: the charge keeps amount_refunded 0.
    expect(await stripe.charges.retrieve(pi.latest_charge as string)).toMatchObject({ amount: 5000, amount_captured: 0, amount_refunded: 0, refunded: false, captured: false });
    const types = (await stripe.events.list()).data.map((e) => e.type);
    expect(types).toContain('payment_intent.canceled');
    expect(types).not.toContain('charge.refunded');
    expect(types).not.toContain('refund.created');
  });

  it('the publishable key confirms with the client_secret, as Stripe.js does, and nothing else', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1200, currency: 'usd', allowed_payment_method_types: ['card'] });
    const browser = client(psp.keys.publishable_key);
    const confirmed = await browser.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa', client_secret: pi.client_secret } as never);
    expect(confirmed.status).toBe('succeeded');
    const wrongSecret = await declineOf(browser.paymentIntents.retrieve(pi.id, { client_secret: 'pi_x_secret_y' } as never));
    expect(wrongSecret.statusCode).toBe(404);
    const notAllowed = await declineOf(browser.paymentIntents.list());
    expect(notAllowed).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });
});

describe('the wire', () => {
  it('an unknown key is a StripeAuthenticationError; an unknown id a 404 resource_missing', async () => {
    const bad = await declineOf(client('sk_test_nope').paymentIntents.list());
    expect(bad).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(bad.statusCode).toBe(401);
    expect(bad.message).toContain('Invalid API Key provided');
    const missing = await declineOf(stripe.paymentIntents.retrieve('pi_missing'));
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('resource_missing');
    expect(missing.message).toBe("No such payment_intent: 'pi_missing'");
  });

  it('an unknown parameter is named; an accepted but unsimulated one is ignored', async () => {
    const err = await declineOf(stripe.paymentIntents.create({ amount: 100, currency: 'usd', colour: 'red' } as never));
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe('Received unknown parameter: colour');
    expect(err.param).toBe('colour');
    const ok = await stripe.paymentIntents.create({ amount: 100, currency: 'usd', statement_descriptor_suffix: 'SHOP', shipping: { name: 'A', address: { line1: 'x' } } });
    expect(ok.status).toBe('requires_payment_method');
    const missing = await declineOf(stripe.paymentIntents.create({ currency: 'usd' } as never));
    expect(missing.param).toBe('amount');
  });

  it('idempotent replay returns the stored answer; the same key with other parameters is an idempotency_error', async () => {
    const key = `order-${Math.random()}`;
    const first = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }, { idempotencyKey: key });
    const second = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true }, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await stripe.paymentIntents.list({ limit: 100 })).data).toHaveLength(1);
    const err = await declineOf(stripe.paymentIntents.create({ amount: 2100, currency: 'usd' }, { idempotencyKey: key }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err.statusCode).toBe(400);
  });

  it('lists paginate newest first with has_more, starting_after and ending_before; auto-pagination sees everything', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await stripe.customers.create({ email: `c${i}@example.com` })).id);
    const newestFirst = [...ids].reverse();
    const first = await stripe.customers.list({ limit: 3 });
    expect(first.object).toBe('list');
    expect(first.url).toBe('/v1/customers');
    expect(first.has_more).toBe(true);
    expect(first.data.map((c) => c.id)).toEqual(newestFirst.slice(0, 3));
    const second = await stripe.customers.list({ limit: 3, starting_after: first.data[2]!.id });
    expect(second.data.map((c) => c.id)).toEqual(newestFirst.slice(3, 6));
    const back = await stripe.customers.list({ limit: 2, ending_before: second.data[0]!.id });
    expect(back.data.map((c) => c.id)).toEqual(newestFirst.slice(1, 3));
    const all: string[] = [];
    for await (const c of stripe.customers.list({ limit: 2 })) all.push(c.id);
    expect(all).toEqual(newestFirst);
  });

  it('customers: create, retrieve, update, delete', async () => {
    const c = await stripe.customers.create({ email: 'a@example.com', name: 'Ada', metadata: { tier: 'gold' } });
    expect(c.id).toMatch(/^cus_/);
    const u = await stripe.customers.update(c.id, { name: 'Ada L.', metadata: { tier: '' } });
    expect(u.name).toBe('Ada L.');
    expect(u.metadata).toEqual({});
    const d = await stripe.customers.del(c.id);
    expect(d.deleted).toBe(true);
    const r = await stripe.customers.retrieve(c.id);
    expect((r as Stripe.DeletedCustomer).deleted).toBe(true);
    const pi = await stripe.paymentIntents.create({ amount: 100, currency: 'usd', customer: (await stripe.customers.create({})).id, expand: ['customer'] });
    expect((pi.customer as Stripe.Customer).object).toBe('customer');
  });
});

describe('webhooks', () => {
  it('events reach each matching endpoint signed for constructEvent; a tampered copy is rejected', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const we = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['payment_intent.succeeded', 'charge.succeeded'] });
    expect(we.secret).toMatch(/^whsec_/);
    expect((await stripe.webhookEndpoints.retrieve(we.id)).secret).toBeUndefined();
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await waitFor(() => receiver.requests.length >= 2);
    const types = receiver.requests.map((r) => {
      const event = stripe.webhooks.constructEvent(r.body, r.headers['stripe-signature'] as string, we.secret as string);
      expect(event.object).toBe('event');
      expect(event.api_version).toBe('2026-10-28.endive');
      return event;
    });
    expect(types.map((e) => e.type).sort()).toEqual(['charge.succeeded', 'payment_intent.succeeded']);
    const succeeded = types.find((e) => e.type === 'payment_intent.succeeded')!;
    expect((succeeded.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
    expect(succeeded.request?.id).toMatch(/^req_/);
    const fetched = await stripe.events.retrieve(succeeded.id);
    expect(fetched.type).toBe('payment_intent.succeeded');

    const original = receiver.requests[0]!;
    expect(() => stripe.webhooks.constructEvent(original.body.replace('2000', '2001'), original.headers['stripe-signature'] as string, we.secret as string)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    const listed = await stripe.events.list({ type: 'payment_intent.*' });
    expect(listed.data.map((e) => e.type)).toEqual(['payment_intent.succeeded', 'payment_intent.created']);
  });

  it('a failing endpoint is retried with the same event until it acknowledges', async () => {
    const receiver = await startReceiver((_r, i) => ({ status: i === 0 ? 500 : 200 }));
    receivers.push(receiver);
    const we = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['payment_intent.payment_failed'] });
    await declineOf(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa_chargeDeclined', confirm: true }));
    await waitFor(() => receiver.requests.length >= 2);
    const [a, b] = receiver.requests.map((r) => stripe.webhooks.constructEvent(r.body, r.headers['stripe-signature'] as string, we.secret as string));
    expect(a!.id).toBe(b!.id);
    expect(a!.type).toBe('payment_intent.payment_failed');
    expect((a!.data.object as Stripe.PaymentIntent).last_payment_error?.decline_code).toBe('generic_decline');
  });

  it('webhook endpoints: list, update, delete', async () => {
    const we = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hooks', enabled_events: ['*'] });
    const updated = await stripe.webhookEndpoints.update(we.id, { disabled: true, enabled_events: ['charge.refunded'] });
    expect(updated.status).toBe('disabled');
    expect(updated.enabled_events).toEqual(['charge.refunded']);
    expect((await stripe.webhookEndpoints.list()).data.map((w) => w.id)).toEqual([we.id]);
    const del = await stripe.webhookEndpoints.del(we.id);
    expect(del.deleted).toBe(true);
    expect((await declineOf(stripe.webhookEndpoints.retrieve(we.id))).statusCode).toBe(404);
  });
});

describe('Checkout', () => {
  it('the hosted page takes a test card, completes the session and lands on success_url', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const we = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['checkout.session.completed'] });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [
        { price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'T-shirt' } }, quantity: 2 },
        { price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Socks' } }, quantity: 1 },
      ],
      success_url: 'https://shop.example/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://shop.example/cart',
      client_reference_id: 'order-42',
    });
    expect(session.status).toBe('open');
    expect(session.amount_total).toBe(3500);
    expect(session.payment_intent).toBeNull();
    const page = await fetch(session.url as string);
    const html = await page.text();
    expect(html).toContain('T-shirt');
    expect(html).toContain('https://shop.example/cart');

    const declined = await fetch(session.url as string, { method: 'POST', body: new URLSearchParams({ card: 'pm_card_visa_chargeDeclined' }), redirect: 'manual' });
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain('Your card was declined.');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');

    const paid = await fetch(session.url as string, { method: 'POST', body: new URLSearchParams({ card_number: '4242 4242 4242 4242' }), redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`https://shop.example/success?session_id=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(done.status).toBe('complete');
    expect(done.payment_status).toBe('paid');
    expect((done.payment_intent as Stripe.PaymentIntent).status).toBe('succeeded');
    expect((done.payment_intent as Stripe.PaymentIntent).amount).toBe(3500);
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data.map((li) => [li.description, li.quantity, li.amount_total])).toEqual([
      ['T-shirt', 2, 3000],
      ['Socks', 1, 500],
    ]);
    await waitFor(() => receiver.requests.length >= 1);
    const event = stripe.webhooks.constructEvent(receiver.requests[0]!.body, receiver.requests[0]!.headers['stripe-signature'] as string, we.secret as string);
    expect(event.type).toBe('checkout.session.completed');
    expect((event.data.object as Stripe.Checkout.Session).client_reference_id).toBe('order-42');
  });

  it('3-D Secure inside Checkout, then success; expire closes an open session', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'eur', unit_amount: 990, product_data: { name: 'Book' } }, quantity: 1 }],
      success_url: 'https://shop.example/ok',
    });
    const pay = await fetch(session.url as string, { method: 'POST', body: new URLSearchParams({ card: 'pm_card_authenticationRequired' }), redirect: 'manual' });
    expect(pay.status).toBe(303);
    const challenge = pay.headers.get('location') as string;
    expect(challenge).toMatch(/\/3ds\/pi_/);
    const done = await fetch(`${challenge}/complete`, { method: 'POST', redirect: 'manual' });
    expect(done.headers.get('location')).toBe('https://shop.example/ok');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('complete');
    const completed = (await stripe.events.list({ type: 'checkout.session.completed' })).data;
    expect(completed).toHaveLength(1);
    expect(completed[0]!.data.object).toMatchObject({ id: session.id, status: 'complete', payment_status: 'paid' });

    const other = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'eur', unit_amount: 990, product_data: { name: 'Book' } }, quantity: 1 }],
    });
    const expired = await stripe.checkout.sessions.expire(other.id);
    expect(expired.status).toBe('expired');
    expect(expired.url).toBeNull();
    const again = await declineOf(stripe.checkout.sessions.expire(other.id));
    expect(again.statusCode).toBe(400);
  });
});
