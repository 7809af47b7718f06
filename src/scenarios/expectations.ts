/**
 * Checks a step's `expect:` block once the step has settled: the step's own response, state at the PSP,
 * the notifications and how the app answered them, the app's own state, and the requests the app made to
 * the sandbox. Each failed check becomes a Failure whose message says what was seen and what was expected,
 * with a hint saying what to change in the app.
 */
import { eventMatches } from '../engine/events.js';
import type { PaycliEvent } from '../engine/types.js';
import type { PublicDelivery } from '../webhooks/dispatcher.js';
import { HttpUnreachable, type HttpResult } from './http.js';
import { describeChange, describeMismatches, jsonEqual, matchSubset, show } from './match.js';
import { resolveRefs, UnresolvedReference } from './refs.js';
import type { AppExpectation, NotificationExpectation, RequestExpectation, Step } from './schema.js';
import type { ScenarioDriver } from './psp-driver.js';
import type { Failure } from './results.js';
import { NATIVE_PROVIDER } from './scenario-drivers.js';
import { ActionFailed, appCall, paymentIdOf, viaDriver, type ActionOutcome, type ScenarioRun } from './steps.js';

export const DEFAULT_HINTS = {
  tampered: 'Verify the webhook-signature header over the raw request body with your webhook secret (a Standard Webhooks library does it) and answer 400 when it does not match.',
  forged: 'Verify with your own endpoint\'s webhook secret: a webhook-signature made with another secret over the genuine body must be refused with 400.',
  stale: 'Reject a notification whose webhook-timestamp is more than 5 minutes from now (Standard Webhooks verify() does) and answer 400: it may be a replay.',
  acknowledged: 'Answer 2xx as soon as the notification is verified and stored; do slow work after answering, or the PSP retries.',
  unchanged: 'Deduplicate on the webhook-id header (the event id): a notification seen before must be acknowledged but not processed again.',
  error: 'If this error is what the scenario is about, say so with expect.response.status or expect.response.error.',
} as const;

type Snapshot = { ok: true; result: HttpResult } | { ok: false; message: string };

/** Every app expectation of a step, with its check name. */
function appExpectations(step: Step): { exp: AppExpectation; check: string }[] {
  const app = step.expect?.app;
  if (app === undefined) return [];
  return Array.isArray(app) ? app.map((exp, j) => ({ exp, check: `expect.app[${j}]` })) : [{ exp: app, check: 'expect.app' }];
}

function appTarget(run: ScenarioRun, exp: AppExpectation): { method: string; path: string } {
  if (exp.order !== undefined) return { method: exp.method ?? run.app.order.method, path: run.app.order.path.replace('{order_id}', encodeURIComponent(exp.order)) };
  return { method: exp.method ?? 'GET', path: exp.path! };
}

/** Reads the app's answers that `unchanged: true` will compare with, before the step's action. */
export async function snapshotApp(run: ScenarioRun, step: Step): Promise<Map<string, Snapshot>> {
  const out = new Map<string, Snapshot>();
  for (const { exp, check } of appExpectations(step)) {
    if (!exp.unchanged) continue;
    try {
      const t = appTarget(run, resolveRefs(exp, run.scope));
      out.set(check, { ok: true, result: await appCall(run, t.method, t.path) });
    } catch (err) {
      if (err instanceof UnresolvedReference || err instanceof ActionFailed) out.set(check, { ok: false, message: err.message });
      else throw err;
    }
  }
  return out;
}

/** Runs every check of the step's expect block. */
export async function checkExpectations(run: ScenarioRun, step: Step, index: number, outcome: ActionOutcome, snapshots: Map<string, Snapshot>): Promise<Failure[]> {
  const failures: Failure[] = [];
  const fail = (check: string, message: string, hint: string | null = null) => failures.push({ step: index, check, message, hint });
  const exp = step.expect ?? {};
  const resolve = <T>(v: T, check: string): T | null => {
    try {
      return resolveRefs(v, run.scope);
    } catch (err) {
      if (!(err instanceof UnresolvedReference)) throw err;
      fail(check, err.message);
      return null;
    }
  };

  const r = outcome.response;
  const errorCode = (x: HttpResult) => run.driver.errorCode(x);
  if (exp.response) {
    const e = resolve(exp.response, 'expect.response');
    if (e && !r) fail('expect.response', 'this step made no request, so there is no response to check');
    if (e && r) {
      if (e.status !== undefined && r.status !== e.status) fail('expect.response.status', `${r.request} answered ${r.status}${errorCode(r) ? ` (${errorCode(r)})` : ''}, expected ${e.status}`, e.hint ?? null);
      if (e.error !== undefined && errorCode(r) !== e.error) fail('expect.response.error', `${r.request} answered ${r.status} with error ${show(errorCode(r))}, expected ${show(e.error)}`, e.hint ?? null);
      if (e.json !== undefined) {
        const m = matchSubset(r.json, e.json);
        if (m.length > 0) fail('expect.response.json', `${r.request}: ${describeMismatches(m)}`, e.hint ?? null);
      }
    }
  } else if (r && (r.status < 200 || r.status >= 300)) {
    const message = (r.json as { error?: { message?: string } } | null)?.error?.message ?? r.text.slice(0, 200);
    fail('action', `${r.request} answered ${r.status}${errorCode(r) ? ` ${errorCode(r)}` : ''}: ${message}`, DEFAULT_HINTS.error);
  }

  for (const kind of ['payment', 'refund'] as const) {
    const e = exp[kind] && resolve(exp[kind], `expect.${kind}`);
    if (!e) continue;
    const id = (e.id as string | undefined) ?? (kind === 'payment' ? run.lastPaymentId : run.lastRefundId);
    if (!id) {
      fail(`expect.${kind}`, `no ${kind} to check: no earlier step made one; give expect.${kind}.id`);
      continue;
    }
    let got: HttpResult;
    try {
      const paymentRef = kind === 'payment' ? id : (run.lastPaymentId ?? '');
      got = await viaDriver(run, (d) => (kind === 'payment' ? d.readPayment(run.sandbox.psp, id) : d.readRefund(run.sandbox.psp, paymentRef, id)));
    } catch (err) {
      if (!(err instanceof ActionFailed || err instanceof HttpUnreachable)) throw err;
      fail(`expect.${kind}`, `${kind} ${id} could not be read at the PSP: ${err.message}`);
      continue;
    }
    if (got.status !== 200) {
      fail(`expect.${kind}`, `${kind} ${id} could not be read at the PSP (HTTP ${got.status})`);
      continue;
    }
    const { id: _id, hint, ...fields } = e;
    const m = matchSubset(got.json, fields);
    if (m.length > 0) fail(`expect.${kind}`, `${kind} ${id}: ${describeMismatches(m)}`, (hint as string | undefined) ?? null);
  }

  if (exp.notifications || exp.notification_order) {
    const [deliveries, events] = await Promise.all([run.sandbox.deliveries(), run.sandbox.events()]);
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const [j, n] of (exp.notifications ?? []).entries()) {
      const e = resolve(n, `expect.notifications[${j}]`);
      if (!e) continue;
      // A provider scenario may name the payment by any id the merchant holds (a pi_…, an order number).
      const paymentId = e.payment === undefined || run.sandbox.provider === NATIVE_PROVIDER ? e.payment : ((await run.sandbox.findPayment(e.payment))?.id ?? e.payment);
      checkNotifications({ ...e, payment: paymentId }, deliveries, byId, (m, h) => fail(`expect.notifications[${j}]`, m, e.hint ?? h ?? null), e.payment, run.driver.hints);
    }
    if (exp.notification_order) {
      const order = receivedOrder(deliveries).filter((t) => exp.notification_order!.includes(t as never));
      if (!jsonEqual(order, exp.notification_order)) {
        fail('expect.notification_order', `the app received ${order.join(' → ') || 'nothing'}, expected ${exp.notification_order.join(' → ')}`);
      }
    }
  }

  for (const { exp: raw, check } of appExpectations(step)) {
    const e = resolve(raw, check);
    if (!e) continue;
    const t = appTarget(run, e);
    let got;
    try {
      got = await appCall(run, t.method, t.path);
    } catch (err) {
      if (!(err instanceof ActionFailed)) throw err;
      fail(check, err.message, err.hint);
      continue;
    }
    const what = `${t.method} ${t.path}`;
    if (e.status !== undefined ? got.status !== e.status : got.status < 200 || got.status >= 300) {
      fail(`${check}.status`, `${what} answered ${got.status}, expected ${e.status ?? '2xx'}: ${got.text.slice(0, 120)}`, e.hint ?? null);
    }
    if (e.json !== undefined) {
      const m = matchSubset(got.json, e.json);
      if (m.length > 0) fail(`${check}.json`, `${what}: ${describeMismatches(m)}`, e.hint ?? null);
    }
    if (e.unchanged) {
      const before = snapshots.get(check);
      if (!before || !before.ok) fail(`${check}.unchanged`, `could not read ${what} before the step: ${before && !before.ok ? before.message : 'no snapshot'}`);
      else if (!jsonEqual(before.result.json ?? before.result.text, got.json ?? got.text)) {
        const changes = describeChange(before.result.json ?? before.result.text, got.json ?? got.text).slice(0, 5).join(', ');
        fail(`${check}.unchanged`, `${what} changed during the step: ${changes}`, e.hint ?? run.driver.hints?.unchanged ?? DEFAULT_HINTS.unchanged);
      }
    }
  }

  if (exp.app_requests) {
    const seen = await run.sandbox.appRequests();
    exp.app_requests.forEach((raw, j) => {
      const e = resolve(raw, `expect.app_requests[${j}]`);
      if (e) checkRequests(e, seen, (m) => fail(`expect.app_requests[${j}]`, m, e.hint ?? null));
    });
  }
  return failures;
}

function describeDelivery(d: PublicDelivery): string {
  return `${d.probe ? `${d.probe} copy of ` : ''}${d.event_type} (${d.event_id})`;
}

function lastAnswer(d: PublicDelivery): string {
  const a = d.attempts[d.attempts.length - 1];
  if (!a) return d.status === 'dropped' ? 'dropped, never sent' : 'not attempted yet';
  return a.status === null ? `no answer (${a.error ?? 'error'})` : `answered ${a.status}${a.response_excerpt ? ` ${show(a.response_excerpt.slice(0, 60))}` : ''}`;
}

/**
 * Why notifications were not acknowledged, from what the app answered: "answer fast" fits a timeout or a
 * 5xx, not an app that refused a correctly signed notification or has no route there.
 */
function acknowledgeHint(unacknowledged: readonly PublicDelivery[]): string {
  const last = unacknowledged.map((d) => d.attempts.filter((a) => !a.simulated).at(-1)?.status ?? null);
  const provider = unacknowledged[0]?.provider;
  if (last.length > 0 && last.every((s) => s === 400 || s === 401 || s === 403) && provider && provider !== NATIVE_PROVIDER) {
    return `The app refused a correctly signed notification, as it would a bad signature: check that it verifies with the ${provider} webhook credentials printed at the start of the run (provider scenarios use fixed test credentials).`;
  }
  if (last.length > 0 && last.every((s) => s === 400 || s === 401 || s === 403)) {
    return "The app refused a correctly signed notification, as it would a bad signature: check that it verifies with the webhook secret printed at the start of the run (or pass the app's with --webhook-secret).";
  }
  if (last.length > 0 && last.every((s) => s === 404 || s === 405)) {
    return "The app has no notification route at that URL: set the scenario's setup.app.notify_url, or pass --app-url with the notification path (e.g. http://localhost:3000/webhooks).";
  }
  return DEFAULT_HINTS.acknowledged;
}

function checkNotifications(
  e: NotificationExpectation,
  all: readonly PublicDelivery[],
  events: Map<string, PaycliEvent>,
  fail: (m: string, hint?: string) => void,
  shownPayment = e.payment,
  hints: ScenarioDriver['hints'] = {},
): void {
  const matching = all.filter((d) => {
    if ((d.probe ?? undefined) !== e.probe) return false;
    if (!eventMatches([e.event ?? '*'], d.event_type)) return false;
    const ev = events.get(d.event_id);
    return !e.payment || (ev !== undefined && paymentIdOf(ev) === e.payment);
  });
  const what = `${e.probe ? `${e.probe} copies of ` : ''}${e.event && e.event !== '*' ? e.event : 'any'} notification${shownPayment ? ` for ${shownPayment}` : ''}`;
  if (e.count !== undefined ? matching.length !== e.count : matching.length === 0) {
    fail(`${matching.length} ${what} sent, expected ${e.count ?? 'at least 1'}`);
    return;
  }
  const each = (ok: (d: PublicDelivery) => boolean, message: (d: PublicDelivery) => string, hint?: string) => {
    const bad = matching.filter((d) => !ok(d));
    if (bad.length > 0) fail(bad.slice(0, 3).map(message).join('; '), hint);
  };
  if (e.status !== undefined) each((d) => d.status === e.status, (d) => `${describeDelivery(d)} is ${d.status}, expected ${e.status} (${lastAnswer(d)})`);
  if (e.acknowledged === true) {
    const unacknowledged = matching.filter((d) => !(d.status === 'succeeded' && !d.probe));
    each((d) => d.status === 'succeeded' && !d.probe, (d) => `${describeDelivery(d)} was not acknowledged after ${d.attempts.length} attempt(s): ${lastAnswer(d)}`, acknowledgeHint(unacknowledged));
  }
  if (e.acknowledged === false) each((d) => !d.attempts.some((a) => a.acknowledged), (d) => `${describeDelivery(d)} was acknowledged (${lastAnswer(d)}), expected it not to be`);
  if (e.rejected !== undefined) {
    const rejected = (d: PublicDelivery) => {
      const a = d.attempts[d.attempts.length - 1];
      return a !== undefined && a.status !== null && !a.acknowledged;
    };
    const hint = e.probe ? (hints[e.probe] ?? DEFAULT_HINTS[e.probe]) : undefined;
    if (e.rejected) each(rejected, (d) => `the app accepted the ${describeDelivery(d)}: ${lastAnswer(d)}; it must refuse it`, hint);
    else each((d) => !rejected(d), (d) => `the app refused ${describeDelivery(d)}: ${lastAnswer(d)}`);
  }
  if (e.attempts !== undefined) each((d) => d.attempts.length === e.attempts, (d) => `${describeDelivery(d)} took ${d.attempts.length} attempt(s), expected ${e.attempts} (${lastAnswer(d)})`);
  if (e.response_status !== undefined) each((d) => d.attempts[d.attempts.length - 1]?.status === e.response_status, (d) => `${describeDelivery(d)}: the app ${lastAnswer(d)}, expected ${e.response_status}`);
  if (e.response_contains !== undefined) {
    each((d) => (d.attempts[d.attempts.length - 1]?.response_excerpt ?? '').includes(e.response_contains!), (d) => `${describeDelivery(d)}: the app ${lastAnswer(d)}, expected the body to contain ${show(e.response_contains)}`);
  }
}

/** Event types of genuine notifications in the order the app first received each. */
export function receivedOrder(deliveries: readonly PublicDelivery[]): string[] {
  const first = new Map<string, { at: number; index: number }>();
  deliveries.forEach((d, index) => {
    if (d.probe) return;
    const a = d.attempts.find((x) => !x.simulated);
    if (!a) return;
    const prev = first.get(d.event_type);
    if (!prev || a.at < prev.at || (a.at === prev.at && index < prev.index)) first.set(d.event_type, { at: a.at, index });
  });
  return [...first.entries()].sort((x, y) => x[1].at - y[1].at || x[1].index - y[1].index).map(([t]) => t);
}

function checkRequests(e: RequestExpectation, seen: readonly { method: string; path: string; query: Record<string, string> | null }[], fail: (m: string) => void): void {
  const re = new RegExp(`^${e.path.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  if (e.query && seen.some((s) => s.query === null)) {
    fail('query parameters cannot be checked against a running sandbox (--sandbox-url); run without it');
    return;
  }
  const n = seen.filter((s) => (!e.method || s.method === e.method) && re.test(s.path) && (!e.query || matchSubset(s.query, e.query).length === 0)).length;
  const what = `${e.method ?? 'any'} ${e.path}${e.query ? `?${new URLSearchParams(e.query)}` : ''}`;
  const min = e.count ?? e.min ?? (e.max === undefined ? 1 : 0);
  const max = e.count ?? e.max ?? Infinity;
  if (n < min || n > max) {
    const expected = e.count !== undefined ? `exactly ${e.count}` : max === Infinity ? `at least ${min}` : min === 0 ? `at most ${max}` : `${min} to ${max}`;
    fail(`the app made ${n} request(s) to the sandbox matching ${what}, expected ${expected}`);
  }
}
