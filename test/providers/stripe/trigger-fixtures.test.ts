/** Every Stripe trigger fixture, run against a real sandbox, raises exactly the events it declares. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStripeFixture, STRIPE_FIXTURES, stripeFixtureNamed } from '../../../src/providers/stripe/trigger-fixtures.js';
import { startStripeSandbox, type StripeSandbox } from './stripe-sandbox.js';

let psp: StripeSandbox;
beforeAll(async () => {
  psp = await startStripeSandbox();
});
afterAll(() => psp.close());

describe('Stripe trigger fixtures', () => {
  it.each(STRIPE_FIXTURES.map((f) => [f.name, f] as const))('%s raises its events', async (_name, fixture) => {
    const result = await runStripeFixture(psp.url, psp.keys.secret_key, fixture);
    expect(result.events.map((e) => e.type)).toEqual(fixture.events);
    expect(result.events.map((e) => e.type)).toContain(fixture.name);
  });

  it('a step answering otherwise than expected is an error naming it', async () => {
    const broken = { ...stripeFixtureNamed('payment_intent.succeeded')!, steps: [{ name: 'pi', method: 'POST' as const, path: '/v1/payment_intents', form: { amount: 'x' } }] };
    await expect(runStripeFixture(psp.url, psp.keys.secret_key, broken)).rejects.toThrow(/Step "pi" \(POST \/v1\/payment_intents\) answered 400/);
  });
});
