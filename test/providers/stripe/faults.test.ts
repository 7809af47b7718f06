/**
 * An injected API fault reaches stripe-node in Stripe's own shape: 500/503 as StripeAPIError, 429 as
 * StripeRateLimitError with Retry-After, each with a Request-Id and `Stripe-Should-Retry: true`, so the
 * SDK's own retries recover from it.
 */
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStripeSandbox, type StripeSandbox } from './stripe-sandbox.js';

let s: StripeSandbox;
beforeEach(async () => {
  s = await startStripeSandbox();
});
afterEach(() => s.close());

function client(maxNetworkRetries = 0): Stripe {
  const url = new URL(s.url);
  return new Stripe(s.keys.secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries });
}

async function arm(rule: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${s.sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.sandbox.merchant.secret_key}` },
    body: JSON.stringify({ provider: 'stripe', ...rule }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function failureOf(p: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await p;
  } catch (err) {
    return err as Stripe.errors.StripeError;
  }
  throw new Error('expected the request to fail');
}

const create = (c: Stripe) => c.paymentIntents.create({ amount: 1200, currency: 'usd' });

describe('Stripe API faults through stripe-node', () => {
  it.each(['500', '503'] as const)('%s is a StripeAPIError (type api_error) marked retryable; the next request succeeds', async (fault) => {
    const rule = await arm({ method: 'POST', path: '/v1/payment_intents', fault, times: 1 });
    const c = client();
    const err = await failureOf(create(c));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err).toMatchObject({ statusCode: Number(fault), rawType: 'api_error', message: expect.stringContaining(rule) });
    expect(err.requestId).toMatch(/^req_/);
    expect(err.headers?.['stripe-should-retry']).toBe('true');
    expect((await create(c)).status).toBe('requires_payment_method');
  });

  it('429 is a StripeRateLimitError (code rate_limit) with Retry-After; the next request succeeds', async () => {
    await arm({ method: 'GET', path: '/v1/payment_intents', fault: '429', retry_after_s: 3, times: 1 });
    const c = client();
    const err = await failureOf(c.paymentIntents.list());
    expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(err).toMatchObject({ statusCode: 429, rawType: 'invalid_request_error', code: 'rate_limit' });
    expect(err.headers?.['retry-after']).toBe('3');
    expect(err.headers?.['stripe-should-retry']).toBe('true');
    expect(err.requestId).toMatch(/^req_/);
    expect((await c.paymentIntents.list()).object).toBe('list');
  });

  it("stripe-node's own retries get past a fault (the same Idempotency-Key creates one intent)", async () => {
    await arm({ method: 'POST', path: '/v1/payment_intents', fault: '503', times: 1 });
    const c = client(1);
    const pi = await create(c);
    expect(pi.status).toBe('requires_payment_method');
    expect((await c.paymentIntents.list()).data.map((p) => p.id)).toEqual([pi.id]);
    // The fault was met (the rule is used up), so the intent came from the retry.
    const rules = await fetch(`${s.sandbox.url}/_sandbox/faults`, { headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}` } });
    expect(((await rules.json()) as { data: unknown[] }).data).toEqual([]);
  });
});
