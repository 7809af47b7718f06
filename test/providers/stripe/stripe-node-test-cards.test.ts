/**
 * Stripe's test payment methods beyond the everyday ones, as a merchant's tests pass them to stripe-node:
 * the 3-D Secure cards by their own aliases (some declined once the buyer authenticates), the Radar and
 * address-check cards, the dispute cards (which pay), and the older names without `visa_`.
 */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { failure, stripeNode, stripeTestResources } from './stripe-sandbox.js';

const resources = stripeTestResources();
const RETURN_URL = 'https://shop.example/back';

async function pay(stripe: Stripe, paymentMethod: string): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: paymentMethod, confirm: true, return_url: RETURN_URL });
}

describe("Stripe's 3-D Secure test payment methods", () => {
  it('pm_card_threeDSecureRequired asks for 3-D Secure behind next_action.redirect_to_url and pays after it', async () => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const pi = await pay(stripe, 'pm_card_threeDSecureRequired');
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action?.redirect_to_url?.url).toBe(`${s.url}/3ds/${pi.id}`);
    const done = await fetch(`${pi.next_action!.redirect_to_url!.url}/complete`, { method: 'POST', redirect: 'manual' });
    expect(new URL(done.headers.get('location')!).searchParams.get('redirect_status')).toBe('succeeded');
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('succeeded');
  });

  it.each([
    ['pm_card_threeDSecureRequiredChargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_authenticationRequiredChargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_threeDSecureRequiredProcessingError', 'processing_error', 'processing_error'],
  ])('%s asks for 3-D Secure, then the issuer declines: %s / %s, the intent back for another card', async (paymentMethod, code, declineCode) => {
    const s = await resources.sandbox();
    const stripe = stripeNode(s);
    const pi = await pay(stripe, paymentMethod);
    expect(pi.status).toBe('requires_action');
    const done = await fetch(`${pi.next_action!.redirect_to_url!.url}/complete`, { method: 'POST', redirect: 'manual' });
    const back = new URL(done.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(RETURN_URL);
    expect(back.searchParams.get('redirect_status')).toBe('failed');
    const after = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
    expect(after.status).toBe('requires_payment_method');
    expect(after.last_payment_error).toMatchObject({ type: 'card_error', code, decline_code: declineCode });
    expect((after.latest_charge as Stripe.Charge).status).toBe('failed');
  });

  it('pm_card_threeDSecureOptional and pm_card_amex_threeDSecureNotSupported pay without asking', async () => {
    const stripe = stripeNode(await resources.sandbox());
    for (const pm of ['pm_card_threeDSecureOptional', 'pm_card_amex_threeDSecureNotSupported']) {
      expect((await pay(stripe, pm)).status, pm).toBe('succeeded');
    }
  });
});

describe("Stripe's fraud, dispute and older test payment methods", () => {
  it.each([
    ['pm_card_riskLevelHighest', 'card_declined', 'generic_decline'],
    ['pm_card_cvcCheckFail', 'incorrect_cvc', 'incorrect_cvc'],
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedFraudulent', 'card_declined', 'fraudulent'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_chargeDeclinedVelocityLimitExceeded', 'card_declined', 'card_velocity_exceeded'],
  ])('%s is a StripeCardError %s / %s', async (paymentMethod, code, declineCode) => {
    const stripe = stripeNode(await resources.sandbox());
    const err = await failure(pay(stripe, paymentMethod));
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ statusCode: 402, code, decline_code: declineCode });
    expect((err.payment_intent as Stripe.PaymentIntent).status).toBe('requires_payment_method');
  });

  it('the risk, address-check and dispute cards pay', async () => {
    const stripe = stripeNode(await resources.sandbox());
    for (const pm of ['pm_card_riskLevelElevated', 'pm_card_avsFail', 'pm_card_avsZipFail', 'pm_card_createDispute', 'pm_card_createDisputeInquiry', 'pm_card_bypassPending']) {
      expect((await pay(stripe, pm)).status, pm).toBe('succeeded');
    }
  });
});

describe("Stripe's test card numbers the shared card table lacks", () => {
  it('typed in, decide as their aliases: 0341 attaches and its charges are declined, 4954 is declined, 0101 fails the CVC', async () => {
    const stripe = stripeNode(await resources.sandbox());
    const card = (number: string) => ({ type: 'card', card: { number, exp_month: 12, exp_year: 2040, cvc: '123' } }) as never;
    const customer = await stripe.customers.create({ email: 'ada@example.com' });
    const saved = await stripe.setupIntents.create({ customer: customer.id, payment_method_data: card('4000000000000341'), confirm: true });
    expect(saved.status).toBe('succeeded');
    for (const [number, code, declineCode] of [
      ['4000000000000341', 'card_declined', 'generic_decline'],
      ['4000000000004954', 'card_declined', 'generic_decline'],
      ['4000000000000101', 'incorrect_cvc', 'incorrect_cvc'],
    ] as const) {
      const err = await failure(stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method_data: card(number), confirm: true, return_url: RETURN_URL }));
      expect(err, number).toMatchObject({ statusCode: 402, code, decline_code: declineCode });
    }
  });
});
