/**
 * `payment_method_options[card][request_three_d_secure]` through stripe-node: `any` (and `challenge`) send
 * the buyer to 3-D Secure on cards that support it, where `automatic` lets them pay at once; a card whose
 * issuer takes no part in 3-D Secure pays without it, and a declining card is declined without a challenge.
 */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { failure, stripeNode, stripeTestResources } from './stripe-sandbox.js';

const resources = stripeTestResources();
const any = { card: { request_three_d_secure: 'any' as const } };

describe('request_three_d_secure', () => {
  it('any: a card that needs no authentication goes to requires_action, and pays once the buyer authenticates', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const plain = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    expect(plain.status).toBe('succeeded');
    expect(plain.payment_method_options?.card?.request_three_d_secure).toBe('automatic');

    const pi = await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      return_url: 'https://shop.example/back',
      payment_method_options: any,
    });
    expect(pi.status).toBe('requires_action');
    expect(pi.payment_method_options?.card?.request_three_d_secure).toBe('any');
    expect(pi.latest_charge).toBeNull();
    expect(pi.next_action?.type).toBe('redirect_to_url');
    const url = pi.next_action!.redirect_to_url!.url!;
    expect(url).toBe(`${s.url}/3ds/${pi.id}`);
    const done = await fetch(`${url}/complete`, { method: 'POST', redirect: 'manual' });
    expect(done.status).toBe(303);
    expect(new URL(done.headers.get('location')!).searchParams.get('redirect_status')).toBe('succeeded');
    const paid = await stripe.paymentIntents.retrieve(pi.id);
    expect(paid.status).toBe('succeeded');
    expect(paid.amount_received).toBe(1500);
  });

  it('challenge, sent on confirm, asks too; with manual capture the intent is authorised after the challenge', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const pi = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', capture_method: 'manual', payment_method: 'pm_card_mastercard' });
    const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method_options: { card: { request_three_d_secure: 'challenge' } }, return_url: 'https://shop.example/back' });
    expect(confirmed.status).toBe('requires_action');
    expect(confirmed.payment_method_options?.card?.request_three_d_secure).toBe('challenge');
    await fetch(`${s.url}/3ds/${pi.id}/complete`, { method: 'POST', redirect: 'manual' });
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_capture');
  });

  it('any: a card without 3-D Secure support pays at once; a declining card is declined without a challenge', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const amex = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_amex', confirm: true, payment_method_options: any });
    expect(amex.status).toBe('succeeded');
    const declined = await failure(stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_visa_chargeDeclined', confirm: true, payment_method_options: any }));
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
  });

  it("Stripe's other 3-D Secure cards ask for it by number too: 4000000000003220, 4000000000003063, and 4000002500003155 on session", async () => {
    const stripe = stripeNode(await resources.sandbox());
    for (const number of ['4000000000003220', '4000000000003063', '4000002500003155']) {
      const pi = await stripe.paymentIntents.create({
        amount: 1500,
        currency: 'usd',
        confirm: true,
        return_url: 'https://shop.example/back',
        payment_method_data: { type: 'card', card: { number, exp_month: 12, exp_year: 2040, cvc: '123' } } as never,
      });
      expect(pi.status, number).toBe('requires_action');
    }
    expect((await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_threeDSecure2Required', confirm: true })).status).toBe('requires_action');
  });

  it('4000008400001629 asks for 3-D Secure, then the issuer declines: a failed charge and the intent back for another card', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const pi = await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      confirm: true,
      return_url: 'https://shop.example/back',
      payment_method_data: { type: 'card', card: { number: '4000008400001629', exp_month: 12, exp_year: 2040, cvc: '123' } } as never,
    });
    expect(pi.status).toBe('requires_action');
    const done = await fetch(`${s.url}/3ds/${pi.id}/complete`, { method: 'POST', redirect: 'manual' });
    expect(new URL(done.headers.get('location')!).searchParams.get('redirect_status')).toBe('failed');
    const after = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
    expect(after).toMatchObject({ status: 'requires_payment_method', last_payment_error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } });
    expect(after.latest_charge).toMatchObject({ status: 'failed', failure_code: 'card_declined', paid: false });

    const si = await stripe.setupIntents.create({
      confirm: true,
      return_url: 'https://shop.example/back',
      payment_method_data: { type: 'card', card: { number: '4000008400001629', exp_month: 12, exp_year: 2040, cvc: '123' } } as never,
    });
    expect(si.status).toBe('requires_action');
    await fetch(`${s.url}/3ds/${si.id}/complete`, { method: 'POST', redirect: 'manual' });
    expect(await stripe.setupIntents.retrieve(si.id)).toMatchObject({ status: 'requires_payment_method', payment_method: null, last_setup_error: { code: 'card_declined' } });
  });

  it('any, off session: nobody can authenticate, so the confirmation fails with authentication_required', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const err = await failure(stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, off_session: true, payment_method_options: any }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ statusCode: 402, code: 'authentication_required' });
  });

  it('a value Stripe does not know, or an options hash that is not one, is a 400 naming the parameter; nothing is created', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const bad = await failure(
      stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, payment_method_options: { card: { request_three_d_secure: 'always' as never } } }),
    );
    expect(bad).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(bad).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error', param: 'payment_method_options[card][request_three_d_secure]' });
    const notHash = await failure(stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method_options: { card: 'x' } as never }));
    expect(notHash).toMatchObject({ statusCode: 400, param: 'payment_method_options[card]' });
    expect((await stripe.paymentIntents.list()).data).toEqual([]);
    const pi = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd' });
    expect(await failure(stripe.paymentIntents.update(pi.id, { payment_method_options: { card: { request_three_d_secure: 'sometimes' as never } } }))).toMatchObject({
      statusCode: 400,
      param: 'payment_method_options[card][request_three_d_secure]',
    });
  });
});
