/**
 * stripe-node against the Stripe provider for what Checkout fulfilment code reads after the buyer paid:
 * the session's line items through `expand[]` (left out unless asked for, as on Stripe), their prices'
 * products, the intent and its charge, and the customer details.
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

async function paidSession(): Promise<Stripe.Checkout.Session> {
  const session = await stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [
      { price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'T-shirt' } }, quantity: 2 },
      { price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Socks' } }, quantity: 1 },
    ],
    success_url: 'https://shop.example/success?session_id={CHECKOUT_SESSION_ID}',
  });
  const paid = await fetch(session.url as string, { method: 'POST', body: new URLSearchParams({ card: 'pm_card_visa' }), redirect: 'manual' });
  expect(paid.status).toBe(303);
  return session;
}

describe('Checkout fulfilment', () => {
  it('line_items appear only when expanded, with their products and the paid intent and charge', async () => {
    const session = await paidSession();
    const plain = await stripe.checkout.sessions.retrieve(session.id);
    expect('line_items' in plain).toBe(false);

    const full = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items.data.price.product', 'payment_intent.latest_charge'] });
    const items = full.line_items as Stripe.ApiList<Stripe.LineItem>;
    expect(items.object).toBe('list');
    expect(items.url).toBe(`/v1/checkout/sessions/${session.id}/line_items`);
    expect((items.data[0]!.price?.product as Stripe.Product).object).toBe('product');
    expect(items.data.map((li) => [li.description, li.quantity, li.amount_total, (li.price?.product as Stripe.Product).name])).toEqual([
      ['T-shirt', 2, 3000, 'T-shirt'],
      ['Socks', 1, 500, 'Socks'],
    ]);
    const intent = full.payment_intent as Stripe.PaymentIntent;
    expect((intent.latest_charge as Stripe.Charge).amount_captured).toBe(3500);

    const listed = await stripe.checkout.sessions.list({ expand: ['data.line_items'] });
    expect((listed.data[0]!.line_items as Stripe.ApiList<Stripe.LineItem>).data).toHaveLength(2);
    const created = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'eur', unit_amount: 900, product_data: { name: 'Cap' } }, quantity: 1 }],
      success_url: 'https://shop.example/success',
      expand: ['line_items'],
    });
    expect((created.line_items as Stripe.ApiList<Stripe.LineItem>).data[0]!.amount_total).toBe(900);
    const missing = await stripe.checkout.sessions.retrieve(session.id, { expand: ['nothing_here'] }).catch((err: Stripe.errors.StripeError) => err);
    expect(missing).toMatchObject({ statusCode: 400, param: 'expand' });
  });

  it('a completed session carries customer_details', async () => {
    const session = await paidSession();
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done.status).toBe('complete');
    expect(done.customer_details).toMatchObject({ email: null, tax_exempt: 'none' });
    const open = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 900, product_data: { name: 'Cap' } }, quantity: 1 }],
      success_url: 'https://shop.example/success',
    });
    expect(open.customer_details).toBeNull();
  });
});

describe('Checkout page options', () => {
  it('locale, submit_type, billing_address_collection, allow_promotion_codes and customer_creation are answered as sent; a value Stripe does not know is a 400 naming it', async () => {
    const lineItems = [{ price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'T-shirt' } }, quantity: 1 }];
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: lineItems,
      success_url: 'https://shop.example/ok',
      locale: 'fr',
      submit_type: 'donate',
      billing_address_collection: 'required',
      allow_promotion_codes: true,
      customer_creation: 'always',
    });
    const read = await stripe.checkout.sessions.retrieve(session.id);
    for (const s of [session, read]) {
      expect(s).toMatchObject({ locale: 'fr', submit_type: 'donate', billing_address_collection: 'required', allow_promotion_codes: true, customer_creation: 'always' });
    }
    const plain = await stripe.checkout.sessions.create({ mode: 'payment', line_items: lineItems, success_url: 'https://shop.example/ok' });
    expect(plain).toMatchObject({ locale: null, submit_type: null, billing_address_collection: null, allow_promotion_codes: null, customer_creation: 'if_required' });
    const refused = await stripe.checkout.sessions.create({ mode: 'payment', line_items: lineItems, submit_type: 'buy' as never }).catch((e: Stripe.errors.StripeError) => e);
    expect(refused).toMatchObject({ statusCode: 400, param: 'submit_type' });
  });

  it('ui_mode is hosted_page, the name Stripe gives the hosted page since 2026-03-25.dahlia; the older hosted is refused, the embedded modes are not emulated', async () => {
    const lineItems = [{ price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'T-shirt' } }, quantity: 1 }];
    const session = await stripe.checkout.sessions.create({ mode: 'payment', line_items: lineItems, success_url: 'https://shop.example/ok' });
    expect(session.ui_mode).toBe('hosted_page');
    const hosted = await stripe.checkout.sessions.create({ mode: 'payment', line_items: lineItems, success_url: 'https://shop.example/ok', ui_mode: 'hosted_page' });
    expect(hosted.ui_mode).toBe('hosted_page');
    for (const uiMode of ['hosted', 'embedded_page']) {
      const refused = await stripe.checkout.sessions.create({ mode: 'payment', line_items: lineItems, ui_mode: uiMode as never }).catch((e: Stripe.errors.StripeError) => e);
      expect(refused, uiMode).toMatchObject({ statusCode: 400, param: 'ui_mode' });
    }
  });
});

describe("Checkout's payment_intent_data", () => {
  it("gives the session's PaymentIntent receipt_email, shipping, statement descriptors and transfer_group; a bad one is a 400 named inside payment_intent_data", async () => {
    const lineItems = [{ price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'T-shirt' } }, quantity: 1 }];
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: lineItems,
      success_url: 'https://shop.example/ok',
      payment_intent_data: {
        receipt_email: 'ada@example.com',
        statement_descriptor_suffix: 'ORDER 42',
        transfer_group: 'ORDER_42',
        shipping: { name: 'Ada Lovelace', address: { line1: '1 Main St', country: 'GB' } },
        metadata: { order: '42' },
      },
    });
    await fetch(session.url as string, { method: 'POST', body: new URLSearchParams({ card: 'pm_card_visa' }), redirect: 'manual' });
    const pi = (await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] })).payment_intent as Stripe.PaymentIntent;
    expect(pi).toMatchObject({ status: 'succeeded', receipt_email: 'ada@example.com', statement_descriptor_suffix: 'ORDER 42', transfer_group: 'ORDER_42', metadata: { order: '42' } });
    expect(pi.shipping).toMatchObject({ name: 'Ada Lovelace', address: { line1: '1 Main St', country: 'GB' } });
    const refused = await stripe.checkout.sessions
      .create({ mode: 'payment', line_items: lineItems, payment_intent_data: { shipping: { address: { line1: 'x' } } as never } })
      .catch((e: Stripe.errors.StripeError) => e);
    expect(refused).toMatchObject({ statusCode: 400, param: 'payment_intent_data[shipping][name]' });
  });
});
