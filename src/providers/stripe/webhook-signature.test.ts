import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { stripeSignatureHeader, STALE_PROBE_AGE_SEC } from './webhook-signature.js';

const stripe = new Stripe('sk_test_x');
const secret = 'whsec_0123456789abcdefABCDEF01';
const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1' } } }, null, 2);
const now = () => Math.floor(Date.now() / 1000);

describe('Stripe-Signature', () => {
  it('verifies with stripe.webhooks.constructEvent using the whole whsec_ string', () => {
    const header = stripeSignatureHeader(secret, now(), body);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(stripe.webhooks.constructEvent(body, header, secret).id).toBe('evt_1');
    expect(() => stripe.webhooks.constructEvent(body, header, secret.slice('whsec_'.length))).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it('a tampered probe fails verification; a stale probe fails only the age check', () => {
    expect(() => stripe.webhooks.constructEvent(body, stripeSignatureHeader(secret, now(), body, 'tampered'), secret)).toThrow(/No signatures found/);
    const stale = stripeSignatureHeader(secret, now(), body, 'stale');
    expect(Number(/t=(\d+)/.exec(stale)![1])).toBeLessThanOrEqual(now() - STALE_PROBE_AGE_SEC);
    expect(() => stripe.webhooks.constructEvent(body, stale, secret)).toThrow(/Timestamp outside the tolerance zone/);
    expect(stripe.webhooks.constructEvent(body, stale, secret, 3600).id).toBe('evt_1');
  });

  it('a forged probe is a well-formed, current signature made with another secret', () => {
    const t = now();
    const forged = stripeSignatureHeader(secret, t, body, 'forged');
    expect(forged).toMatch(new RegExp(`^t=${t},v1=[0-9a-f]{64}$`));
    expect(forged).not.toBe(stripeSignatureHeader(secret, t, body));
    expect(() => stripe.webhooks.constructEvent(body, forged, secret)).toThrow(/No signatures found/);
  });
});
