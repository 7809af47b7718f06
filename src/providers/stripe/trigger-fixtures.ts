/**
 * Stripe's event names as trigger fixtures (what `stripe trigger <event>` does against Stripe): each is a
 * list of calls against the Stripe provider's own API (form-encoded, as stripe-node sends them) and the
 * buyer's pages, so the events that follow are the real ones. Data plus a small runner that prints
 * nothing; a test runs every fixture against a real sandbox and checks it raises exactly `events`.
 *
 * In paths and form values, `${name:field}` is a field of an earlier step's answer (`${pi:id}`).
 */
import type { ProviderTriggers } from '../trigger-contract.js';

export interface StripeFixtureStep {
  /** Names the answer for later steps. */
  name: string;
  method: 'POST' | 'GET';
  path: string;
  /** Flat bracket-notation form fields. */
  form?: Record<string, string>;
  /** Statuses that are the expected outcome (a decline is a 402). Default 200. */
  expect?: readonly number[];
  /** A buyer's page (no API key, answered with a redirect). */
  page?: boolean;
}

export interface StripeFixture {
  name: string;
  description: string;
  /** The Stripe events it raises, in order. */
  events: readonly string[];
  steps: readonly StripeFixtureStep[];
}

const intent = (form: Record<string, string>, expect: readonly number[] = [200]): StripeFixtureStep => ({
  name: 'pi',
  method: 'POST',
  path: '/v1/payment_intents',
  form: { amount: '2000', currency: 'usd', 'metadata[source]': 'paycli trigger', ...form },
  expect,
});
const confirmed = (pm: string, extra: Record<string, string> = {}) => intent({ payment_method: pm, confirm: 'true', ...extra });
const manual = confirmed('pm_card_visa', { capture_method: 'manual' });
const session: StripeFixtureStep = {
  name: 'cs',
  method: 'POST',
  path: '/v1/checkout/sessions',
  form: {
    mode: 'payment',
    'line_items[0][price_data][currency]': 'usd',
    'line_items[0][price_data][unit_amount]': '2000',
    'line_items[0][price_data][product_data][name]': 'paycli trigger',
    'line_items[0][quantity]': '1',
    success_url: 'https://example.com/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://example.com/cancel',
  },
};
const CREATED_SUCCEEDED = ['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded'];
const CREATED_FAILED = ['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed'];
const AUTHORISED = ['payment_intent.created', 'charge.succeeded', 'payment_intent.amount_capturable_updated'];
const REFUNDED = [...CREATED_SUCCEEDED, 'refund.created', 'charge.refunded'];
const refund: StripeFixtureStep = { name: 're', method: 'POST', path: '/v1/refunds', form: { payment_intent: '${pi:id}' } };
const setup = (form: Record<string, string>, expect: readonly number[] = [200]): StripeFixtureStep => ({
  name: 'seti',
  method: 'POST',
  path: '/v1/setup_intents',
  form: { 'metadata[source]': 'paycli trigger', ...form },
  expect,
});

export const STRIPE_FIXTURES: readonly StripeFixture[] = [
  { name: 'payment_intent.created', description: 'An intent, not confirmed', events: ['payment_intent.created'], steps: [intent({})] },
  { name: 'payment_intent.succeeded', description: 'An intent confirmed with pm_card_visa', events: CREATED_SUCCEEDED, steps: [confirmed('pm_card_visa')] },
  { name: 'payment_intent.payment_failed', description: 'An intent declined (generic decline)', events: CREATED_FAILED, steps: [confirmed('pm_card_visa_chargeDeclined')].map((s) => ({ ...s, expect: [402] })) },
  {
    name: 'payment_intent.requires_action',
    description: 'An intent waiting for 3-D Secure',
    events: ['payment_intent.created', 'payment_intent.requires_action'],
    steps: [confirmed('pm_card_authenticationRequired', { return_url: 'https://example.com/return' })],
  },
  { name: 'payment_intent.amount_capturable_updated', description: 'An intent authorised for manual capture', events: AUTHORISED, steps: [manual] },
  {
    name: 'payment_intent.canceled',
    description: 'An intent canceled before confirmation',
    events: ['payment_intent.created', 'payment_intent.canceled'],
    steps: [intent({}), { name: 'canceled', method: 'POST', path: '/v1/payment_intents/${pi:id}/cancel', form: { cancellation_reason: 'requested_by_customer' } }],
  },
  { name: 'charge.succeeded', description: 'A charge that succeeds', events: CREATED_SUCCEEDED, steps: [confirmed('pm_card_visa')] },
  { name: 'charge.failed', description: 'A charge declined (generic decline)', events: CREATED_FAILED, steps: [confirmed('pm_card_visa_chargeDeclined')].map((s) => ({ ...s, expect: [402] })) },
  {
    name: 'charge.captured',
    description: 'An authorised charge, then captured',
    events: [...AUTHORISED, 'charge.captured', 'payment_intent.succeeded'],
    steps: [manual, { name: 'captured', method: 'POST', path: '/v1/payment_intents/${pi:id}/capture' }],
  },
  { name: 'charge.refunded', description: 'A charge, then refunded in full', events: REFUNDED, steps: [confirmed('pm_card_visa'), refund] },
  { name: 'refund.created', description: 'A charge, then refunded in full', events: REFUNDED, steps: [confirmed('pm_card_visa'), refund] },
  {
    name: 'checkout.session.completed',
    description: 'A Checkout Session paid on the hosted page with pm_card_visa',
    events: [...CREATED_SUCCEEDED, 'checkout.session.completed'],
    steps: [session, { name: 'paid', method: 'POST', path: '/c/pay/${cs:id}', form: { card: 'pm_card_visa' }, page: true, expect: [303] }],
  },
  {
    name: 'checkout.session.expired',
    description: 'A Checkout Session expired before payment',
    events: ['checkout.session.expired'],
    steps: [session, { name: 'expired', method: 'POST', path: '/v1/checkout/sessions/${cs:id}/expire' }],
  },
  { name: 'setup_intent.created', description: 'A SetupIntent, not confirmed', events: ['setup_intent.created'], steps: [setup({})] },
  {
    name: 'setup_intent.succeeded',
    description: 'A SetupIntent confirmed with pm_card_visa',
    events: ['setup_intent.created', 'setup_intent.succeeded'],
    steps: [setup({ payment_method: 'pm_card_visa', confirm: 'true' })],
  },
  {
    name: 'setup_intent.setup_failed',
    description: 'A SetupIntent declined (generic decline)',
    events: ['setup_intent.created', 'setup_intent.setup_failed'],
    steps: [setup({ payment_method: 'pm_card_visa_chargeDeclined', confirm: 'true' }, [402])],
  },
  {
    name: 'setup_intent.requires_action',
    description: 'A SetupIntent waiting for 3-D Secure',
    events: ['setup_intent.created', 'setup_intent.requires_action'],
    steps: [setup({ payment_method: 'pm_card_authenticationRequired', confirm: 'true', return_url: 'https://example.com/return' })],
  },
  {
    name: 'setup_intent.canceled',
    description: 'A SetupIntent canceled before confirmation',
    events: ['setup_intent.created', 'setup_intent.canceled'],
    steps: [setup({}), { name: 'canceled', method: 'POST', path: '/v1/setup_intents/${seti:id}/cancel', form: { cancellation_reason: 'abandoned' } }],
  },
  {
    name: 'customer.created',
    description: 'A customer',
    events: ['customer.created'],
    steps: [{ name: 'customer', method: 'POST', path: '/v1/customers', form: { email: 'trigger@example.com', description: 'paycli trigger' } }],
  },
];

export function stripeFixtureNamed(name: string): StripeFixture | undefined {
  return STRIPE_FIXTURES.find((f) => f.name === name);
}

type Json = Record<string, unknown>;

export interface StripeTriggerResult {
  fixture: string;
  steps: { name: string; request: string; status: number; id: string | null }[];
  /** The events that followed, oldest first. */
  events: { id: string; type: string }[];
}

function fill(template: string, answers: Map<string, Json>): string {
  return template.replace(/\$\{(\w+):(\w+)\}/g, (whole, step: string, field: string) => {
    const v = answers.get(step)?.[field];
    if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`Fixture step refers to ${whole}, which no earlier step answered.`);
    return String(v);
  });
}

async function listEventIds(url: string, key: string): Promise<{ id: string; type: string }[]> {
  const res = await fetch(`${url}/v1/events?limit=100`, { headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as { data?: { id: string; type: string }[] };
  return (body.data ?? []).map((e) => ({ id: e.id, type: e.type }));
}

/**
 * Runs a fixture against the Stripe provider at `url` with its secret key. Throws when a step answers
 * other than expected (naming the step and the answer).
 */
export async function runStripeFixture(url: string, key: string, fixture: StripeFixture): Promise<StripeTriggerResult> {
  const before = new Set((await listEventIds(url, key)).map((e) => e.id));
  const answers = new Map<string, Json>();
  const steps: StripeTriggerResult['steps'] = [];
  for (const step of fixture.steps) {
    const form = new URLSearchParams(Object.entries(step.form ?? {}).map(([k, v]): [string, string] => [k, fill(v, answers)]));
    const path = fill(step.path, answers);
    const res = await fetch(url + path, {
      method: step.method,
      redirect: 'manual',
      headers: step.page ? { 'content-type': 'application/x-www-form-urlencoded' } : { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' },
      ...(step.method === 'POST' ? { body: form.toString() } : {}),
    });
    const text = await res.text();
    if (!(step.expect ?? [200]).includes(res.status)) throw new Error(`Step "${step.name}" (${step.method} ${step.path}) answered ${res.status}: ${text.slice(0, 300)}`);
    let answer: Json = {};
    if (!step.page) {
      const parsed = JSON.parse(text) as Json;
      // A decline answers an error that carries the intent: later steps refer to the intent.
      const err = parsed.error as Json | undefined;
      const carried = err && typeof err === 'object' ? (err.payment_intent ?? err.setup_intent) : undefined;
      answer = carried && typeof carried === 'object' ? (carried as Json) : parsed;
    }
    answers.set(step.name, answer);
    steps.push({ name: step.name, request: `${step.method} ${path}`, status: res.status, id: typeof answer.id === 'string' ? answer.id : null });
  }
  const events = (await listEventIds(url, key)).filter((e) => !before.has(e.id)).reverse();
  return { fixture: fixture.name, steps, events };
}

/** Stripe's fixtures on the trigger contract: Stripe's own events, read back from its `/v1/events`. */
export const stripeTriggers: ProviderTriggers = {
  title: 'Stripe',
  options: [],
  fixtures: STRIPE_FIXTURES,
  async run(fixture, ctx) {
    const key = ctx.creds.secret_key;
    if (typeof key !== 'string') throw new Error('The Stripe provider has no secret key for this merchant.');
    const result = await runStripeFixture(ctx.url, key, fixture as StripeFixture);
    const piStep = result.steps.find((s) => s.id?.startsWith('pi_'));
    return {
      steps: result.steps,
      payment_ref: piStep?.id ?? null,
      events: result.events,
    };
  },
};
