/**
 * `paycli scenario run <paths...>`: loads scenario files, starts the scenario sandbox (or connects to a
 * running one), runs them against the app and renders progress and the report. Exit code 0 when every
 * scenario passed, 1 when any failed, 2 for invalid files or options.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Chalk } from 'chalk';
import { parseDuration } from '../duration.js';
import { DEFAULT_DATA_FILE, parseSigning, portEnvVar, portFlagKey, type WechatpaySigning } from '../config.js';
import { EXIT, PaycliError } from '../errors.js';
import { normalizeSandboxUrl } from '../http-target.js';
import { loadProvidersSigning } from '../providers/registry.js';
import { BUILTIN_DISPLAY_PREFIX, builtinSetPath, PACKAGE_ROOT } from '../scenarios/builtin.js';
import { loadScenarios, type LoadedScenario } from '../scenarios/loader.js';
import { connectRemoteEnvironment } from '../scenarios/remote-sandbox.js';
import { jsonReport } from '../scenarios/reporters/json.js';
import { junitReport } from '../scenarios/reporters/junit.js';
import type { RunReport } from '../scenarios/results.js';
import { DEFAULT_SEED, runScenarios, selectScenarios } from '../scenarios/runner.js';
import { checkWebhookSecret, startInProcessEnvironment, type SandboxEnvironment } from '../scenarios/scenario-sandbox.js';
import { NATIVE_PROVIDER } from '../scenarios/scenario-drivers.js';
import { c, ce } from './output.js';
import { prettyRenderer, type PrettySink } from './scenario-pretty.js';

export interface ScenarioRunOptions {
  reporter?: string;
  out?: string;
  bail?: boolean;
  filter?: string;
  seed?: string;
  builtin?: string;
  appUrl?: string;
  port?: string;
  sandboxUrl?: string;
  apiKey?: string;
  webhookSecret?: string;
  appTimeout?: string;
  notifyUrl?: string;
  /** `--wechatpay-signing`: the key WeChat Pay signs with in the run (default the WeChat Pay public key). */
  wechatpaySigning?: string;
  /** `--<provider>-port` of each provider (commander's `stripePort`, …). */
  [providerPort: `${string}Port`]: string | undefined;
}

/** What the command takes from its surroundings; tests replace these. */
export interface ScenarioDeps {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Aborts the run (default: the first Ctrl-C or SIGTERM); the summary and a partial report still follow. */
  signal?: AbortSignal;
}

const REPORTERS = ['pretty', 'json', 'junit'] as const;
type Reporter = (typeof REPORTERS)[number];

const processDeps = (): ScenarioDeps => ({
  cwd: process.cwd(),
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
});

/** Commander entry point. */
export async function scenarioRun(paths: string[], opts: ScenarioRunOptions): Promise<number> {
  return runScenarioCommand(paths, opts, processDeps());
}

/** `--wechatpay-signing`, else PAYCLI_WECHATPAY_SIGNING (as for `sandbox start`); null: the default. */
export function wechatpaySigningOf(opts: { wechatpaySigning?: string }, env: Record<string, string | undefined>): WechatpaySigning | null {
  if (opts.wechatpaySigning !== undefined) return parseSigning(opts.wechatpaySigning, '--wechatpay-signing');
  return env.PAYCLI_WECHATPAY_SIGNING ? parseSigning(env.PAYCLI_WECHATPAY_SIGNING, 'PAYCLI_WECHATPAY_SIGNING') : null;
}

function parsePort(text: string, source: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n > 65535) throw new PaycliError('invalid_usage', `Invalid port "${text}" (from ${source}).`, { hint: 'Use a number from 0 to 65535; 0 picks any free port.' });
  return n;
}

function parseAppTimeout(text: string): number {
  const ms = parseDuration(text);
  if (ms === null || ms < 100 || ms > 600_000) {
    throw new PaycliError('invalid_usage', `Invalid --app-timeout "${text}": use a duration from 100ms to 10m.`, { hint: 'e.g. --app-timeout 5s' });
  }
  return ms;
}

/** A port (3000), host:port or an http(s) URL, as --forward-to takes them; no trailing slash. */
function checkUrl(text: string, source: string): string {
  return normalizeSandboxUrl(text, source);
}

/** Resolves the paths to run: the given ones plus a built-in set. */
export function scenarioInputs(paths: readonly string[], builtin: string | undefined): string[] {
  const inputs = [...paths, ...(builtin ? [builtinSetPath(builtin)] : [])];
  if (inputs.length === 0) {
    throw new PaycliError('invalid_usage', 'No scenarios given.', { hint: 'Pass files or directories (e.g. `paycli scenario run scenarios`), or --builtin conformance.' });
  }
  return inputs;
}

/**
 * Loads the given paths plus a built-in set. A built-in scenario with the name of one of the user's files is
 * left out: copying the built-in files into your own folder (to adapt them) then replaces them, rather than
 * colliding with `--builtin` in the same command.
 */
export function loadWithBuiltin(paths: readonly string[], builtin: string | undefined, cwd: string): LoadedScenario[] {
  scenarioInputs(paths, builtin);
  const own = paths.length > 0 ? loadScenarios(paths, cwd) : [];
  if (!builtin) return own;
  const names = new Set(own.map((l) => l.scenario.name));
  const shipped = loadScenarios([builtinSetPath(builtin)], PACKAGE_ROOT).map((l) => ({ ...l, displayFile: `${BUILTIN_DISPLAY_PREFIX}${l.displayFile}` }));
  return [...own, ...shipped.filter((l) => !names.has(l.scenario.name))];
}

/**
 * Runs the command with injected surroundings; returns the exit code.
 *
 * @example
 * const code = await runScenarioCommand(['scenarios'], { reporter: 'json', port: '0' }, { cwd, env: {}, stdout, stderr });
 */
export async function runScenarioCommand(paths: string[], opts: ScenarioRunOptions, deps: ScenarioDeps): Promise<number> {
  const reporter = (opts.reporter ?? 'pretty') as Reporter;
  if (!REPORTERS.includes(reporter)) throw new PaycliError('invalid_usage', `Unknown reporter "${opts.reporter}".`, { hint: `Use one of ${REPORTERS.join(', ')}.` });
  const loaded = loadWithBuiltin(paths, opts.builtin, deps.cwd);
  if (selectScenarios(loaded, opts.filter).length === 0) {
    throw new PaycliError('invalid_usage', `No scenario name contains "${opts.filter}".`, { hint: '`paycli scenario list <paths>` shows the names.' });
  }
  // A fresh seed per run, so ids never repeat against the same app process; printed, so --seed repeats it.
  const seed = opts.seed ?? randomBytes(4).toString('hex');
  const appTimeoutMs = opts.appTimeout === undefined ? undefined : parseAppTimeout(opts.appTimeout);
  const appUrlText = opts.appUrl ?? deps.env.PAYCLI_APP_URL;
  const appUrl = appUrlText ? checkUrl(appUrlText, opts.appUrl ? '--app-url' : 'PAYCLI_APP_URL') : null;
  const notifyUrl = opts.notifyUrl ? checkUrl(opts.notifyUrl, '--notify-url') : null;
  const apiKey = opts.apiKey ?? (deps.env.PAYCLI_API_KEY || undefined);
  const webhookSecret = opts.webhookSecret ?? (deps.env.PAYCLI_WEBHOOK_SECRET || undefined);
  if (webhookSecret) checkWebhookSecret(webhookSecret, opts.webhookSecret ? '--webhook-secret' : 'PAYCLI_WEBHOOK_SECRET');

  // Progress goes where the report does not: stdout unless the report itself is written there.
  const reportToStdout = !opts.out && reporter !== 'pretty';
  const progress: PrettySink = reportToStdout ? { write: (l) => deps.stderr(l + '\n'), color: ce } : { write: (l) => deps.stdout(l + '\n'), color: c };
  const fileLines: string[] = [];
  const fileSink: PrettySink = { write: (l) => fileLines.push(l), color: new Chalk({ level: 0 }) };
  const renderers = [prettyRenderer(progress), ...(opts.out && reporter === 'pretty' ? [prettyRenderer(fileSink)] : [])];

  let environment: SandboxEnvironment;
  if (opts.sandboxUrl) {
    environment = await connectRemoteEnvironment({ url: checkUrl(opts.sandboxUrl, '--sandbox-url'), apiKey: apiKey ?? null });
  } else {
    const portText = opts.port ?? deps.env.PAYCLI_PORT;
    // Provider scenarios: each of their providers gets its fixed port, credentials and key files.
    const providers = [...new Set(selectScenarios(loaded, opts.filter).map((l) => l.scenario.setup?.provider ?? NATIVE_PROVIDER))].filter((p) => p !== NATIVE_PROVIDER);
    const providerPorts: Record<string, number> = {};
    for (const name of providers) {
      const flag = opts[portFlagKey(name)];
      const text = flag ?? deps.env[portEnvVar(name)];
      if (text) providerPorts[name] = parsePort(text, flag ? `--${name}-port` : portEnvVar(name));
    }
    // The keys come from the fixed default seed, not the run's: the app is configured once for every run.
    const registry = await loadProvidersSigning(wechatpaySigningOf(opts, deps.env));
    environment = await startInProcessEnvironment({
      port: portText ? parsePort(portText, opts.port ? '--port' : 'PAYCLI_PORT') : 4242,
      seed: DEFAULT_SEED,
      secretKey: apiKey,
      webhookSecret,
      appTimeoutMs,
      providers,
      providerPorts,
      keyDir: path.join(deps.cwd, path.dirname(DEFAULT_DATA_FILE), 'scenario'),
      registry,
    });
  }
  // The first Ctrl-C stops the run between steps so the summary and a partial report are still written;
  // a second one ends the process the usual way.
  const interrupt = new AbortController();
  const onSignal = () => {
    stopListening();
    interrupt.abort();
  };
  const stopListening = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  if (!deps.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  let report: RunReport;
  try {
    report = await runScenarios(loaded, { environment, appUrl, notifyUrl, seed, appTimeoutMs, signal: deps.signal ?? interrupt.signal, bail: opts.bail, filter: opts.filter, onEvent: (e) => renderers.forEach((r) => r(e)) });
  } finally {
    stopListening();
    await environment.close();
  }

  const text = reporter === 'json' ? jsonReport(report) : reporter === 'junit' ? junitReport(report) : fileLines.join('\n') + '\n';
  if (opts.out) {
    const file = path.resolve(deps.cwd, opts.out);
    try {
      // `--out reports/junit.xml` in a fresh CI checkout: the folder is made, rather than the run's results lost.
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    } catch (err) {
      throw new PaycliError('invalid_usage', `Cannot write the report to ${file}: ${(err as Error).message}`, { hint: 'Check that the directory exists and is writable.' });
    }
    progress.write(progress.color.dim(`report written to ${opts.out}`));
  } else if (reportToStdout) {
    deps.stdout(text);
  }
  const { failed, errors } = report.summary;
  if (report.interrupted) return EXIT.interrupted;
  return failed + errors > 0 ? EXIT.failed : EXIT.ok;
}
