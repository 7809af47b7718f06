/**
 * Runs a trigger fixture against a running sandbox: checks the overrides, fills the steps' templates,
 * makes the calls in order and collects what was created and the events that followed. Prints nothing.
 */
import { randomBytes } from 'node:crypto';
import { normaliseCardNumber } from '../engine/cards.js';
import { PaycliError } from '../errors.js';
import { parseForwardTarget } from '../listen/forward-options.js';
import type { SandboxClient } from '../sandbox/client.js';
import { DECLINE_CARDS, DEFAULT_AMOUNT, DEFAULT_CURRENCY, SUCCESS_CARD, type Fixture } from './fixtures.js';

/** What the user may change (`--amount`, `--currency`, `--card`, `--notify-url`, `--reason`). */
export interface TriggerOverrides {
  amount?: number;
  currency?: string;
  card?: string;
  notifyUrl?: string;
  reason?: string;
}

export interface CreatedObject {
  object: string;
  id: string;
  status: string | null;
  amount: number | null;
  currency: string | null;
}

export interface TriggerResult {
  fixture: string;
  /** Each step's call and the object it answered with. */
  steps: { name: string; method: string; path: string; object: CreatedObject }[];
  /** Every object touched, once, in its final state. */
  objects: CreatedObject[];
  /** The events about those objects, oldest first, as the sandbox raised them. */
  events: { id: string; type: string }[];
  expected_events: readonly string[];
}

const MAX_AMOUNT = 99_999_999;

/** Checks the overrides against the fixture; returns the template variables. */
export function fixtureVariables(fixture: Fixture, o: TriggerOverrides, nowMs: number, orderId: string): Record<string, unknown> {
  const usage = (message: string, hint?: string) => new PaycliError('invalid_usage', message, { hint });
  if (o.amount !== undefined && (!Number.isInteger(o.amount) || o.amount < 1 || o.amount > MAX_AMOUNT)) {
    throw usage(`--amount must be a whole number of minor units from 1 to ${MAX_AMOUNT}.`, 'e.g. --amount 1999 for 19.99');
  }
  if (o.currency !== undefined && !/^[A-Za-z]{3}$/.test(o.currency)) throw usage(`--currency "${o.currency}" is not a three-letter code.`, 'e.g. --currency eur');
  const card = o.card === undefined ? undefined : normaliseCardNumber(o.card);
  if (card !== undefined && !fixture.card) {
    throw usage(`--card does not apply to ${fixture.name}: it needs its own test card.`, 'Use --card with payment.succeeded, payment.failed, payment.requires_capture, payment.captured, payment.canceled or refund.succeeded.');
  }
  let reason = o.reason;
  if (reason !== undefined) {
    if (!fixture.reason) throw usage(`--reason does not apply to ${fixture.name}.`, 'It applies to payment.failed and payment.failed.3ds.');
    const { choices } = fixture.reason;
    if (choices.length > 0 ? !choices.includes(reason) : !/^[a-z_]{1,64}$/.test(reason)) {
      throw usage(`Unknown --reason "${reason}" for ${fixture.name}.`, choices.length ? `Use one of: ${choices.join(', ')}.` : 'Use lowercase letters and underscores, e.g. authentication_failed.');
    }
    if (fixture.reason.via === 'card' && card !== undefined) throw usage('Use either --card or --reason, not both: the reason picks the card.');
  }
  reason ??= fixture.reason?.default;
  const reasonCard = fixture.reason?.via === 'card' ? DECLINE_CARDS.get(reason!) : undefined;
  return {
    amount: o.amount ?? DEFAULT_AMOUNT,
    currency: (o.currency ?? DEFAULT_CURRENCY).toLowerCase(),
    card: card ?? reasonCard ?? SUCCESS_CARD,
    exp_year: new Date(nowMs).getUTCFullYear() + 3,
    order_id: orderId,
    notify_url: o.notifyUrl === undefined ? undefined : parseForwardTarget(o.notifyUrl, '--notify-url'),
    reason: fixture.reason?.via === 'failure_code' ? reason : undefined,
  };
}

const WHOLE = /^\$\{([^}]+)\}$/;
const PART = /\$\{([^}]+)\}/g;

/**
 * Fills `${var}` and `${step:field}` in a template. A whole-string placeholder keeps the value's type; an
 * unset one removes its key.
 *
 * @example
 * fill({ amount: '${amount}', id: '${payment:id}' }, { amount: 5 }, { payment: { id: 'pay_1' } }); // { amount: 5, id: 'pay_1' }
 */
export function fill(template: unknown, vars: Record<string, unknown>, results: Record<string, any>): unknown {
  const lookup = (ref: string): unknown => {
    const [step, field] = ref.split(':', 2);
    if (field === undefined) return vars[ref];
    let v: any = results[step!];
    for (const key of field.split('.')) v = v?.[key];
    if (v === undefined) throw new PaycliError('internal_error', `Fixture reference \${${ref}} has no value: no earlier step "${step}" with "${field}".`);
    return v;
  };
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return lookup(whole[1]!);
    return template.replace(PART, (_, ref: string) => String(lookup(ref) ?? ''));
  }
  if (Array.isArray(template)) return template.map((t) => fill(t, vars, results));
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) {
      const value = fill(v, vars, results);
      if (value !== undefined) out[k] = value;
    }
    return out;
  }
  return template;
}

function describe(o: any): CreatedObject {
  return {
    object: String(o?.object ?? 'unknown'),
    id: String(o?.id ?? ''),
    status: typeof o?.status === 'string' ? o.status : null,
    amount: typeof o?.amount === 'number' ? o.amount : null,
    currency: typeof o?.currency === 'string' ? o.currency : null,
  };
}

/**
 * Runs the fixture's steps in order against the sandbox.
 *
 * `nowMs` (the caller's clock) sets the test cards' expiry year.
 *
 * @example
 * const result = await runFixture(client, findFixture('payment.succeeded')!, { amount: 500 }, clock.now());
 */
export async function runFixture(client: SandboxClient, fixture: Fixture, overrides: TriggerOverrides, nowMs: number): Promise<TriggerResult> {
  const vars = fixtureVariables(fixture, overrides, nowMs, `trigger_${randomBytes(6).toString('hex')}`);
  const results: Record<string, any> = {};
  const steps: TriggerResult['steps'] = [];
  for (const step of fixture.steps) {
    const path = fill(step.path, vars, results) as string;
    const body = step.body === undefined ? {} : fill(step.body, vars, results);
    let response: any;
    try {
      response = await client.request(step.method, path, body);
    } catch (e) {
      if (!(e instanceof PaycliError) || e.code === 'sandbox_unreachable' || e.isBug) throw e;
      const done = steps.map((s) => s.object.id).join(', ');
      throw new PaycliError(e.code, `${fixture.name}: step "${step.name}" (${step.method} ${path}) failed: ${e.message}`, {
        param: e.param,
        hint: e.hint ?? (done ? `Created before it failed: ${done}.` : undefined),
      });
    }
    results[step.name] = response;
    steps.push({ name: step.name, method: step.method, path, object: describe(response) });
  }

  const objects = new Map<string, CreatedObject>();
  for (const s of steps) objects.set(s.object.id, s.object);
  const paymentId = (results.payment as { id?: string } | undefined)?.id;
  let events: TriggerResult['events'] = [];
  if (paymentId) {
    const page = await client.request<{ data: { id: string; type: string }[] }>('GET', `/v1/events?payment_id=${encodeURIComponent(paymentId)}&limit=100`);
    events = page.data.map((e) => ({ id: e.id, type: e.type })).reverse();
  }
  return { fixture: fixture.name, steps, objects: [...objects.values()], events, expected_events: fixture.events };
}
