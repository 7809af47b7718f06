/**
 * Step actions: on the PSP (create a payment, capture, cancel, refund, the buyer acts, time passes, events
 * are sent again) and on the app (its checkout route, any request). Each returns the HTTP exchange and the
 * result later steps can reference; an action that cannot be done throws ActionFailed.
 */
import { formatDuration } from '../duration.js';
import { eventMatches, paymentIdOf as paymentOfEvent } from '../engine/events.js';
import type { PaycliEvent } from '../engine/types.js';
import { httpJson, HttpUnreachable, type HttpResult } from './http.js';
import { DriverRefusal, type DriverCall, type DriverPaymentInput, type ScenarioDriver } from './psp-driver.js';
import { resolveRefs, UnresolvedReference } from './refs.js';
import type { ScenarioSandbox } from './scenario-sandbox.js';
import { NATIVE_PROVIDER } from './scenario-drivers.js';
import { STEP_ACTIONS, type Scenario, type Step, type StepAction } from './schema.js';

export interface Route {
  method: string;
  /** May contain `{order_id}`. */
  path: string;
}

export interface AppConfig {
  baseUrl: string;
  notifyUrl: string;
  checkout: Route;
  order: Route;
  /** How long the runner waits for the app to answer one request (`--app-timeout`). */
  timeoutMs: number;
}

/** The state of one running scenario. */
export interface ScenarioRun {
  scenario: Scenario;
  /** The name in lower-case-with-dashes, for default merchant order ids. */
  slug: string;
  sandbox: ScenarioSandbox;
  /** How PSP-side steps and reads are done in the scenario's provider's protocol. */
  driver: ScenarioDriver;
  app: AppConfig;
  /** What `${…}` references see: step results by id, plus app, sandbox and scenario. */
  scope: Record<string, unknown>;
  lastPaymentId: string | null;
  lastRefundId: string | null;
}

export interface Exchange extends HttpResult {
  /** e.g. `POST /v1/refunds` or `POST /checkout (app)`. */
  request: string;
}

export interface ActionOutcome {
  response: Exchange | null;
  /** The step's result for references: the response's JSON (a payment, a refund, the app's answer). */
  result: unknown;
}

/** The action could not be done (the app is down, a reference is missing…); later steps are skipped. */
export class ActionFailed extends Error {
  constructor(
    message: string,
    readonly hint: string | null = null,
  ) {
    super(message);
  }
}

/** Which action a step has, or `expect` for a check-only step. */
export function actionOf(step: Step): StepAction | 'expect' {
  return STEP_ACTIONS.find((a) => step[a] !== undefined) ?? 'expect';
}

/** A short description of a step for progress and reports. */
export function stepLabel(step: Step): string {
  if (step.name) return step.name;
  const a = actionOf(step);
  let text: string;
  if (step.checkout) text = `checkout ${step.checkout.amount} ${step.checkout.currency.toUpperCase()}`;
  else if (step.create_payment) text = `create payment ${step.create_payment.amount} ${step.create_payment.currency.toUpperCase()}`;
  else if (step.capture) text = `capture ${step.capture.payment}`;
  else if (step.cancel) text = `cancel ${step.cancel.payment}`;
  else if (step.refund) text = `refund ${step.refund.amount ?? 'the rest'} of ${step.refund.payment}`;
  else if (step.buyer) text = `buyer ${step.buyer.action}s ${step.buyer.payment}`;
  else if (step.advance !== undefined) text = step.advance === 'until_idle' ? 'advance until no notification is pending' : `advance ${formatDuration(step.advance)}`;
  else if (step.redeliver) text = `redeliver ${step.redeliver.events?.join(', ') ?? 'every event'}`;
  else if (step.fault) text = `API fault ${step.fault.fault} on ${step.fault.method ?? 'any method'} ${step.fault.path ?? '*'}${step.fault.times ? `, next ${step.fault.times}` : ''}`;
  else if (step.request) text = `${step.request.method ?? (step.request.json !== undefined ? 'POST' : 'GET')} ${step.request.path}`;
  else text = 'check';
  return step.id && a !== 'expect' ? `${step.id}: ${text}` : text;
}

type CardInput = string | { number: string; exp_month?: number; exp_year?: number; cvc?: string };

/** A test card as the PSP takes it: digits only, and an expiry and CVC when the scenario gives none. */
function fullCard(card: CardInput): NonNullable<DriverPaymentInput['card']> {
  const c = typeof card === 'string' ? { number: card } : card;
  return { number: c.number.replace(/[\s-]/g, ''), exp_month: c.exp_month ?? 12, exp_year: c.exp_year ?? 2034, cvc: c.cvc ?? '123' };
}

/** The native API's payment_method object (what the app's checkout route is sent). */
function paymentMethod(v: { card?: CardInput; wallet?: string; payment_method?: Record<string, unknown> }): unknown {
  if (v.payment_method) return v.payment_method;
  if (v.wallet) return { type: 'wallet', wallet: v.wallet };
  return { type: 'card', card: fullCard(v.card!) };
}

function resolve<T>(value: T, run: ScenarioRun): T {
  try {
    return resolveRefs(value, run.scope);
  } catch (err) {
    if (err instanceof UnresolvedReference) throw new ActionFailed(err.message);
    throw err;
  }
}

/** Calls the sandbox's control API; a sandbox that does not answer is an action failure. */
async function psp(run: ScenarioRun, method: string, path: string, body?: unknown): Promise<Exchange> {
  try {
    return { request: `${method} ${path.split('?')[0]}`, ...(await run.sandbox.call(method, path, body)) };
  } catch (err) {
    if (err instanceof HttpUnreachable) throw new ActionFailed(`the sandbox did not answer ${method} ${path} (${err.code})`);
    throw err;
  }
}

/**
 * Runs one driver call (the PSP's own API, in its protocol); a PSP that does not answer, or a step the
 * provider cannot do as written, is an action failure.
 */
export async function viaDriver<T extends DriverCall | { call: DriverCall }>(run: ScenarioRun, fn: (d: ScenarioDriver) => Promise<T>): Promise<T> {
  let out: T;
  try {
    out = await fn(run.driver);
  } catch (err) {
    if (err instanceof HttpUnreachable) throw new ActionFailed(`the sandbox did not answer ${err.url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]} (${err.code})`);
    if (err instanceof DriverRefusal) throw new ActionFailed(err.message);
    throw err;
  }
  const call: DriverCall = 'call' in out ? (out as { call: DriverCall }).call : (out as DriverCall);
  const [method, path] = call.request.split(' ');
  if (method && path?.startsWith('/')) run.sandbox.noteOwnRequest?.(method, path);
  return out;
}

/** A driver's answer for a step's input; a refusal is the step's failure. */
function refusalAsFailure<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DriverRefusal) throw new ActionFailed(err.message);
    throw err;
  }
}

/** Calls the app; an app that does not answer is an action failure with a hint. */
export async function appCall(run: ScenarioRun, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Exchange> {
  try {
    return { request: `${method} ${path} (app)`, ...(await httpJson(method, run.app.baseUrl + path, { body, headers, timeoutMs: run.app.timeoutMs })) };
  } catch (err) {
    if (err instanceof HttpUnreachable && err.code === 'timeout') {
      // Something accepted the connection, so the app runs: it is stuck, not absent.
      throw new ActionFailed(
        `the app accepted ${method} ${path} at ${run.app.baseUrl} but did not answer within ${formatDuration(run.app.timeoutMs)}`,
        'The app is running but a handler never responds: look for a call without a timeout (to the PSP, a database) or a missing response. --app-timeout lowers the wait (e.g. --app-timeout 5s).',
      );
    }
    if (err instanceof HttpUnreachable) {
      throw new ActionFailed(`the app did not answer ${method} ${path} at ${run.app.baseUrl} (${err.code})`, 'Start the app before the run and point it at the sandbox URL, or pass --app-url.');
    }
    throw err;
  }
}

const enc = encodeURIComponent;

/** Runs a step's action (nothing for a check-only step). */
export async function runAction(run: ScenarioRun, step: Step, index: number): Promise<ActionOutcome> {
  const done = (response: Exchange | null): ActionOutcome => ({ response, result: response ? (response.json ?? { body: response.text }) : undefined });
  const ok = (r: Exchange) => r.status >= 200 && r.status < 300;

  if (step.create_payment) {
    const s = resolve(step.create_payment, run);
    const input: DriverPaymentInput = {
      amount: s.amount as number,
      currency: s.currency,
      ...(s.card !== undefined ? { card: fullCard(s.card) } : {}),
      ...(s.wallet !== undefined ? { wallet: s.wallet } : {}),
      ...(s.payment_method !== undefined ? { payment_method: s.payment_method } : {}),
      ...(s.capture_method ? { capture_method: s.capture_method } : {}),
      merchant_order_id: s.merchant_order_id ?? `${run.slug}-${index}`,
      notify_url: s.notify_url === null ? null : (s.notify_url ?? run.app.notifyUrl),
      ...(s.description !== undefined ? { description: s.description } : {}),
      ...(s.metadata !== undefined ? { metadata: s.metadata } : {}),
    };
    const { call, ref } = await viaDriver(run, (d) => d.createPayment(run.sandbox.psp, input));
    if (ref) run.lastPaymentId = ref;
    return done(call);
  }
  if (step.capture) {
    const s = resolve(step.capture, run);
    run.lastPaymentId = s.payment;
    return done(await viaDriver(run, (d) => d.capture(run.sandbox.psp, s.payment, s.amount as number | undefined)));
  }
  if (step.cancel) {
    const s = resolve(step.cancel, run);
    run.lastPaymentId = s.payment;
    return done(await viaDriver(run, (d) => d.cancel(run.sandbox.psp, s.payment, s.reason)));
  }
  if (step.refund) {
    const s = resolve(step.refund, run);
    run.lastPaymentId = s.payment;
    // The merchant's refund number (out_refund_no, out_request_no) is unique per merchant, and an app left
    // running across runs keeps those it counted: so it is made from the payment's own number, not the
    // scenario's name, which every run of the scenario repeats.
    const input = { ...(s.amount !== undefined ? { amount: s.amount as number } : {}), ...(s.reason ? { reason: s.reason } : {}), refundNo: `${s.payment}-r${index}` };
    const { call, ref } = await viaDriver(run, (d) => d.refund(run.sandbox.psp, s.payment, input));
    if (ref) run.lastRefundId = ref;
    return done(call);
  }
  if (step.buyer) {
    const s = resolve(step.buyer, run);
    run.lastPaymentId = s.payment;
    if (s.action !== 'abandon') {
      return done(await psp(run, 'POST', `/_sandbox/buyer/${enc(s.payment)}/${s.action}`, s.failure_code ? { failure_code: s.failure_code } : {}));
    }
    // Abandoning is doing nothing until the payment expires: time passes and the PSP closes it.
    const p = await run.sandbox.findPayment(s.payment);
    if (!p || p.expiresAtMs === null) {
      throw new ActionFailed(`payment ${s.payment} is ${p?.status ?? 'not found (HTTP 404)'}; the buyer can only abandon a payment waiting for them`);
    }
    await run.sandbox.advance(Math.max(0, p.expiresAtMs - run.sandbox.now()));
    return done(await viaDriver(run, (d) => d.readPayment(run.sandbox.psp, s.payment)));
  }
  if (step.advance !== undefined) {
    if (step.advance === 'until_idle') await advanceUntilIdle(run.sandbox);
    else await run.sandbox.advance(step.advance);
    return done(null);
  }
  if (step.redeliver) {
    const s = resolve(step.redeliver, run);
    const events = await eventsToRedeliver(run, s.events ?? ['*'], s.payment);
    if (events.length === 0) throw new ActionFailed(`no event of this scenario matches ${s.events?.join(', ') ?? 'any type'}${s.payment ? ` for ${s.payment}` : ''}, so there is nothing to redeliver`);
    let last: Exchange | null = null;
    for (const id of events) {
      for (let i = 0; i < (s.copies ?? 1); i++) last = await psp(run, 'POST', `/_sandbox/events/${enc(id)}/resend`, {});
    }
    return { response: last, result: { events } };
  }
  if (step.fault) {
    // Armed through the control API, so it works against a running sandbox too; it applies to the app's
    // requests, never to the runner's own checks (see fault-middleware.ts).
    const r = await psp(run, 'POST', '/_sandbox/faults', resolve(step.fault, run));
    if (!ok(r)) throw new ActionFailed(`the sandbox refused the fault rule: ${JSON.stringify((r.json as { error?: unknown } | null)?.error ?? r.text)}`);
    return done(r);
  }
  if (step.checkout) {
    const s = resolve(step.checkout, run);
    const method = run.driver.appPaymentMethod ? refusalAsFailure(() => run.driver.appPaymentMethod!({ ...(s.card !== undefined ? { card: fullCard(s.card) } : {}), wallet: s.wallet, payment_method: s.payment_method })) : paymentMethod(s);
    const body = { amount: s.amount, currency: s.currency, payment_method: method, ...(s.capture_method ? { capture_method: s.capture_method } : {}), ...(s.body ?? {}) };
    const r = await appCall(run, run.app.checkout.method, run.app.checkout.path, body);
    const paymentId = (r.json as { payment_id?: unknown } | null)?.payment_id;
    const ref = typeof paymentId === 'string' ? paymentId : (run.driver.refFromAppAnswer?.(r.json) ?? null);
    if (ref) run.lastPaymentId = ref;
    return done(r);
  }
  if (step.request) {
    const s = resolve(step.request, run);
    return done(await appCall(run, s.method ?? (s.json !== undefined ? 'POST' : 'GET'), s.path, s.json, s.headers));
  }
  return done(null);
}

/**
 * The ids of the events whose notifications `redeliver` sends again. Native scenarios name event types; a
 * provider scenario names its notification types, so the events are those of the notifications sent with
 * a matching type (every notification of such an event is sent again, as the PSP resends per event),
 * including the provider's own events that no payment event caused (Stripe's `payment_intent.created`,
 * `customer.created`): the control API resends those by their notification id. With `payment`, only
 * events about that payment.
 */
async function eventsToRedeliver(run: ScenarioRun, patterns: readonly string[], payment: string | undefined): Promise<string[]> {
  const all = await run.sandbox.events();
  if (run.sandbox.provider === NATIVE_PROVIDER) return all.filter((e) => eventMatches(patterns, e.type) && (!payment || paymentIdOf(e) === payment)).map((e) => e.id);
  const paymentId = payment === undefined ? null : ((await run.sandbox.findPayment(payment))?.id ?? payment);
  const byId = new Map(all.map((e) => [e.id, e]));
  const wanted = new Set((await run.sandbox.deliveries()).filter((d) => !d.probe && eventMatches(patterns, d.event_type)).map((d) => d.event_id));
  // A provider's own event is about no payment of the core: it matches only when no payment is named.
  return [...wanted].filter((id) => {
    const e = byId.get(id);
    return paymentId === null || (e !== undefined && paymentIdOf(e) === paymentId);
  });
}

/** The payment an event is about. */
export function paymentIdOf(e: PaycliEvent): string {
  return paymentOfEvent(e);
}

/** Moves time to each next pending delivery until none is left (at most 1000 hops). */
async function advanceUntilIdle(sandbox: ScenarioSandbox): Promise<void> {
  for (let hop = 0; hop < 1000; hop++) {
    const pending = (await sandbox.deliveries()).filter((d) => d.status === 'pending' && d.next_attempt_at !== null);
    if (pending.length === 0) return;
    const next = Math.min(...pending.map((d) => d.next_attempt_at!));
    await sandbox.advance(Math.max(0, next - sandbox.now()));
  }
}
