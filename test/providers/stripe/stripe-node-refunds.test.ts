/**
 * stripe-node's Refunds API against the Stripe provider beyond create/list: updating a refund's metadata
 * (kept in the data file), canceling one, and what releasing an authorisation (canceling the intent, or
 * capturing part of it) does to refunds under the current API version: nothing (no Refund is made).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
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
    await first.close();

    const second = await resources.sandbox({ inMemory: false, dataFile });
    const stripe = stripeNode(second);
    expect((await stripe.refunds.retrieve(refund.id)).metadata).toEqual({ rma: 'R-9' });
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
  it('makes no refund (API version 2025-03-31.basil on): the charge shows nothing refunded and nothing can be refunded', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const pi = await authorised(stripe);
    const canceled = await stripe.paymentIntents.cancel(pi.id);
    expect(canceled).toMatchObject({ status: 'canceled', amount_capturable: 0, amount_received: 0 });

    expect((await stripe.refunds.list({ payment_intent: pi.id })).data).toEqual([]);
    expect((await stripe.refunds.list({ charge: pi.latest_charge as string })).data).toEqual([]);
    expect((await stripe.refunds.list()).data).toEqual([]);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, { expand: ['refunds'] } as never);
    expect(charge).toMatchObject({ amount: 5000, amount_captured: 0, amount_refunded: 0, refunded: false, captured: false, balance_transaction: null });
    expect(charge.refunds!.data).toEqual([]);
    // No money moved: no balance transaction.
    expect((await stripe.balanceTransactions.list()).data).toEqual([]);
    // Nothing can be refunded, by intent or by charge; Stripe answers both about the intent.
    const message = `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`;
    expect(await failure(stripe.refunds.create({ payment_intent: pi.id }))).toMatchObject({ statusCode: 400, message, param: 'payment_intent' });
    expect(await failure(stripe.refunds.create({ charge: pi.latest_charge as string }))).toMatchObject({ statusCode: 400, message, param: 'charge' });
  });

  it('says payment_intent.canceled, and neither charge.refunded nor refund.created', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const r = await resources.receiver();
    const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['charge.refunded', 'payment_intent.canceled', 'refund.created'] });
    const pi = await authorised(stripe);
    await stripe.paymentIntents.cancel(pi.id);
    // The three would be raised in the same change: once payment_intent.canceled is in, the others would be.
    await waitFor(() => r.requests.length >= 1);
    const events = r.requests.map((req) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, we.secret as string));
    expect(events.map((e) => e.type)).toEqual(['payment_intent.canceled']);
    expect((await stripe.events.list({ types: ['charge.refunded', 'refund.created'] })).data).toEqual([]);
  });

  it('released from the dashboard, the authorisation expires its charge and cancels the intent, still without a refund', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const pi = await authorised(stripe);
    const paymentId = `pay_${(pi.latest_charge as string).slice(3)}`;
    const res = await fetch(`${s.sandbox.url}/_dashboard/api/payments/${paymentId}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    const after = await stripe.paymentIntents.retrieve(pi.id);
    expect(after).toMatchObject({ status: 'canceled', amount_capturable: 0, last_payment_error: null, payment_method: pi.payment_method });
    expect(after.canceled_at).toEqual(expect.any(Number));
    expect(await stripe.charges.retrieve(pi.latest_charge as string)).toMatchObject({ captured: false, amount_captured: 0, amount_refunded: 0, refunded: false });
    const types = (await stripe.events.list()).data.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['charge.expired', 'payment_intent.canceled']));
    expect(types).not.toContain('payment_intent.payment_failed');
    expect(types).not.toContain('charge.refunded');
    expect((await stripe.refunds.list()).data).toEqual([]);
    expect(await failure(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' }))).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
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

describe('a partial capture', () => {
  it('releases the rest without a refund: one balance transaction for the captured amount, refunds up to it', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const pi = await authorised(stripe, 5000);
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount: 5000, amount_capturable: 0, amount_received: 3000 });
    const charge = await stripe.charges.retrieve(captured.latest_charge as string, { expand: ['refunds', 'balance_transaction'] } as never);
    expect(charge).toMatchObject({ amount: 5000, amount_captured: 3000, amount_refunded: 0, refunded: false, captured: true, paid: true, status: 'succeeded' });
    expect(charge.refunds!.data).toEqual([]);
    expect((await stripe.refunds.list({ payment_intent: pi.id })).data).toEqual([]);
    // One balance transaction, for what was captured (with the fee on it), none for the released rest.
    const txns = (await stripe.balanceTransactions.list()).data;
    expect(txns).toHaveLength(1);
    expect(txns[0]).toMatchObject({ type: 'charge', amount: 3000, source: charge.id });
    expect(txns[0]!.net).toBe(3000 - txns[0]!.fee);
    expect(charge.balance_transaction).toEqual(txns[0]);

    const types = (await stripe.events.list()).data.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['charge.captured', 'payment_intent.succeeded']));
    expect(types).not.toContain('charge.refunded');
    expect(types).not.toContain('refund.created');
    const capturedEvent = (await stripe.events.list({ type: 'charge.captured' })).data[0]!;
    expect(capturedEvent.data.object).toMatchObject({ id: charge.id, amount_captured: 3000, amount_refunded: 0, captured: true });

    // Refunds are limited to the captured amount, in Stripe's words.
    const over = await failure(stripe.refunds.create({ payment_intent: pi.id, amount: 3001 }));
    expect(over).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(over).toMatchObject({
      statusCode: 400,
      code: 'amount_too_large',
      param: 'amount',
      message: 'Refund amount ($30.01) is greater than unrefunded amount on charge ($30.00)',
    });
    const all = await stripe.refunds.create({ charge: charge.id });
    expect(all.amount).toBe(3000);
    expect(await stripe.charges.retrieve(charge.id)).toMatchObject({ amount_captured: 3000, amount_refunded: 3000, refunded: true });
    expect(await failure(stripe.refunds.create({ charge: charge.id, amount: 1 }))).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
  });
});

describe('pm_card_pendingRefund', () => {
  it('its refund is pending at first (the amount held on the charge), then succeeds on the clock with refund.updated and charge.refunded', async () => {
    const clock = new FakeClock();
    const stripe = stripeNode(await resources.sandbox({ clock }));
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_pendingRefund', confirm: true });
    const refund = await stripe.refunds.create({ payment_intent: pi.id });
    expect(refund).toMatchObject({ status: 'pending', amount: 2000, balance_transaction: null });
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('pending');
    expect((await stripe.charges.retrieve(pi.latest_charge as string)).amount_refunded).toBe(2000);
    expect((await failure(stripe.refunds.create({ payment_intent: pi.id, amount: 1 }))).statusCode).toBe(400);
    await clock.advance(60_000);
    expect((await stripe.refunds.retrieve(refund.id)).status).toBe('succeeded');
    const types = (await stripe.events.list({ types: ['refund.created', 'refund.updated', 'charge.refunded'] })).data.map((e) => [e.type, (e.data.object as { status?: string }).status]);
    expect(types.reverse()).toEqual([
      ['refund.created', 'pending'],
      ['refund.updated', 'succeeded'],
      ['charge.refunded', 'succeeded'],
    ]);
  });
});
