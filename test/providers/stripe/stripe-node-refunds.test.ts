/**
 * stripe-node's Refunds API against the Stripe provider beyond create/list: updating a refund's metadata
 * (kept in the data file), canceling one, and the refund Stripe makes itself when an authorised intent is
 * canceled (a reversal of the authorisation, listed like any refund).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/sandbox.js';
import { failure, startStripeSandbox, stripeNode, stripeTestResources } from './stripe-sandbox.js';

const resources = stripeTestResources();

async function paid(stripe: Stripe, amount = 2000): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
}

async function authorised(stripe: Stripe, amount = 5000): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual' });
}

describe('refunds.update', () => {
  it('sets, merges and unsets metadata, and the change is what every read shows', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const pi = await paid(stripe);
    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 500, reason: 'requested_by_customer', metadata: { ticket: 'T-1' } });

    const updated = await stripe.refunds.update(refund.id, { metadata: { agent: 'ada' } });
    expect(updated).toMatchObject({ id: refund.id, object: 'refund', amount: 500, status: 'succeeded', reason: 'requested_by_customer' });
    expect(updated.metadata).toEqual({ ticket: 'T-1', agent: 'ada' });
    const unset = await stripe.refunds.update(refund.id, { metadata: { ticket: '' } });
    expect(unset.metadata).toEqual({ agent: 'ada' });

    expect((await stripe.refunds.retrieve(refund.id)).metadata).toEqual({ agent: 'ada' });
    expect((await stripe.refunds.list({ payment_intent: pi.id })).data[0]!.metadata).toEqual({ agent: 'ada' });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, { expand: ['refunds'] });
    expect(charge.refunds!.data[0]!.metadata).toEqual({ agent: 'ada' });
    // Only metadata changed: the money did not move again.
    expect(charge.amount_refunded).toBe(500);

    const cleared = await stripe.refunds.update(refund.id, { metadata: '' });
    expect(cleared.metadata).toEqual({});
  });

  it('says refund.updated with the metadata before the change, and nothing when nothing changes', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const refund = await stripe.refunds.create({ payment_intent: (await paid(stripe)).id, metadata: { ticket: 'T-1' } });
    await stripe.refunds.update(refund.id, { metadata: { ticket: 'T-2' } });
    await stripe.refunds.update(refund.id, { metadata: { ticket: 'T-2' } });
    const events = (await stripe.events.list({ type: 'refund.updated' })).data;
    expect(events).toHaveLength(1);
    expect((events[0]!.data.object as Stripe.Refund).metadata).toEqual({ ticket: 'T-2' });
    expect(events[0]!.data.previous_attributes).toEqual({ metadata: { ticket: 'T-1' } });
  });

  it('takes only metadata: any other parameter is a 400 naming it; an unknown id is a 404', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const refund = await stripe.refunds.create({ payment_intent: (await paid(stripe)).id });
    for (const param of ['amount', 'reason']) {
      const err = await failure(stripe.refunds.update(refund.id, { [param]: param === 'amount' ? 100 : 'duplicate' } as never));
      expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(err).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error', param, message: `Received unknown parameter: ${param}` });
    }
    const missing = await failure(stripe.refunds.update('re_missing', { metadata: { a: 'b' } }));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id', message: "No such refund: 're_missing'" });
    expect((await stripe.refunds.retrieve(refund.id)).metadata).toEqual({});
  });

  it('keeps the metadata in the data file across a restart', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'paycli-stripe-refunds-'));
    resources.cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const dataFile = path.join(dir, 'sandbox.json');
    const first = await startStripeSandbox({ inMemory: false, dataFile });
    const pi = await paid(stripeNode(first));
    const refund = await stripeNode(first).refunds.create({ payment_intent: pi.id, amount: 700 });
    await stripeNode(first).refunds.update(refund.id, { metadata: { rma: 'R-9' } });
    const canceled = await authorised(stripeNode(first));
    await stripeNode(first).paymentIntents.cancel(canceled.id);
    const [reversal] = (await stripeNode(first).refunds.list({ payment_intent: canceled.id })).data;
    await stripeNode(first).refunds.update(reversal!.id, { metadata: { note: 'released' } });
    await first.close();

    const second = await resources.sandbox({ inMemory: false, dataFile });
    const stripe = stripeNode(second);
    expect((await stripe.refunds.retrieve(refund.id)).metadata).toEqual({ rma: 'R-9' });
    expect((await stripe.refunds.retrieve(reversal!.id)).metadata).toEqual({ note: 'released' });
  });
});

describe('refunds of the native API', () => {
  it('are not Stripe refunds, nor their payments Stripe charges: retrieve and update answer 404', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const native = async (path: string, body: unknown) => {
      const res = await fetch(`${s.sandbox.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { id: string };
    };
    const payment = await native('/v1/payments', {
      amount: 1000,
      currency: 'usd',
      merchant_order_id: 'native-1',
      payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2040 } },
    });
    const refund = await native('/v1/refunds', { payment_id: payment.id });
    expect(refund.id).toMatch(/^re_/);
    // Nor is its payment a Stripe charge, or its money a Stripe balance transaction.
    const suffix = payment.id.slice('pay_'.length);
    expect(await failure(stripe.charges.retrieve(`ch_${suffix}`))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(await failure(stripe.charges.update(`ch_${suffix}`, { metadata: { a: 'b' } }))).toMatchObject({ statusCode: 404 });
    expect(await failure(stripe.balanceTransactions.retrieve(`txn_${suffix}`))).toMatchObject({ statusCode: 404 });
    expect(await failure(stripe.refunds.retrieve(refund.id))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(await failure(stripe.refunds.update(refund.id, { metadata: { a: 'b' } }))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect((await stripe.refunds.list()).data).toEqual([]);
  });
});

describe('refunds.list', () => {
  it('filtered by a charge or an intent that does not exist is a 404 naming the filter', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const charge = await failure(stripe.refunds.list({ charge: 'ch_missing' }));
    expect(charge).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'charge', message: "No such charge: 'ch_missing'" });
    const intent = await failure(stripe.refunds.list({ payment_intent: 'pi_missing' }));
    expect(intent).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'payment_intent' });
    // A known charge without refunds lists none.
    const pi = await paid(stripe);
    expect((await stripe.refunds.list({ charge: pi.latest_charge as string })).data).toEqual([]);
  });
});

describe('refunds.cancel', () => {
  it('a card refund that succeeded cannot be canceled: a 400 invalid_request_error, and the refund is unchanged', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const refund = await stripe.refunds.create({ payment_intent: (await paid(stripe)).id });
    const err = await failure(stripe.refunds.cancel(refund.id));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error' });
    expect(err.message).toContain('status of succeeded');
    expect(err.message).toContain('requires_action');
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');

    const failed = await stripe.refunds.create({ payment_intent: (await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: 'pm_card_refundFail', confirm: true })).id });
    expect((await failure(stripe.refunds.cancel(failed.id))).message).toContain('status of failed');
    expect(await failure(stripe.refunds.cancel('re_missing'))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect(await failure(stripe.refunds.cancel(refund.id, { reason: 'x' } as never))).toMatchObject({ statusCode: 400, param: 'reason' });
  });
});

describe('canceling an authorised intent', () => {
  it('makes a refund of the whole authorisation: a reversal, listed by intent and charge, with no balance transaction', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const pi = await authorised(stripe);
    await stripe.paymentIntents.cancel(pi.id);

    const listed = (await stripe.refunds.list({ payment_intent: pi.id })).data;
    expect(listed).toHaveLength(1);
    const reversal = listed[0]!;
    expect(reversal).toMatchObject({
      object: 'refund',
      amount: 5000,
      currency: 'usd',
      status: 'succeeded',
      charge: pi.latest_charge,
      payment_intent: pi.id,
      balance_transaction: null,
      reason: null,
      metadata: {},
      destination_details: { type: 'card', card: { type: 'reversal' } },
    });
    expect(reversal.id).toMatch(/^re_/);
    expect((await stripe.refunds.list({ charge: pi.latest_charge as string })).data.map((r) => r.id)).toEqual([reversal.id]);
    expect((await stripe.refunds.list()).data.map((r) => r.id)).toContain(reversal.id);
    expect(await stripe.refunds.retrieve(reversal.id)).toEqual(reversal);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, { expand: ['refunds.data.balance_transaction'] } as never);
    expect(charge).toMatchObject({ amount_refunded: 5000, refunded: true, captured: false });
    expect(charge.refunds!.data.map((r) => r.id)).toEqual([reversal.id]);

    // No money moved: nothing on the balance, and no balance transaction to find.
    expect((await stripe.balanceTransactions.list()).data).toEqual([]);
    expect(await failure(stripe.balanceTransactions.retrieve(`txn_r${reversal.id.slice(3)}`))).toMatchObject({ statusCode: 404 });
    // Nothing more can be refunded, by intent or by charge; Stripe answers both about the intent.
    const message = `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`;
    expect(await failure(stripe.refunds.create({ payment_intent: pi.id }))).toMatchObject({ statusCode: 400, message });
    expect(await failure(stripe.refunds.create({ charge: pi.latest_charge as string }))).toMatchObject({ statusCode: 400, message, param: 'charge' });
    expect((await stripe.refunds.update(reversal.id, { metadata: { why: 'out of stock' } })).metadata).toEqual({ why: 'out of stock' });
  });

  it('says refund.created for it, after charge.refunded and payment_intent.canceled', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const r = await resources.receiver();
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['charge.refunded', 'payment_intent.canceled', 'refund.created'] });
    const pi = await authorised(stripe);
    await stripe.paymentIntents.cancel(pi.id);
    await waitFor(() => r.requests.length === 3);
    const events = r.requests.map((req) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, we.secret as string));
    expect(events.map((e) => e.type).sort()).toEqual(['charge.refunded', 'payment_intent.canceled', 'refund.created']);
    const [reversal] = (await stripe.refunds.list({ payment_intent: pi.id })).data;
    expect(events.find((e) => e.type === 'refund.created')!.data.object).toEqual(reversal);
    // Events carry the charge as Stripe renders it: without its refunds, which only expand[] includes.
    const refunded = events.find((e) => e.type === 'charge.refunded')!.data.object as Stripe.Charge;
    expect(refunded).toMatchObject({ id: pi.latest_charge, amount_refunded: 5000, refunded: true });
    expect(refunded).not.toHaveProperty('refunds');
  });

  it('an intent canceled before any charge (no authorisation) has no refund', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    await stripe.paymentIntents.cancel(pi.id);
    const threeDs = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_threeDSecure2Required', confirm: true, return_url: 'https://shop.test/back' });
    expect(threeDs.status).toBe('requires_action');
    await stripe.paymentIntents.cancel(threeDs.id);
    expect((await stripe.refunds.list()).data).toEqual([]);
  });
});
