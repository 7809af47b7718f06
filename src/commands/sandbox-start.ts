/**
 * `paycli sandbox start`: runs the mock PSP in the foreground, prints how to reach it, logs each API
 * request and notification attempt, and shuts down cleanly on Ctrl-C / SIGTERM.
 */
import { readFileSync, rmSync } from 'node:fs';
import { resolveConfig, type ConfigFlags, type WechatpaySigning } from '../config.js';
import { EXIT, toPaycliError } from '../errors.js';
import { formatDuration, parseDurationList } from '../duration.js';
import { parseHttpTarget } from '../http-target.js';
import type { ActivityEntry } from '../core/activity-log.js';
import { PROVIDER_NAMES } from '../providers/registry.js';
import { runtimeInfoOf, writeRuntimeInfo, type RuntimeInfo } from '../sandbox/client.js';
import type { ServedProvider } from '../sandbox/sandbox.js';
import { c, err, jsonLine, out, statusColor } from './output.js';

interface StartFlags extends ConfigFlags {
  json?: boolean;
  virtualClock?: boolean;
  quiet?: boolean;
}

/** Whether `host` is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function time(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

function renderEntry(e: ActivityEntry): string {
  if (e.kind === 'request') {
    const replay = e.idempotent_replay ? c.dim(' (idempotent replay)') : '';
    const code = e.error_code ? c.dim(` ${e.error_code}`) : '';
    return `${c.dim(time(e.time))} ${c.cyan('→')} ${e.method.padEnd(6)} ${e.path} ${statusColor(e.status)}${code} ${c.dim(`${e.latency_ms}ms`)}${replay}`;
  }
  const result = e.status === null ? c.red(e.error ?? 'error') : statusColor(e.status);
  const next =
    e.outcome === 'retry' && e.next_attempt_at !== null
      ? c.yellow(` retry in ${formatDuration(Math.max(0, e.next_attempt_at - e.time))}`)
      : e.outcome === 'failed'
        ? c.red(' gave up')
        : '';
  return `${c.dim(time(e.time))} ${c.magenta('⇢')} ${e.event_type} ${c.dim(e.event_id)} → ${e.url} ${c.dim(`#${e.attempt}`)} ${result} ${c.dim(`${e.latency_ms}ms`)}${next}`;
}

/** The narrowest label column of the providers' lines; a longer label widens it. */
const MIN_LABEL_WIDTH = 18;

/**
 * The banner's lines for the providers beside the native one: title and URL, then what `describe` says,
 * its values in one column across every provider however long a label (`merchant_private_key_file`) is.
 */
export function providerLines(providers: readonly ServedProvider[]): string[] {
  const shown = providers.filter((p) => p.name !== 'paycli');
  const labels = shown.flatMap((p) => Object.keys(p.description).filter((key) => key !== 'url'));
  const width = Math.max(MIN_LABEL_WIDTH, ...labels.map((key) => key.length));
  const lines: string[] = [];
  for (const p of shown) {
    lines.push(`  ${c.bold(p.title)} ${c.dim(`(${p.name})`)} on ${c.bold(p.url)}`);
    for (const [key, value] of Object.entries(p.description)) {
      if (key === 'url') continue;
      lines.push(`    ${key.padEnd(width)} ${c.cyan(typeof value === 'string' ? value : JSON.stringify(value))}`);
    }
  }
  return lines;
}

function removeRuntimeFile(file: string, pid: number): void {
  try {
    const current = JSON.parse(readFileSync(file, 'utf8')) as RuntimeInfo;
    if (current.pid === pid) rmSync(file, { force: true });
  } catch {
    // Already gone or replaced by another sandbox: leave it.
  }
}

/** The registry with WeChat Pay signing with the chosen key. */
async function withWechatpaySigning(signing: WechatpaySigning) {
  const [{ loadProviders }, { createWechatpayProvider }] = await Promise.all([import('../providers/registry.js'), import('../providers/wechatpay/index.js')]);
  return { ...(await loadProviders()), wechatpay: createWechatpayProvider({ signing }) };
}

export async function sandboxStart(flags: StartFlags): Promise<number> {
  const cwd = process.cwd();
  const config = resolveConfig(flags, process.env, cwd, { names: PROVIDER_NAMES });
  const forwardTo = config.forwardTo ? parseHttpTarget(config.forwardTo, '--forward-to').href : null;
  const retryScheduleMs = config.retrySchedule ? parseDurationList(config.retrySchedule, '--retry-schedule') : undefined;

  // Loaded here, not at the top: express and the store are only needed by this command.
  const { startSandbox } = await import('../sandbox/sandbox.js');
  const registry = config.wechatpaySigning ? await withWechatpaySigning(config.wechatpaySigning) : undefined;
  const sandbox = await startSandbox({
    ...(registry ? { registry } : {}),
    port: config.port,
    host: config.host,
    allowHosts: config.allowHosts,
    inMemory: config.inMemory,
    dataFile: config.data,
    forwardTo,
    retryScheduleMs,
    virtualClock: flags.virtualClock === true,
    // The command serves every registered provider unless told otherwise (the library default is the
    // native one only): a developer starting the sandbox wants whichever SDK they use to just work.
    providers: config.providers ?? PROVIDER_NAMES,
    ports: config.providerPorts,
    onError: (e) => {
      const error = e instanceof Error ? e : new Error(String(e));
      if (flags.json) jsonLine({ event: 'bug', message: error.message, stack: error.stack });
      else err(`${c.red('paycli hit a bug:')} ${error.stack ?? error.message}\nPlease report it with what you were doing.`);
    },
  });

  // The event loop first: signatures and file writes run on helper threads at a lower priority.
  const { lowerHelperThreadPriority } = await import('../helper-threads.js');
  await lowerHelperThreadPriority();

  const info = runtimeInfoOf(sandbox, process.pid);
  let runtimeFile: string;
  try {
    runtimeFile = writeRuntimeInfo(cwd, info);
  } catch (e) {
    await sandbox.close().catch(() => undefined);
    throw e;
  }

  if (flags.json) {
    const providers = Object.fromEntries(Object.values(sandbox.providers).map((p) => [p.name, p.description]));
    jsonLine({ event: 'ready', ...info, dashboard_url: `${sandbox.url}/`, publishable_key: sandbox.merchant.publishable_key, forward_to: forwardTo, virtual_clock: flags.virtualClock === true, providers });
  } else {
    out(`${c.green('✔')} paycli sandbox listening on ${c.bold(sandbox.url)}`);
    out(`  dashboard       ${c.cyan(`${sandbox.url}/`)}`);
    out(`  merchant        ${sandbox.merchant.id}`);
    out(`  secret key      ${c.cyan(sandbox.merchant.secret_key)}`);
    out(`  webhook secret  ${c.cyan(sandbox.merchant.webhook_secret)}`);
    out(`  data            ${sandbox.dataFile ?? c.yellow('in memory (lost on exit)')}`);
    if (!isLoopback(config.host)) {
      out(c.yellow(`  ! bound to ${config.host}: other machines on your network can reach this sandbox and its test keys.`));
    }
    if (forwardTo) out(`  forwarding to   ${forwardTo}`);
    if (flags.virtualClock) out(`  clock           ${c.yellow('virtual')}: advance it with POST /_sandbox/clock/advance {"ms": 3600000}`);
    if (retryScheduleMs) out(`  retry schedule  ${retryScheduleMs.map(formatDuration).join(', ')}`);
    for (const line of providerLines(Object.values(sandbox.providers))) out(line);
    out(c.dim(`  try: curl ${sandbox.url}/v1/payments -H "Authorization: Bearer ${sandbox.merchant.secret_key}"`));
    out(c.dim('  Ctrl-C to stop'));
  }

  const unsubscribe = flags.quiet ? () => {} : sandbox.activity.subscribe((e) => (flags.json ? jsonLine({ event: e.kind, ...e }) : out(renderEntry(e))));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      if (!flags.json) err(c.dim(`\n${signal}: stopping…`));
      unsubscribe();
      let code = 0;
      try {
        await sandbox.close();
      } catch (e) {
        // The last write failed (a full disk): one line saying what was not saved, no stack trace.
        const error = toPaycliError(e);
        code = error.isBug ? EXIT.bug : EXIT.failed;
        if (flags.json) jsonLine({ event: 'error', code: error.code, message: error.message, hint: error.hint });
        else err(`${c.red('error')} ${error.message}${error.hint ? ` ${c.dim(error.hint)}` : ''}`);
      } finally {
        removeRuntimeFile(runtimeFile, process.pid);
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        if (flags.json) jsonLine({ event: 'stopped' });
        else err(c.dim('stopped'));
        resolve(code);
      }
    };
    const onInt = () => void stop('SIGINT');
    const onTerm = () => void stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
