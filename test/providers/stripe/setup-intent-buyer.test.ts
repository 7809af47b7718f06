/**
 * The control API's simulated buyer on a SetupIntent waiting for 3-D Secure: `POST /_sandbox/buyer/seti_…/
 * complete|fail` ends it as the challenge page does (succeeded and `setup_intent.succeeded`, or back to
 * `requires_payment_method` with `last_setup_error` and `setup_intent.setup_failed`), which stripe-node
 * then retrieves; unknown ids are a 404 and an intent not waiting for the buyer a 409, in the control API's
 * error shape; a scenario's buyer step drives it the same way.
 */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/sandbox.js';
import { stripeNode, stripeTestResources, type StripeSandbox } from './stripe-sandbox.js';

const resources = stripeTestResources();

async function buyer(s: StripeSandbox, ref: string, action: string, body: Record<string, unknown> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.sandbox.url}/_sandbox/buyer/${encodeURIComponent(ref)}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** A sandbox with an endpoint for every setup_intent event, and a SetupIntent waiting for the buyer's 3-D Secure. */
async function waiting(card: string | null = 'pm_card_authenticationRequired', extra: Partial<Stripe.SetupIntentCreateParams> = {}) {
  const s = await resources.sandbox();
  const stripe = stripeNode(s);
  const r = await resources.receiver();
  const we = await stripe.webhookEndpoints.create({ url: r.url, enabled_events: ['setup_intent.created', 'setup_intent.requires_action', 'setup_intent.succeeded', 'setup_intent.setup_failed'] });
  const customer = await stripe.customers.create({ email: 'buyer@example.com' });
  const si = await stripe.setupIntents.create({ customer: customer.id, ...(card ? { payment_method: card } : {}), confirm: true, ...extra });
  expect(si.status).toBe('requires_action');
  await waitFor(() => r.requests.length === 2);
  const received = () => r.requests.map((req) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, we.secret as string));
  expect(received().map((e) => e.type)).toEqual(['setup_intent.created', 'setup_intent.requires_action']);
  return { s, stripe, r, received, customer, si };
}

describe('the control API buyer on a SetupIntent', () => {
  it('complete sets the card up: succeeded, the card attached, setup_intent.succeeded', async () => {
    const { s, stripe, r, received, customer, si } = await waiting();
    const done = await buyer(s, si.id, 'complete');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: si.id, object: 'setup_intent', status: 'succeeded', next_action: null, last_setup_error: null });

    const retrieved = await stripe.setupIntents.retrieve(si.id);
    expect(retrieved).toMatchObject({ status: 'succeeded', next_action: null, last_setup_error: null, payment_method: si.payment_method });
    expect((await stripe.paymentMethods.retrieve(si.payment_method as string)).customer).toBe(customer.id);
    await waitFor(() => r.requests.length === 3);
    const last = received()[2]!;
    expect(last.type).toBe('setup_intent.succeeded');
    expect((last.data.object as Stripe.SetupIntent).id).toBe(si.id);

    // Done: the buyer cannot act on it again.
    const again = await buyer(s, si.id, 'complete');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'invalid_state', param: 'ref', message: expect.stringContaining('succeeded') });
  });

  it('fail fails the authentication: requires_payment_method with last_setup_error, setup_intent.setup_failed', async () => {
    const { s, stripe, r, received, si } = await waiting();
    const failed = await buyer(s, si.id, 'fail');
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ id: si.id, status: 'requires_payment_method', payment_method: null, last_setup_error: { code: 'setup_intent_authentication_failure' } });

    const retrieved = await stripe.setupIntents.retrieve(si.id);
    expect(retrieved.status).toBe('requires_payment_method');
    expect(retrieved.last_setup_error).toMatchObject({ type: 'invalid_request_error', code: 'setup_intent_authentication_failure' });
    expect(retrieved.last_setup_error?.payment_method?.id).toBe(si.payment_method);
    await waitFor(() => r.requests.length === 3);
    expect(received()[2]).toMatchObject({ type: 'setup_intent.setup_failed', data: { object: { id: si.id, status: 'requires_payment_method' } } });

    // It takes another card, as on Stripe.
    const retried = await stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' });
    expect(retried.status).toBe('succeeded');
  });

  it('fail with a failure_code is the issuer declining after authentication', async () => {
    const { s, stripe, si } = await waiting();
    const failed = await buyer(s, si.id, 'fail', { failure_code: 'insufficient_funds' });
    expect(failed.status).toBe(200);
    const retrieved = await stripe.setupIntents.retrieve(si.id);
    expect(retrieved).toMatchObject({ status: 'requires_payment_method', last_setup_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds' } });
  });

  it('complete on the card declined after authentication ends as the challenge page does', async () => {
    const { s, stripe, si } = await waiting(null, {
      payment_method_data: { type: 'card', card: { number: '4000008400001629', exp_month: 12, exp_year: 2040, cvc: '123' } } as never,
    });
    expect((await buyer(s, si.id, 'complete')).status).toBe(200);
    expect(await stripe.setupIntents.retrieve(si.id)).toMatchObject({ status: 'requires_payment_method', last_setup_error: { code: 'card_declined' } });
  });

  it('a browser form goes on to the return_url with Stripe query, as from the challenge page', async () => {
    const { s, si } = await waiting('pm_card_authenticationRequired', { return_url: 'https://shop.example/saved' });
    const res = await fetch(`${s.sandbox.url}/_sandbox/buyer/${si.id}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: '',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    const to = new URL(res.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe('https://shop.example/saved');
    expect(Object.fromEntries(to.searchParams)).toEqual({ setup_intent: si.id, setup_intent_client_secret: si.client_secret, redirect_status: 'succeeded' });
  });

  it('refuses unknown ids (404), an intent not waiting (409) and expire (400), in the control API error shape', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const unknown = await buyer(s, 'seti_nope', 'complete');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'resource_missing', param: 'ref' });

    const fresh = await stripe.setupIntents.create({});
    const notWaiting = await buyer(s, fresh.id, 'complete');
    expect(notWaiting.status).toBe(409);
    expect(notWaiting.body.error).toMatchObject({ code: 'invalid_state', message: expect.stringContaining('requires_payment_method') });
    expect((await stripe.setupIntents.retrieve(fresh.id)).status).toBe('requires_payment_method');

    const si = await stripe.setupIntents.create({ payment_method: 'pm_card_authenticationRequired', confirm: true });
    const expire = await buyer(s, si.id, 'expire');
    expect(expire.status).toBe(400);
    expect(expire.body.error).toMatchObject({ code: 'parameter_invalid', param: 'action' });
    expect((await stripe.setupIntents.retrieve(si.id)).status).toBe('requires_action');
  });
});
