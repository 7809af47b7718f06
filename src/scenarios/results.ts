/**
 * What a scenario run produces: typed results the reporters render and the progress events the command
 * shows. Times are virtual and relative to the scenario's start (`at_ms`), so two runs of one suite give the
 * same report; the only wall-clock values are the `duration_ms` fields.
 */
import type { ProviderSetup } from './provider-environment.js';
import type { StepAction } from './schema.js';

export type Status = 'passed' | 'failed' | 'error' | 'skipped';

/** One check that did not hold, or an action that could not be done. */
export interface Failure {
  /** 1-based step number; null for the scenario as a whole (e.g. its sandbox could not start). */
  step: number | null;
  /** Which check, e.g. `expect.app.json` or `action`. */
  check: string;
  message: string;
  /** What to change in the app. */
  hint: string | null;
}

export interface StepResult {
  index: number;
  label: string;
  action: StepAction | 'expect';
  /** Virtual time when the step started, relative to the scenario's start. */
  at_ms: number;
  status: Status;
  duration_ms: number;
  failures: Failure[];
}

export interface EventRecord {
  at_ms: number;
  id: string;
  type: string;
  /** The payment (or refund) the event is about. */
  object_id: string;
}

export interface AttemptRecord {
  at_ms: number;
  /** The app's HTTP status; null when no answer came (or the PSP side failed it on purpose). */
  status: number | null;
  acknowledged: boolean;
  /** A `fail_first` attempt that never left the PSP. */
  simulated: boolean;
  error: string | null;
  /** The start of the app's answer. */
  response: string;
}

export interface DeliveryRecord {
  event_id: string;
  event_type: string;
  /** `tampered` or `stale` for a bad-signature copy. */
  probe: string | null;
  destination: string;
  status: string;
  attempts: AttemptRecord[];
}

export interface ScenarioResult {
  name: string;
  file: string;
  description: string | null;
  status: Status;
  duration_ms: number;
  steps: StepResult[];
  /** Every failure of every step, in order. */
  failures: Failure[];
  /** The event sequence: what the PSP raised and what it delivered, in virtual time. */
  events: EventRecord[];
  deliveries: DeliveryRecord[];
}

export interface RunSummary {
  total: number;
  passed: number;
  failed: number;
  errors: number;
  skipped: number;
}

export interface RunReport {
  /** The report format's version. */
  version: 1;
  seed: string;
  sandbox: 'in-process' | 'remote';
  /** Providers the run served besides the native one (provider scenarios): where the app's SDK pointed, with which settings. */
  providers?: Readonly<Record<string, ProviderSetup>>;
  summary: RunSummary;
  /** Set when the run was stopped (Ctrl-C): what had not run yet is `skipped`. */
  interrupted?: true;
  duration_ms: number;
  scenarios: ScenarioResult[];
}

/** Progress, in the order things happen. */
export type RunEvent =
  | {
      type: 'run:start';
      total: number;
      sandbox: { mode: 'in-process' | 'remote'; url: string; secretKey: string; webhookSecret: string | null; providers: Readonly<Record<string, ProviderSetup>> };
      appUrl: string | null;
      seed: string;
    }
  | { type: 'scenario:start'; index: number; total: number; name: string; file: string }
  | { type: 'step:end'; scenario: string; step: StepResult }
  | { type: 'scenario:end'; index: number; total: number; result: ScenarioResult }
  | { type: 'run:end'; report: RunReport };

/** Counts statuses. */
export function summarise(results: readonly ScenarioResult[]): RunSummary {
  const count = (s: Status) => results.filter((r) => r.status === s).length;
  return { total: results.length, passed: count('passed'), failed: count('failed'), errors: count('error'), skipped: count('skipped') };
}
