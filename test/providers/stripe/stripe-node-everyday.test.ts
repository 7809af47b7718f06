/**
 * Everyday stripe-node calls of a real integration that the flow tests do not make: changing an intent
 * before it is confirmed, listing a customer's intents, expanding a charge's balance transaction, refunds
 * with a reason and metadata, updating a charge, asking for an incremental authorisation, and reusing an
 * Idempotency-Key where Stripe refuses it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { failure, stripeNode, stripeTestResources } from './stripe-sandbox.js';

const resources = stripeTestResources();

/** The fields stripe-node's declaration of a resource says are always there (possibly null). */
function alwaysPresent(file: string, name: string): string[] {
  const dir = path.dirname(createRequire(import.meta.url).resolve('stripe'));
  const source = readFileSync(path.join(dir, 'resources', `${file}.d.ts`), 'utf8');
  const start = source.indexOf(`export interface ${name} {`);
  expect(start, `${name} in ${file}.d.ts`).toBeGreaterThan(-1);
  const body = source.slice(start, source.indexOf('\n}\n', start));
  return [...body.matchAll(/^ {4}([a-z_0-9]+):/gm)].map((m) => m[1]!);
}

describe('what already matched Stripe', () => {
  it('update before confirming, list by customer, expand a balance transaction, refund with reason and metadata', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const customer = await stripe.customers.create({ email: 'ada@example.com' });
    const other = await stripe.paymentIntents.create({ amount: 900, currency: 'usd' });
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, metadata: { order: 'A1' } });
    const updated = await stripe.paymentIntents.update(pi.id, { amount: 1500, metadata: { order: 'A2', gift: 'yes' } });
    expect(updated).toMatchObject({ amount: 1500, metadata: { order: 'A2', gift: 'yes' }, status: 'requires_payment_method' });
    const paid = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    expect(paid).toMatchObject({ status: 'succeeded', amount_received: 1500 });
    expect((await stripe.paymentIntents.list({ customer: customer.id })).data.map((p) => p.id)).toEqual([pi.id]);
    expect((await stripe.paymentIntents.list()).data.map((p) => p.id)).toEqual([pi.id, other.id]);

    const charge = await stripe.charges.retrieve(paid.latest_charge as string, { expand: ['balance_transaction'] });
    const txn = charge.balance_transaction as Stripe.BalanceTransaction;
    expect(txn).toMatchObject({ object: 'balance_transaction', amount: 1500, type: 'charge', source: charge.id });
    expect(txn.net).toBe(1500 - txn.fee);

    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 300, reason: 'duplicate', metadata: { rma: 'R1' } });
    expect(refund).toMatchObject({ amount: 300, reason: 'duplicate', metadata: { rma: 'R1' }, status: 'succeeded', payment_intent: pi.id });
  });
});

/**
 * The same for an interface inside the declaration's namespaces (`Charge.PaymentMethodDetails.Card`): each
 * name but the last is a namespace nested in the one before, the last the interface.
 */
function alwaysPresentNested(file: string, dotted: string): string[] {
  const dir = path.dirname(createRequire(import.meta.url).resolve('stripe'));
  const source = readFileSync(path.join(dir, 'resources', `${file}.d.ts`), 'utf8');
  const names = dotted.split('.');
  let at = 0;
  for (const [i, name] of names.entries()) {
    at = source.indexOf(i === names.length - 1 ? `interface ${name} {` : `namespace ${name} {`, at);
    expect(at, `${dotted} in ${file}.d.ts`).toBeGreaterThan(-1);
  }
  const indent = at - source.lastIndexOf('\n', at) - 1;
  const body = source.slice(at, source.indexOf(`\n${' '.repeat(indent)}}\n`, at));
  return [...body.matchAll(new RegExp(`^ {${indent + 4}}([a-z_0-9]+):`, 'gm'))].map((m) => m[1]!);
}

describe('wire objects', () => {
  it("carry every field stripe-node's declarations say is always present", async () => {
    const stripe = stripeNode(await resources.sandbox());
    const customer = await stripe.customers.create({ email: 'ada@example.com' });
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 100 });
    expect(refund).toMatchObject({ customer: customer.id, payment_method: pi.payment_method, customer_account: null });
    const objects: [string, string, object][] = [
      ['PaymentIntents', 'PaymentIntent', pi],
      ['Charges', 'Charge', charge],
      ['Refunds', 'Refund', refund],
      ['Customers', 'Customer', customer],
      ['PaymentMethods', 'PaymentMethod', await stripe.paymentMethods.retrieve(pi.payment_method as string)],
      ['BalanceTransactions', 'BalanceTransaction', await stripe.balanceTransactions.retrieve(charge.balance_transaction as string)],
      ['WebhookEndpoints', 'WebhookEndpoint', await stripe.webhookEndpoints.create({ url: 'https://shop.test/hook', enabled_events: ['*'] })],
      ['Events', 'EventBase', (await stripe.events.list({ type: 'refund.created' })).data[0]!],
      [
        'Checkout/Sessions',
        'Session',
        await stripe.checkout.sessions.create({
          mode: 'payment',
          line_items: [{ price_data: { currency: 'usd', unit_amount: 900, product_data: { name: 'T-shirt' } }, quantity: 1 }],
          success_url: 'https://shop.test/ok',
        }),
      ],
    ];
    for (const [file, name, object] of objects) {
      const missing = alwaysPresent(file, name).filter((field) => !(field in object));
      expect(missing, name).toEqual([]);
    }
  });

  it('so do setup intents, line items and their prices, and the hashes inside charges and payment methods', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const customer = await stripe.customers.create({ email: 'ada@example.com' });
    const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 900, product_data: { name: 'T-shirt' } }, quantity: 1 }],
      success_url: 'https://shop.test/ok',
    });
    const item = (await stripe.checkout.sessions.listLineItems(session.id)).data[0]!;
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, expand: ['latest_charge', 'payment_method'] });
    const charge = pi.latest_charge as Stripe.Charge;
    const declined = (await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa_chargeDeclined', confirm: true }))).charge!;
    const checks: [string, string, object][] = [
      ['SetupIntents', 'SetupIntent', si],
      ['LineItems', 'LineItem', item],
      ['Prices', 'Price', item.price!],
      ['Charges', 'Charge.Outcome', charge.outcome!],
      ['Charges', 'Charge.Outcome', (await stripe.charges.retrieve(declined)).outcome!],
      ['Charges', 'Charge.PaymentMethodDetails.Card', charge.payment_method_details!.card!],
      ['Charges', 'Charge.BillingDetails', charge.billing_details],
      ['PaymentMethods', 'PaymentMethod.Card', (pi.payment_method as Stripe.PaymentMethod).card!],
    ];
    for (const [file, name, object] of checks) {
      const fields = name.includes('.') ? alwaysPresentNested(file, name) : alwaysPresent(file, name.split('.')[0]!);
      expect(fields.length, name).toBeGreaterThan(2);
      expect(fields.filter((field) => !(field in object)), name).toEqual([]);
    }
  });
});

describe('charges', () => {
  it("leave out their refunds unless expand[] asks for them, newest first (API versions since 2022-11-15)", async () => {
    const stripe = stripeNode(await resources.sandbox());
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const first = await stripe.refunds.create({ payment_intent: pi.id, amount: 100 });
    const second = await stripe.refunds.create({ payment_intent: pi.id, amount: 200 });
    const plain = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(plain).toMatchObject({ amount_refunded: 300, refunded: false });
    expect(plain).not.toHaveProperty('refunds');
    expect((await stripe.charges.list({ payment_intent: pi.id })).data[0]).not.toHaveProperty('refunds');
    const expanded = await stripe.charges.retrieve(pi.latest_charge as string, { expand: ['refunds'] });
    expect(expanded.refunds).toMatchObject({ object: 'list', has_more: false, url: `/v1/charges/${pi.latest_charge}/refunds` });
    expect(expanded.refunds!.data.map((r) => r.id)).toEqual([second.id, first.id]);
    const listed = await stripe.charges.list({ payment_intent: pi.id, expand: ['data.refunds'] });
    expect(listed.data[0]!.refunds!.data.map((r) => r.id)).toEqual([second.id, first.id]);
    const viaIntent = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge.refunds'] });
    expect((viaIntent.latest_charge as Stripe.Charge).refunds!.data).toHaveLength(2);
  });
});

describe('balance transactions', () => {
  it("a charge whose id begins with 'r' after its prefix still finds its balance transaction", async () => {
    // A charge's is txn_<suffix> and a refund's txn_r<suffix>: a charge suffix starting with `r` was read
    // as a refund's and answered 404. The seed makes the ids, so the same attempt always hits it.
    const stripe = stripeNode(await resources.sandbox({ seed: 'charge-suffix-r' }));
    let charge: string | undefined;
    for (let i = 0; i < 300 && !charge; i++) {
      const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
      if ((pi.latest_charge as string).startsWith('ch_r')) charge = pi.latest_charge as string;
    }
    expect(charge).toMatch(/^ch_r/);
    const expanded = await stripe.charges.retrieve(charge!, { expand: ['balance_transaction'] });
    expect(expanded.balance_transaction).toMatchObject({ object: 'balance_transaction', source: charge, type: 'charge' });
    const id = (expanded.balance_transaction as Stripe.BalanceTransaction).id;
    expect((await stripe.balanceTransactions.retrieve(id)).source).toBe(charge);
  });
});

describe('paymentIntents.incrementAuthorization', () => {
  it('is refused with the answer Stripe gives an intent that did not ask for it, carrying the intent', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' });
    const err = await failure(stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 1500 }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error', code: undefined });
    expect(err.message).toBe(
      'This PaymentIntent is not eligible for incremental authorization because you did not request support using `request_incremental_authorization` when you created or confirmed it.',
    );
    expect(err.payment_intent).toMatchObject({ id: pi.id, status: 'requires_capture', amount: 1000 });
    expect(await stripe.paymentIntents.retrieve(pi.id)).toMatchObject({ amount: 1000, amount_capturable: 1000 });

    expect(await failure(stripe.paymentIntents.incrementAuthorization(pi.id, {} as never))).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'amount' });
    expect(await failure(stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 1500, tip: 5 } as never))).toMatchObject({ statusCode: 400, param: 'tip' });
    expect(await failure(stripe.paymentIntents.incrementAuthorization('pi_missing', { amount: 1500 }))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});

describe('charges.update', () => {
  it('changes description, metadata and receipt_email, says charge.updated, and leaves the intent alone', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, description: 'Order 7', metadata: { order: '7' } });
    const id = pi.latest_charge as string;
    const updated = await stripe.charges.update(id, { description: 'Order 7 (gift)', metadata: { packed: 'yes' }, receipt_email: 'ada@example.com' });
    expect(updated).toMatchObject({ id, object: 'charge', description: 'Order 7 (gift)', metadata: { order: '7', packed: 'yes' }, receipt_email: 'ada@example.com', amount: 1000 });
    expect(await stripe.charges.retrieve(id)).toEqual(updated);
    expect((await stripe.charges.list({ payment_intent: pi.id })).data[0]).toEqual(updated);
    expect((await stripe.paymentIntents.retrieve(pi.id)).metadata).toEqual({ order: '7' });

    const events = (await stripe.events.list({ type: 'charge.updated' })).data;
    expect(events).toHaveLength(1);
    expect(events[0]!.data.object).toEqual(updated);
    expect(events[0]!.data.previous_attributes).toEqual({ description: 'Order 7', metadata: { order: '7' }, receipt_email: null });
    // The same values again change nothing and say nothing.
    await stripe.charges.update(id, { metadata: { packed: 'yes' } });
    expect((await stripe.events.list({ type: 'charge.updated' })).data).toHaveLength(1);
    expect((await stripe.charges.update(id, { metadata: { order: '' } })).metadata).toEqual({ packed: 'yes' });

    expect(await failure(stripe.charges.update(id, { amount: 5 } as never))).toMatchObject({ statusCode: 400, param: 'amount', message: 'Received unknown parameter: amount' });
    expect(await failure(stripe.charges.update('ch_missing', { metadata: { a: 'b' } }))).toMatchObject({ statusCode: 404, code: 'resource_missing', message: "No such charge: 'ch_missing'" });
  });
});

describe('Idempotency-Key', () => {
  it('reused on another endpoint is an idempotency_error naming both endpoints', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await stripe.refunds.create({ payment_intent: pi.id, amount: 100 }, { idempotencyKey: 'order-7-refund' });
    const err = await failure(stripe.customers.create({ email: 'ada@example.com' }, { idempotencyKey: 'order-7-refund' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err.message).toBe(
      "Keys for idempotent requests can only be used for the same endpoint they were first used for ('/v1/refunds' vs '/v1/customers'). Try using a key other than 'order-7-refund' if you meant to execute a different request.",
    );
    const params = await failure(stripe.refunds.create({ payment_intent: pi.id, amount: 200 }, { idempotencyKey: 'order-7-refund' }));
    expect(params.message).toMatch(/^Keys for idempotent requests can only be used with the same parameters they were first used with\./);
    expect((await stripe.customers.list()).data).toHaveLength(0);
  });
});

describe('shipping and transfer_group on a PaymentIntent', () => {
  it('are kept as sent, changed or unset by update, and copied to the charge', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const shipping = { name: 'Jenny Rosen', phone: '+15555550100', carrier: 'UPS', tracking_number: '1Z999', address: { line1: '1 Main St', city: 'Springfield', country: 'US', postal_code: '12345' } };
    const pi = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', shipping, transfer_group: 'ORDER_42' });
    expect(pi.shipping).toEqual({ ...shipping, address: { line1: '1 Main St', line2: null, city: 'Springfield', state: null, country: 'US', postal_code: '12345' } });
    expect(pi.transfer_group).toBe('ORDER_42');
    const moved = await stripe.paymentIntents.update(pi.id, { shipping: { name: 'Jenny Rosen', address: { line1: '2 Side St' } } });
    expect(moved.shipping).toMatchObject({ name: 'Jenny Rosen', carrier: null, tracking_number: null, address: { line1: '2 Side St', city: null } });
    const paid = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa', expand: ['latest_charge'] });
    expect((paid.latest_charge as Stripe.Charge).shipping?.address?.line1).toBe('2 Side St');
    expect((paid.latest_charge as Stripe.Charge).transfer_group).toBe('ORDER_42');
    expect((await stripe.paymentIntents.update(pi.id, { shipping: '' as never })).shipping).toBeNull();
    const refused = await failure(stripe.paymentIntents.create({ amount: 1500, currency: 'usd', shipping: { address: { line1: 'x' } } as never }));
    expect(refused).toMatchObject({ statusCode: 400, param: 'shipping[name]' });
  });
});

describe('the type of the payment method that failed', () => {
  it('is on the card error and on last_payment_error (API versions since 2026-09-30.endive), in the payment_intent.payment_failed event too', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const err = await failure(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa_chargeDeclined', confirm: true }));
    expect(err).toMatchObject({ statusCode: 402, code: 'card_declined', payment_method_type: 'card' });
    const pi = err.payment_intent as Stripe.PaymentIntent;
    expect(pi.last_payment_error?.payment_method_type).toBe('card');
    expect((await stripe.paymentIntents.retrieve(pi.id)).last_payment_error?.payment_method_type).toBe('card');
    const failed = (await stripe.events.list({ type: 'payment_intent.payment_failed' })).data[0]!;
    expect((failed.data.object as Stripe.PaymentIntent).last_payment_error?.payment_method_type).toBe('card');
  });
});
