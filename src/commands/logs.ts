/**
 * `paycli logs tail`: the sandbox's API requests and notification attempts, what is logged already and then
 * live (`--no-follow` stops after the first part), filtered by `--type`, `--status` and `--path`. The
 * behaviour lives in src/inspect/activity-tail.ts; this file parses and renders.
 */
import { EXIT, PaycliError } from '../errors.js';
import { parseActivityFilter } from '../inspect/activity-filter.js';
import { ActivityTail, type TailUpdate } from '../inspect/activity-tail.js';
import type { ActivityEntry } from '../core/activity-log.js';
import { c, err, jsonLine, out, statusColor } from './output.js';
import { keyedSandbox, processDeps, sandboxResolver, type SandboxFlags, type StreamingDeps } from './sandbox-connection.js';
import { clockTime } from './time-format.js';
import { untilSignal } from './until-signal.js';

export interface LogsTailOptions extends SandboxFlags {
  type?: string;
  status?: string;
  path?: string;
  limit?: string;
  /** Commander's --no-follow. */
  follow?: boolean;
  json?: boolean;
}

export type LogsTailDeps = StreamingDeps;

/** Commander entry point. */
export const logsTail = (opts: LogsTailOptions) => runLogsTail(opts, processDeps());

/**
 * Prints the log, then follows it unless `follow` is false.
 *
 * @example
 * await runLogsTail({ follow: false, json: true, type: 'delivery' }, { cwd, env: {} });
 */
export async function runLogsTail(opts: LogsTailOptions, deps: LogsTailDeps): Promise<number> {
  const filter = parseActivityFilter(opts);
  const limit = opts.limit ?? '50';
  if (!/^\d+$/.test(limit)) throw new PaycliError('invalid_usage', `--limit must be a whole number (0 for all), not "${limit}".`);
  keyedSandbox(opts, deps);
  const tail = new ActivityTail({
    client: sandboxResolver(opts, deps),
    filter,
    limit: Number(limit),
    clock: deps.clock,
    heartbeatMs: deps.heartbeatMs,
    backoffMs: deps.backoffMs,
  });
  const render = opts.json ? renderJson : humanRenderer();
  await tail.printBacklog(render);
  if (opts.follow === false) return EXIT.ok;
  await tail.follow(render);
  await (deps.stop ?? untilSignal());
  await tail.stop();
  return EXIT.ok;
}

function renderJson(u: TailUpdate): void {
  // Entries as they are (each has `kind`); connection changes as their own lines.
  jsonLine(u.type === 'entry' ? u.entry : u);
}

function humanRenderer(): (u: TailUpdate) => void {
  let outageShown = false;
  return (u) => {
    if (u.type === 'entry') out(entryLine(u.entry));
    else if (u.type === 'following') err(c.dim(`Following ${u.sandbox_url}… (Ctrl-C to stop)`));
    else if (u.type === 'disconnected' && !outageShown) {
      outageShown = true;
      err(c.yellow(`! Lost the sandbox at ${u.sandbox_url}: ${u.reason}. Reconnecting…`));
    } else if (u.type === 'reconnected') {
      outageShown = false;
      err(c.green(`Reconnected to ${u.sandbox_url}.`));
    }
  };
}

/** One line per entry: time, then the request or the delivery attempt. */
export function entryLine(e: ActivityEntry): string {
  const t = c.dim(clockTime(e.time, true));
  if (e.kind === 'request') {
    const code = e.error_code ? c.dim(` ${e.error_code}`) : '';
    const replay = e.idempotent_replay ? c.dim(' (idempotent replay)') : '';
    return `${t}  ${c.cyan('→')} ${e.method.padEnd(6)} ${e.path}  ${statusColor(e.status)}${code}  ${c.dim(`${e.latency_ms} ms`)}${replay}`;
  }
  const result = e.status === null ? `${statusColor(null)} ${c.red(e.error ?? '')}` : statusColor(e.status);
  const next = e.outcome === 'retry' && e.next_attempt_at !== null ? c.yellow(` retry at ${clockTime(e.next_attempt_at)}`) : e.outcome === 'failed' ? c.red(' gave up') : '';
  return `${t}  ${c.magenta('⇢')} ${e.event_type} ${c.dim(e.event_id)} → ${e.url} ${c.dim(`#${e.attempt}`)}  ${result}  ${c.dim(`${e.latency_ms} ms`)}${next}`;
}
