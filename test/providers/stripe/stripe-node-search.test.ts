/**
 * stripe-node's Search API (`paymentIntents.search`, `customers.search`, `charges.search`) against the
 * Stripe provider: Stripe's query language, `search_result` pages with `next_page`, auto-pagination, and
 * Stripe's 400 for a query it cannot run.
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

const ids = (r: { data: { id: string }[] }) => r.data.map((x) => x.id);

describe('Search API', () => {
  it('finds intents by metadata, status, amount and created, newest first', async () => {
    const a = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', metadata: { order_id: 'A-1' }, payment_method: 'pm_card_visa', confirm: true });
    await clock.advance(60_000);
    const b = await stripe.paymentIntents.create({ amount: 5000, currency: 'eur', metadata: { order_id: 'B-2' } });
    await clock.advance(60_000);
    const c = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', metadata: { order_id: 'C-3' }, payment_method: 'pm_card_visa', confirm: true });

    const byOrder = await stripe.paymentIntents.search({ query: "metadata['order_id']:'B-2'" });
    expect(byOrder.object).toBe('search_result');
    expect(ids(byOrder)).toEqual([b.id]);
    expect(ids(await stripe.paymentIntents.search({ query: 'metadata["order_id"]:"b-2"' }))).toEqual([b.id]);
    expect(ids(await stripe.paymentIntents.search({ query: "status:'succeeded'" }))).toEqual([c.id, a.id]);
    expect(ids(await stripe.paymentIntents.search({ query: "status:'succeeded' AND amount>1000" }))).toEqual([c.id]);
    expect(ids(await stripe.paymentIntents.search({ query: "currency:'eur' OR amount<=1000" }))).toEqual([b.id, a.id]);
    expect(ids(await stripe.paymentIntents.search({ query: `-status:"succeeded" created>=${b.created}` }))).toEqual([b.id]);
    expect(ids(await stripe.paymentIntents.search({ query: "metadata['missing']:null amount:2500" }))).toEqual([c.id]);
    const counted = await stripe.paymentIntents.search({ query: "currency:'usd'", expand: ['total_count', 'data.latest_charge'] });
    expect((counted as unknown as { total_count: number }).total_count).toBe(2);
    expect((counted.data[0]!.latest_charge as Stripe.Charge).object).toBe('charge');
  });

  it('pages with next_page, and auto-pagination sees every match', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await stripe.customers.create({ email: `buyer${i}@example.com`, name: `Buyer ${i}` })).id);
    await stripe.customers.create({ email: 'other@example.org' });
    const first = await stripe.customers.search({ query: "email~'example.com'", limit: 2 });
    expect(ids(first)).toEqual([made[4], made[3]]);
    expect(first.has_more).toBe(true);
    expect(first.next_page).toEqual(expect.any(String));
    const second = await stripe.customers.search({ query: "email~'example.com'", limit: 2, page: first.next_page as string });
    expect(ids(second)).toEqual([made[2], made[1]]);
    const all: string[] = [];
    for await (const cu of stripe.customers.search({ query: "email~'example.com'", limit: 2 })) all.push(cu.id);
    expect(all).toEqual([...made].reverse());
    expect(ids(await stripe.customers.search({ query: "name:'buyer 3'" }))).toEqual([made[3]]);
  });

  it('finds charges by their card and refund state', async () => {
    const visa = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const mc = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_mastercard', confirm: true });
    await stripe.refunds.create({ payment_intent: mc.id });
    expect(ids(await stripe.charges.search({ query: "payment_method_details.card.last4:'4242'" }))).toEqual([visa.latest_charge]);
    expect(ids(await stripe.charges.search({ query: "refunded:'true'" }))).toEqual([mc.latest_charge]);
    expect(ids(await stripe.charges.search({ query: `payment_intent:'${visa.id}'` }))).toEqual([visa.latest_charge]);
  });

  it("a query Stripe would refuse is a 400 naming query", async () => {
    for (const query of ['status succeeded', "status:'succeeded' AND amount>1 OR amount<5", "colour:'red'", "email>'a'", "email~'ab'", '']) {
      const err = await failure(stripe.customers.search({ query }));
      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err.statusCode).toBe(400);
      expect(err.param).toBe('query');
    }
    const unsupported = await failure(stripe.paymentIntents.search({ query: "description:'x'" }));
    expect(unsupported.message).toContain('unsupported search field');
    const badPage = await failure(stripe.paymentIntents.search({ query: "status:'succeeded'", page: 'nope' }));
    expect(badPage.param).toBe('page');
  });
});
