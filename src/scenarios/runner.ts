/**
 * The scenario runner: for each scenario, a sandbox on a virtual clock, then each step's action, its
 * notifications settled, and its checks. It prints nothing: it returns a RunReport and reports progress
 * through `onEvent`; the command renders both.
 */
import { performance } from 'node:perf_hooks';
import { PaycliError } from '../errors.js';
import { chaosRules, reorderWaitMs, type ChaosTarget } from './chaos.js';
import { checkExpectations, snapshotApp } from './expectations.js';
import { HttpUnreachable } from './http.js';
import type { LoadedScenario } from './loader.js';
import { summarise, type DeliveryRecord, type EventRecord, type Failure, type RunEvent, type RunReport, type ScenarioResult, type Status, type StepResult } from './results.js';
import type { ObservedRequest } from './sandbox-front.js';
import { UnsupportedSetup, type SandboxEnvironment, type ScenarioSandbox } from './scenario-sandbox.js';
import { diagnose } from './diagnosis.js';
import type { ScenarioDriver } from './psp-driver.js';
import { loadDriver, NATIVE_PROVIDER } from './scenario-drivers.js';
import type { Scenario } from './schema.js';
import { ActionFailed, actionOf, runAction, stepLabel, type AppConfig, type Route, type ScenarioRun } from './steps.js';

export const DEFAULT_APP_URL = 'http://127.0.0.1:3000';
/** How long the app must make no request to the sandbox before a step counts as settled (real time). */
export const DEFAULT_QUIET_MS = 10;
export const DEFAULT_SEED = 'paycli';
export const DEFAULT_APP_TIMEOUT_MS = 30_000;

export interface RunOptions {
  environment: SandboxEnvironment;
  /** Overrides every scenario's `setup.app.base_url` (`--app-url`). */
  appUrl?: string | null;
  /** Overrides where notifications go (`--notify-url`): the endpoint alone, whatever its path. */
  notifyUrl?: string | null;
  /** Makes ids repeatable: each scenario's sandbox is seeded with `${seed}:${name}`. */
  seed?: string;
  /** Skip the remaining scenarios after the first that does not pass. */
  bail?: boolean;
  /** How long to wait for the app to answer one request (default 30 s). */
  appTimeoutMs?: number;
  /** Aborted (Ctrl-C): the step under way finishes, the rest is skipped, and the report says so. */
  signal?: AbortSignal;
  /** Only scenarios whose name contains this (case-insensitive). */
  filter?: string | null;
  onEvent?: (event: RunEvent) => void;
  /** Milliseconds of real time, for durations (default performance.now). */
  stopwatch?: () => number;
}

/** The scenarios `filter` selects, in order. */
export function selectScenarios(loaded: readonly LoadedScenario[], filter?: string | null): LoadedScenario[] {
  if (!filter) return [...loaded];
  const f = filter.toLowerCase();
  return loaded.filter((l) => l.scenario.name.toLowerCase().includes(f));
}

/** Where the app is and which routes the scenario uses. */
export function appConfig(scenario: Scenario, appUrl?: string | null, timeoutMs = DEFAULT_APP_TIMEOUT_MS): AppConfig {
  const setup = scenario.setup?.app;
  let baseUrl = (appUrl ?? setup?.base_url ?? DEFAULT_APP_URL).replace(/\/+$/, '');
  const notify = setup?.notify_url ?? '/webhooks';
  // `--app-url http://localhost:3000/webhooks` names the notification endpoint itself: the app is the rest.
  const notifyPath = /^https?:\/\//.test(notify) ? null : `/${notify.replace(/^\/+/, '')}`.replace(/\/+$/, '');
  if (appUrl && notifyPath && notifyPath !== '' && baseUrl.endsWith(notifyPath)) baseUrl = baseUrl.slice(0, -notifyPath.length);
  const route = (text: string): Route => {
    const [method, path] = text.split(' ');
    return { method: method!, path: path! };
  };
  return {
    baseUrl,
    notifyUrl: /^https?:\/\//.test(notify) ? notify : `${baseUrl}${notify.startsWith('/') ? '' : '/'}${notify}`,
    checkout: route(setup?.checkout ?? 'POST /checkout'),
    order: route(setup?.order ?? 'GET /orders/{order_id}'),
    timeoutMs,
  };
}

function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'scenario';
}

/**
 * Runs scenarios one after another and returns the report.
 *
 * @example
 * const env = await startInProcessEnvironment({ port: 0, seed: 'paycli' });
 * const report = await runScenarios(loadScenarios(['scenarios'], cwd), { environment: env, appUrl: 'http://127.0.0.1:3000' });
 * await env.close();
 */
export async function runScenarios(loaded: readonly LoadedScenario[], opts: RunOptions): Promise<RunReport> {
  const sw = opts.stopwatch ?? (() => performance.now());
  const emit = opts.onEvent ?? (() => {});
  const started = sw();
  const selected = selectScenarios(loaded, opts.filter);
  const env = opts.environment;
  emit({
    type: 'run:start',
    total: selected.length,
    sandbox: { mode: env.mode, url: env.url, secretKey: env.secretKey, webhookSecret: env.webhookSecret, providers: env.providers ?? {} },
    appUrl: opts.appUrl ?? null,
    seed: opts.seed ?? DEFAULT_SEED,
  });
  const results: ScenarioResult[] = [];
  let bailed = false;
  for (const [i, l] of selected.entries()) {
    let result: ScenarioResult;
    if (bailed || opts.signal?.aborted) {
      result = { ...emptyResult(l), status: 'skipped' };
    } else {
      emit({ type: 'scenario:start', index: i + 1, total: selected.length, name: l.scenario.name, file: l.displayFile });
      result = await runOne(l, opts, sw, emit);
      if (opts.bail && result.status !== 'passed') bailed = true;
    }
    results.push(result);
    emit({ type: 'scenario:end', index: i + 1, total: selected.length, result });
  }
  const report: RunReport = {
    version: 1,
    seed: opts.seed ?? DEFAULT_SEED,
    sandbox: env.mode,
    ...(Object.keys(env.providers ?? {}).length > 0 ? { providers: env.providers } : {}),
    summary: summarise(results),
    ...(opts.signal?.aborted ? { interrupted: true } : {}),
    duration_ms: Math.round(sw() - started),
    scenarios: results,
  };
  emit({ type: 'run:end', report });
  return report;
}

function emptyResult(l: LoadedScenario): ScenarioResult {
  return { name: l.scenario.name, file: l.displayFile, description: l.scenario.description ?? null, status: 'passed', duration_ms: 0, steps: [], failures: [], events: [], deliveries: [] };
}

async function runOne(l: LoadedScenario, opts: RunOptions, sw: () => number, emit: (e: RunEvent) => void): Promise<ScenarioResult> {
  const started = sw();
  const scenario = l.scenario;
  const result = emptyResult(l);
  const finish = (status: Status): ScenarioResult => ({ ...result, status, duration_ms: Math.round(sw() - started) });
  const app = { ...appConfig(scenario, opts.appUrl, opts.appTimeoutMs), ...(opts.notifyUrl ? { notifyUrl: opts.notifyUrl } : {}) };
  const provider = scenario.setup?.provider ?? NATIVE_PROVIDER;
  let sandbox: ScenarioSandbox;
  let driver: ScenarioDriver;
  try {
    driver = await loadDriver(provider);
    sandbox = await opts.environment.open(scenario, opts.seed ?? DEFAULT_SEED, scenario.setup?.app?.settle ?? DEFAULT_QUIET_MS, { driver, notifyUrl: app.notifyUrl });
  } catch (err) {
    if (!(err instanceof UnsupportedSetup || err instanceof PaycliError || err instanceof HttpUnreachable)) throw err;
    result.failures.push({ step: null, check: 'setup', message: `the scenario's sandbox could not be prepared: ${err.message}`, hint: null });
    return finish('error');
  }

  const slug = slugOf(scenario.name);
  const run: ScenarioRun = {
    scenario,
    slug,
    sandbox,
    driver,
    app,
    scope: { app: { url: app.baseUrl, notify_url: app.notifyUrl }, sandbox: { url: sandbox.appFacingUrl }, scenario: { name: scenario.name, slug } },
    lastPaymentId: null,
    lastRefundId: null,
  };
  // A provider scenario names its provider's notification types; notified by forwarding, its app is the `forward` destination.
  const target: ChaosTarget = provider === NATIVE_PROVIDER ? {} : { match: 'notification', destination: driver.notifyBy === 'forward' ? 'forward' : 'notify_url' };
  const scenarioRules = chaosRules(scenario.notifications, target);
  let appRequests: readonly ObservedRequest[] = [];
  let stopped = false;
  try {
    await sandbox.setChaos(scenarioRules);
    for (const [i, step] of scenario.steps.entries()) {
      const index = i + 1;
      const t0 = sw();
      const action = actionOf(step);
      const stepResult: StepResult = { index, label: stepLabel(step), action, at_ms: sandbox.now() - sandbox.startMs, status: 'skipped', duration_ms: 0, failures: [] };
      if (opts.signal?.aborted) stopped = true;
      if (!stopped) {
        try {
          const snapshots = await snapshotApp(run, step);
          const stepRules = chaosRules(step.notifications, target);
          // Rules are re-armed per step: one-use reorder rules must not leak into the next step.
          if (action !== 'expect' && (stepRules.length > 0 || scenarioRules.length > 0)) await sandbox.setChaos([...stepRules, ...scenarioRules]);
          const outcome = await runAction(run, step, index);
          if (step.id && outcome.result !== undefined) run.scope[step.id] = outcome.result;
          await sandbox.settle();
          const wait = action === 'expect' ? 0 : reorderWaitMs(step.notifications, scenario.notifications);
          if (wait > 0) await sandbox.advance(wait);
          if (stepRules.length > 0) await sandbox.setChaos(scenarioRules);
          stepResult.failures = await checkExpectations(run, step, index, outcome, snapshots);
          stepResult.status = stepResult.failures.length > 0 ? 'failed' : 'passed';
        } catch (err) {
          const failure = actionFailure(err, index);
          stepResult.failures = [failure];
          stepResult.status = 'error';
          stopped = true;
        }
      }
      stepResult.duration_ms = Math.round(sw() - t0);
      result.steps.push(stepResult);
      result.failures.push(...stepResult.failures);
      emit({ type: 'step:end', scenario: scenario.name, step: stepResult });
    }
  } finally {
    try {
      Object.assign(result, await timeline(sandbox));
      appRequests = await sandbox.appRequests();
    } finally {
      await sandbox.close();
    }
  }
  const statuses = result.steps.map((s) => s.status);
  const status = statuses.includes('error') ? 'error' : statuses.includes('failed') ? 'failed' : 'passed';
  if (status !== 'passed') {
    const env = opts.environment;
    const seed = opts.seed ?? DEFAULT_SEED;
    const settings = provider === NATIVE_PROVIDER ? undefined : env.providers?.[provider]?.settings;
    const ctx = settings
      ? { seed, provider, secretKey: String(settings.secret_key ?? ''), webhookSecret: typeof settings.webhook_secret === 'string' ? settings.webhook_secret : null }
      : { seed, secretKey: env.secretKey, webhookSecret: env.webhookSecret };
    result.failures.push(...diagnose(result.deliveries, appRequests, ctx));
  }
  return finish(status);
}

function actionFailure(err: unknown, index: number): Failure {
  if (err instanceof ActionFailed) return { step: index, check: 'action', message: err.message, hint: err.hint };
  if (err instanceof HttpUnreachable) return { step: index, check: 'action', message: `the sandbox did not answer: ${err.message}`, hint: null };
  throw err;
}

/** The scenario's event sequence, in virtual time relative to its start. */
async function timeline(sandbox: ScenarioSandbox): Promise<{ events: EventRecord[]; deliveries: DeliveryRecord[] }> {
  const t0 = sandbox.startMs;
  const [events, deliveries] = await Promise.all([sandbox.events(), sandbox.deliveries()]);
  return {
    events: events.map((e) => ({ at_ms: e.created * 1000 - t0, id: e.id, type: e.type, object_id: e.data.object.id })),
    deliveries: deliveries.map((d) => ({
      event_id: d.event_id,
      event_type: d.event_type,
      probe: d.probe,
      destination: d.kind,
      status: d.status,
      attempts: d.attempts.map((a) => ({
        at_ms: a.at - t0,
        status: a.status,
        acknowledged: a.acknowledged,
        simulated: a.simulated,
        error: a.error,
        response: a.response_excerpt.slice(0, 120),
      })),
    })),
  };
}
