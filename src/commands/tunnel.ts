/**
 * `paycli tunnel <port|url>`, `paycli tunnel requests` and `paycli tunnel replay <id>`: a public ngrok URL
 * in front of the developer's app, with every request recorded by a local inspecting proxy so it can be
 * listed and replayed. The behaviour lives in src/tunnel/; this file parses options and renders events.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../duration.js';
import { EXIT, PaycliError } from '../errors.js';
import { resolveAuthtoken } from '../tunnel/authtoken.js';
import { startInspectingProxy, type RequestEvent } from '../tunnel/inspecting-proxy.js';
import { DEFAULT_TUNNEL_TIMEOUT_MS, missingAuthtokenError, openTunnel, validateAccessOptions, type TunnelConnector } from '../tunnel/ngrok.js';
import { replayRequest } from '../tunnel/replay.js';
import { defaultLogFile, findRecord, recentRecords, type RecordedRequest } from '../tunnel/request-log.js';
import { parseTarget } from '../tunnel/upstream.js';
import { c, ce, err, jsonLine, out, statusColor } from './output.js';

export interface TunnelOptions {
  authtoken?: string;
  basicAuth?: string;
  allowCidr?: string[];
  log?: string;
  json?: boolean;
  /** Seconds to wait for ngrok. */
  timeout?: string;
}

/** What the command takes from its surroundings; tests replace these. */
export interface TunnelDeps {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Stands in for ngrok's successful connection (tests only). */
  connector?: TunnelConnector;
  /** Resolves when the tunnel should close; default: Ctrl-C (SIGINT) or SIGTERM. */
  stop?: Promise<unknown>;
  /** Overrides --timeout, in milliseconds. */
  timeoutMs?: number;
}

const PUBLIC_WARNING =
  'This URL is public: anyone who has it can send requests to your app. Restrict it with --basic-auth or --allow-cidr, and close it when done.';

/** Commander entry point for `paycli tunnel <target>`. */
export async function tunnel(target: string, opts: TunnelOptions): Promise<number> {
  return runTunnel(target, opts, { cwd: process.cwd(), env: process.env });
}

/**
 * Starts the proxy and the tunnel, renders events until stopped, then closes both.
 *
 * @example
 * await runTunnel('3000', { json: true }, { cwd, env: {}, connector, stop });
 */
export async function runTunnel(target: string, opts: TunnelOptions, deps: TunnelDeps): Promise<number> {
  const app = parseTarget(target);
  const allowCidrs = splitList(opts.allowCidr);
  validateAccessOptions(opts.basicAuth, allowCidrs);
  const timeoutMs = deps.timeoutMs ?? parseSeconds(opts.timeout);
  const resolved = await resolveAuthtoken({ flag: opts.authtoken, env: deps.env, cwd: deps.cwd });
  // Without a token nothing can work: say so before opening any port.
  if (!resolved) throw missingAuthtokenError();
  const logFile = logPath(opts, deps.cwd);

  const proxy = await startInspectingProxy({ target: app, logFile });
  let tunnelHandle: Awaited<ReturnType<typeof openTunnel>>;
  try {
    tunnelHandle = await openTunnel({
      port: proxy.port,
      authtoken: resolved.token,
      basicAuth: opts.basicAuth,
      allowCidrs,
      timeoutMs,
      connector: deps.connector,
    });
  } catch (e) {
    await proxy.close();
    throw e;
  }

  proxy.onRequest((event) => renderRequest(event, opts.json === true));
  if (opts.json) {
    jsonLine({ event: 'tunnel_open', url: tunnelHandle.url, target: app.href, proxy: proxy.url, log: logFile, warning: PUBLIC_WARNING });
  } else {
    out(`${c.bold('Tunnel open')}  ${c.cyan(tunnelHandle.url)}  ->  ${app.href}`);
    out(c.dim(`  inspecting proxy ${proxy.url}, requests logged to ${path.relative(deps.cwd, logFile) || logFile}`));
    out(c.yellow(`! ${PUBLIC_WARNING}`));
    const access = [opts.basicAuth ? 'basic auth' : '', allowCidrs?.length ? `allowed: ${allowCidrs.join(', ')}` : ''].filter(Boolean);
    if (access.length) out(c.dim(`  access: ${access.join('; ')}`));
    out(c.dim('  Press Ctrl-C to close.'));
  }

  await (deps.stop ?? untilSignal());
  await Promise.allSettled([tunnelHandle.close(), proxy.close()]);
  if (opts.json) jsonLine({ event: 'tunnel_closed' });
  else out(c.dim('Tunnel closed.'));
  return EXIT.ok;
}

/** Resolves on the first Ctrl-C or SIGTERM; a second Ctrl-C then ends the process the usual way. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

function renderRequest({ record, logError }: RequestEvent, json: boolean): void {
  if (json) {
    jsonLine({ event: 'request', ...summary(record) });
    if (logError) jsonLine({ event: 'log_error', id: record.id, message: logError });
    return;
  }
  out(requestLine(record));
  if (logError) err(ce.yellow(`  could not write ${record.id} to the log: ${logError}`));
}

/** The record without headers and bodies, for event streams. */
function summary(r: RecordedRequest): Record<string, unknown> {
  return { id: r.id, time: r.time, method: r.method, path: r.path, status: r.status, latency_ms: r.latency_ms, error: r.error, replay_of: r.replay_of };
}

/** `12:00:01  POST    /notify  200  12 ms  req_…`, coloured by status. */
function requestLine(r: RecordedRequest): string {
  const parts = [
    c.dim(clockTime(r.time)),
    c.bold(r.method.padEnd(7)),
    r.path,
    statusColor(r.status),
    c.dim(`${r.latency_ms} ms`),
    c.dim(r.id),
  ];
  if (r.replay_of) parts.push(c.dim(`(replay of ${r.replay_of})`));
  if (r.error) parts.push(c.red(r.error));
  return parts.join('  ');
}

function clockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export interface RequestsOptions {
  limit?: string;
  log?: string;
  json?: boolean;
}

/** `paycli tunnel requests`: the most recent recorded requests, oldest first. */
export async function tunnelRequests(opts: RequestsOptions, cmd?: Command, cwd = process.cwd()): Promise<number> {
  const all = { ...(cmd?.optsWithGlobals() ?? {}), ...opts } as RequestsOptions;
  const limit = parseLimit(all.limit);
  const logFile = logPath(all, cwd);
  const records = await recentRecords(logFile, limit);
  if (all.json) {
    for (const r of records) jsonLine(r);
    return EXIT.ok;
  }
  if (records.length === 0) {
    out(`No requests recorded yet in ${path.relative(cwd, logFile) || logFile}.`);
    return EXIT.ok;
  }
  for (const r of records) out(requestLine(r));
  return EXIT.ok;
}

export interface ReplayCommandOptions {
  to?: string;
  log?: string;
  json?: boolean;
}

/** `paycli tunnel replay <id>`: sends a recorded request again, byte for byte, and prints the new status. */
export async function tunnelReplay(id: string, opts: ReplayCommandOptions, cmd?: Command, cwd = process.cwd()): Promise<number> {
  const all = { ...(cmd?.optsWithGlobals() ?? {}), ...opts } as ReplayCommandOptions;
  const logFile = logPath(all, cwd);
  const original = await findRecord(logFile, id);
  const again = await replayRequest({ record: original, to: all.to, logFile });
  if (all.json) jsonLine(again);
  else out(requestLine(again));
  if (again.error) {
    if (!all.json) err(ce.dim('hint: start your app, or pass --to <port|url> to send it elsewhere'));
    return EXIT.failed;
  }
  return EXIT.ok;
}

function logPath(opts: { log?: string }, cwd: string): string {
  return opts.log ? path.resolve(cwd, opts.log) : defaultLogFile(cwd);
}

/** `--allow-cidr a b` and `--allow-cidr a,b` both work. */
function splitList(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** Seconds (`15`, `2.5`) as before, or a duration like every other flag takes (`10s`, `1m`, `500ms`). */
function parseSeconds(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TUNNEL_TIMEOUT_MS;
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  const ms = Number.isFinite(seconds) ? Math.round(seconds * 1000) : parseDuration(value);
  if (ms === null || ms <= 0) {
    throw new PaycliError('invalid_usage', `--timeout must be a positive duration (15, 10s, 1m), got "${value}"`, { param: 'timeout' });
  }
  return ms;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 20;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new PaycliError('invalid_usage', `--limit must be a whole number, got "${value}"`, { param: 'limit', hint: 'use --limit 0 to list all' });
  }
  return n;
}
