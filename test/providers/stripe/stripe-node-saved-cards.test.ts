/**
 * stripe-node against the Stripe provider for what an integration with saved cards and reconciliation
 * calls: a customer's payment methods (list, retrieve, update), who may pay with them, and the balance.
 */
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failure, startStripeSandbox, stripeNode, type StripeSandbox } from './stripe-sandbox.js';

let psp: StripeSandbox;
let stripe: Stripe;

beforeEach(async () => {
  psp = await startStripeSandbox();
  stripe = stripeNode(psp);
});
afterEach(() => psp.close());

async function savedCard(customer: string, token = 'tok_visa'): Promise<Stripe.PaymentMethod> {
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { token } });
  return stripe.paymentMethods.attach(pm.id, { customer });
}

describe('saved payment methods', () => {
  it("lists a customer's cards both ways, retrieves one through the customer, and updates it", async () => {
    const ann = await stripe.customers.create({ email: 'ann@example.com' });
    const bob = await stripe.customers.create({ email: 'bob@example.com' });
    const visa = await savedCard(ann.id);
    const mastercard = await savedCard(ann.id, 'tok_mastercard');
    await savedCard(bob.id);

    const byList = await stripe.paymentMethods.list({ customer: ann.id, type: 'card' });
    expect(byList.data.map((pm) => pm.id)).toEqual([mastercard.id, visa.id]);
    expect(byList.url).toBe('/v1/payment_methods');
    const byCustomer = await stripe.customers.listPaymentMethods(ann.id, { limit: 1 });
    expect(byCustomer.data.map((pm) => pm.id)).toEqual([mastercard.id]);
    expect(byCustomer.has_more).toBe(true);
    expect(byCustomer.url).toBe(`/v1/customers/${ann.id}/payment_methods`);

    expect((await stripe.customers.retrievePaymentMethod(ann.id, visa.id)).card?.last4).toBe('4242');
    const notHers = await failure(stripe.customers.retrievePaymentMethod(bob.id, visa.id));
    expect(notHers).toMatchObject({ statusCode: 404, code: 'resource_missing' });

    const updated = await stripe.paymentMethods.update(visa.id, { metadata: { label: 'work' }, billing_details: { name: 'Ann' }, card: { exp_month: 3, exp_year: 2031 } });
    expect(updated.metadata).toEqual({ label: 'work' });
    expect(updated.billing_details.name).toBe('Ann');
    expect([updated.card?.exp_month, updated.card?.exp_year]).toEqual([3, 2031]);
    expect((await stripe.paymentMethods.retrieve(visa.id)).metadata).toEqual({ label: 'work' });
    const unknown = await failure(stripe.paymentMethods.update(visa.id, { card: { number: '4000000000000002' } } as never));
    expect(unknown.message).toBe('Received unknown parameter: card[number]');

    const missing = await failure(stripe.paymentMethods.list({ customer: 'cus_missing' }));
    expect(missing).toMatchObject({ statusCode: 404, message: "No such customer: 'cus_missing'" });
  });

  it("a saved card pays only for its own customer", async () => {
    const ann = await stripe.customers.create({ email: 'ann@example.com' });
    const bob = await stripe.customers.create({ email: 'bob@example.com' });
    const card = await savedCard(ann.id);

    const paid = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: ann.id, payment_method: card.id, off_session: true, confirm: true });
    expect(paid.status).toBe('succeeded');

    const anonymous = await failure(stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: card.id, confirm: true }));
    expect(anonymous).toMatchObject({ statusCode: 400, param: 'payment_method' });
    expect(anonymous.message).toContain('belongs to a Customer');
    const other = await failure(stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: bob.id, payment_method: card.id, confirm: true }));
    expect(other).toMatchObject({ statusCode: 400, param: 'payment_method' });

    const pending = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: bob.id });
    const onConfirm = await failure(stripe.paymentIntents.confirm(pending.id, { payment_method: card.id }));
    expect(onConfirm.param).toBe('payment_method');
    expect((await stripe.paymentIntents.retrieve(pending.id)).status).toBe('requires_payment_method');
  });
});

describe('saving a card', () => {
  it('customers.create with payment_method attaches it; a card attached elsewhere is refused', async () => {
    const ann = await stripe.customers.create({ email: 'ann@example.com', payment_method: 'pm_card_visa' });
    const cards = await stripe.customers.listPaymentMethods(ann.id);
    expect(cards.data.map((pm) => pm.card?.last4)).toEqual(['4242']);
    const attached = await stripe.events.list({ type: 'payment_method.attached' });
    expect(attached.data.map((e) => (e.data.object as Stripe.PaymentMethod).customer)).toEqual([ann.id]);

    const bob = await stripe.customers.create({ email: 'bob@example.com' });
    const taken = await failure(stripe.paymentMethods.attach(cards.data[0]!.id, { customer: bob.id }));
    expect(taken).toMatchObject({ statusCode: 400, message: 'The payment method you provided has already been attached to a customer.' });
    const onCreate = await failure(stripe.customers.create({ email: 'carol@example.com', payment_method: cards.data[0]!.id }));
    expect(onCreate.statusCode).toBe(400);
    expect((await stripe.customers.list({ email: 'carol@example.com' })).data).toHaveLength(0);
  });

  it('setup_future_usage saves the card to the customer once the payment goes through, for off-session charges', async () => {
    const ann = await stripe.customers.create({ email: 'ann@example.com' });
    const first = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      customer: ann.id,
      payment_method: 'pm_card_visa',
      setup_future_usage: 'off_session',
      confirm: true,
    });
    expect(first.status).toBe('succeeded');
    const saved = await stripe.customers.listPaymentMethods(ann.id);
    expect(saved.data.map((pm) => pm.id)).toEqual([first.payment_method]);
    const later = await stripe.paymentIntents.create({ amount: 900, currency: 'usd', customer: ann.id, payment_method: saved.data[0]!.id, off_session: true, confirm: true });
    expect(later.status).toBe('succeeded');

    const declined = await failure(
      stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: ann.id, payment_method: 'pm_card_visa_chargeDeclined', setup_future_usage: 'off_session', confirm: true }),
    );
    expect(declined.statusCode).toBe(402);
    expect((await stripe.customers.listPaymentMethods(ann.id)).data).toHaveLength(1);
  });
});

describe('balance', () => {
  it('is the net of charges, fees and refunds per currency', async () => {
    const empty = await stripe.balance.retrieve();
    expect(empty.object).toBe('balance');
    expect(empty.available).toEqual([{ amount: 0, currency: 'usd', source_types: { card: 0 } }]);

    const usd = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, expand: ['latest_charge.balance_transaction'] });
    const eur = await stripe.paymentIntents.create({ amount: 1000, currency: 'eur', payment_method: 'pm_card_visa', confirm: true, expand: ['latest_charge.balance_transaction'] });
    await stripe.refunds.create({ payment_intent: usd.id, amount: 500 });
    const usdTxn = (usd.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
    const eurTxn = (eur.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;

    const balance = await stripe.balance.retrieve();
    expect(balance.available).toEqual([
      { amount: eurTxn.net, currency: 'eur', source_types: { card: eurTxn.net } },
      { amount: usdTxn.net - 500, currency: 'usd', source_types: { card: usdTxn.net - 500 } },
    ]);
    expect(balance.pending.every((f) => f.amount === 0)).toBe(true);
    expect((await stripe.balanceTransactions.list({ currency: 'eur' })).data.map((t) => t.id)).toEqual([eurTxn.id]);
  });
});

describe('customer details', () => {
  const address = { line1: '1 Market St', line2: 'Suite 5', city: 'San Francisco', state: 'CA', postal_code: '94105', country: 'US' };

  it('keeps address, shipping and the default payment method, and unsets them with empty values', async () => {
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    const created = await stripe.customers.create({ name: 'Ada', address, shipping: { name: 'Ada', address, phone: '+14155550100' }, payment_method: pm.id, invoice_settings: { default_payment_method: pm.id } });
    expect(created).toMatchObject({ address, shipping: { name: 'Ada', address, phone: '+14155550100' }, invoice_settings: { default_payment_method: pm.id } });
    expect(await stripe.customers.retrieve(created.id)).toMatchObject({ address, invoice_settings: { default_payment_method: pm.id } });

    const moved = await stripe.customers.update(created.id, { address: { ...address, city: 'Oakland' } });
    expect(moved.address).toEqual({ ...address, city: 'Oakland' });
    expect(moved.shipping?.address).toEqual(address);
    const cleared = await stripe.customers.update(created.id, { address: '', shipping: '', invoice_settings: { default_payment_method: '' } } as never);
    expect(cleared).toMatchObject({ address: null, shipping: null, invoice_settings: { default_payment_method: null } });
  });

  it('refuses a default payment method not attached to the customer, a shipping without name, an unknown address key', async () => {
    const customer = await stripe.customers.create({ name: 'Grace' });
    const loose = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    const notAttached = await failure(stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: loose.id } }));
    expect(notAttached).toMatchObject({ statusCode: 400, param: 'invoice_settings[default_payment_method]' });
    expect(notAttached.message).toContain('must be attached to the customer');
    expect(await failure(stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: 'pm_nope' } }))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(await failure(stripe.customers.create({ shipping: { address } as never }))).toMatchObject({ param: 'shipping[name]' });
    expect(await failure(stripe.customers.create({ address: { ...address, town: 'x' } as never }))).toMatchObject({ param: 'address[town]' });
    // Nothing changed by the refused requests.
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({ address: null, invoice_settings: { default_payment_method: null } });
  });
});
