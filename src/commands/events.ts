/**
 * `paycli events list|show|resend`: the sandbox's events, one event with its deliveries and every attempt,
 * and delivering an event again with the same id. Parses, calls the sandbox, renders.
 */
import type { Clock } from '../clock.js';
import { EXIT, PaycliError } from '../errors.js';
import { cancelRetries, resendEvent } from '../inspect/resend.js';
import { notFoundHint, parseEventFilter, parseForwardTarget } from '../listen/forward-options.js';
import type { NativeEvent } from '../providers/paycli/serialize.js';
import type { PublicDelivery } from '../webhooks/delivery.js';
import { c, formatAmount, jsonLine, out, stateColor, statusColor } from './output.js';
import { keyedSandbox, processDeps, type CommandDeps, type SandboxFlags } from './sandbox-connection.js';
import { clockTime, utcDateTime } from './time-format.js';

export interface EventsListOptions extends SandboxFlags {
  type?: string;
  limit?: string;
  payment?: string;
  json?: boolean;
}

export interface EventsResendOptions extends SandboxFlags {
  to?: string;
  /** Put a failed attempt on the retry schedule (default: one attempt). */
  retry?: boolean;
  /** Commander's --no-wait. */
  wait?: boolean;
  json?: boolean;
}

/** Commander entry points. */
export const eventsList = (opts: EventsListOptions) => runEventsList(opts, processDeps());
export const eventsShow = (id: string, opts: SandboxFlags & { json?: boolean }) => runEventsShow(id, opts, processDeps());
export const eventsResend = (id: string, opts: EventsResendOptions) => runEventsResend(id, opts, processDeps());
export const eventsCancelRetries = (id: string, opts: SandboxFlags & { json?: boolean }) => runEventsCancelRetries(id, opts, processDeps());

/** Lists events, newest first. */
export async function runEventsList(opts: EventsListOptions, deps: CommandDeps): Promise<number> {
  const limit = opts.limit ?? '20';
  if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 100) {
    throw new PaycliError('invalid_usage', `--limit must be a whole number from 1 to 100, not "${limit}".`);
  }
  const type = parseEventFilter(opts.type, '--type')?.[0];
  if (opts.type?.includes(',')) throw new PaycliError('invalid_usage', '--type takes one event type or wildcard (e.g. payment.*), not a list.');
  const q = new URLSearchParams({ limit });
  if (type) q.set('type', type);
  if (opts.payment) q.set('payment_id', opts.payment);
  const page = await (await keyedSandbox(opts, deps)).request<{ data: NativeEvent[]; has_more: boolean }>('GET', `/v1/events?${q}`);
  if (opts.json) {
    jsonLine(page);
    return EXIT.ok;
  }
  if (page.data.length === 0) {
    out(c.dim('No events. Make some with `paycli trigger payment.succeeded`.'));
    return EXIT.ok;
  }
  const width = Math.max(...page.data.map((e) => e.type.length));
  for (const e of page.data) {
    const o = e.data.object;
    out(`${c.dim(utcDateTime(e.created))}  ${c.cyan(e.id)}  ${e.type.padEnd(width)}  ${o.id}  ${stateColor(o.status)}`);
  }
  if (page.has_more) out(c.dim(`… more: raise --limit (up to 100) or narrow with --type / --payment.`));
  return EXIT.ok;
}

/** Shows one event, its object, and each delivery with its attempts. */
export async function runEventsShow(id: string, opts: SandboxFlags & { json?: boolean }, deps: CommandDeps): Promise<number> {
  const client = await keyedSandbox(opts, deps);
  const event = await client.request<NativeEvent>('GET', `/v1/events/${encodeURIComponent(id)}`);
  const deliveries = (await client.request<{ data: PublicDelivery[] }>('GET', `/_sandbox/deliveries?event_id=${encodeURIComponent(id)}&limit=1000`)).data.reverse();
  if (opts.json) {
    jsonLine({ event, deliveries });
    return EXIT.ok;
  }
  const o = event.data.object;
  out(`${c.bold(event.type)}  ${c.cyan(event.id)}  ${c.dim(utcDateTime(event.created))}`);
  out(`  ${o.object} ${o.id}  ${stateColor(o.status)}  ${formatAmount(o.amount, o.currency)}  ${c.dim(`order ${o.merchant_order_id}`)}`);
  if (o.object === 'payment' && o.failure_code) out(`  ${c.red(o.failure_code)}: ${o.failure_message ?? ''}`);
  out(deliveries.length ? `Deliveries (${deliveries.length})` : c.dim('No deliveries: no notify_url, webhook endpoint or --forward-to for this event.'));
  for (const d of deliveries) renderDelivery(d);
  return EXIT.ok;
}

function renderDelivery(d: PublicDelivery): void {
  const probe = d.probe ? c.yellow(` probe:${d.probe}`) : '';
  out(`  ${d.id}  ${d.kind.padEnd(10)} ${d.url}  ${stateColor(d.status)}${probe}`);
  for (const a of d.attempts) {
    const result = a.status === null ? `${statusColor(null)} ${c.red(a.error ?? '')}` : statusColor(a.status);
    const simulated = a.simulated ? c.dim(' (simulated failure)') : '';
    out(`    #${a.number}  ${c.dim(clockTime(a.at))}  ${result}  ${c.dim(`${a.latency_ms} ms`)}${simulated}`);
  }
  if (d.status === 'pending' && d.next_attempt_at !== null) out(c.dim(`    next attempt at ${clockTime(d.next_attempt_at)}`));
}

/**
 * Delivers an event again (same webhook-id) and shows the first attempt of each new delivery. Exit 1 when
 * a first attempt was not acknowledged (or no answer came while waiting): a resend that did not arrive is
 * not a success. One attempt only, unless --retry puts it on the retry schedule.
 */
export async function runEventsResend(id: string, opts: EventsResendOptions, deps: CommandDeps & { clock?: Clock }): Promise<number> {
  const to = opts.to === undefined ? undefined : parseForwardTarget(opts.to, '--to');
  const client = await keyedSandbox(opts, deps);
  const waited = opts.wait !== false;
  const result = await resendEvent(client, id, { to, retry: opts.retry === true, waitMs: waited ? 15_000 : 0, clock: deps.clock });
  const code = !waited || result.acknowledged ? EXIT.ok : EXIT.failed;
  if (opts.json) {
    jsonLine(result);
    return code;
  }
  const listening = result.listeners ? ` and ${result.listeners} paycli listen session(s), which show the answer` : '';
  const where = c.dim(`(same webhook-id) to ${result.deliveries.length} destination(s)${listening}`);
  if (!waited) out(`${c.green('✓')} Queued ${c.cyan(id)} ${where}`);
  else if (result.acknowledged) out(`${c.green('✓')} Resent ${c.cyan(id)} ${where}`);
  else out(`${c.red('✗')} Resent ${c.cyan(id)} ${where}, but ${result.timed_out ? 'no answer came yet' : 'it was not acknowledged'}`);
  for (const d of result.deliveries) renderDelivery(d);
  const notFound = result.deliveries.find((d) => d.attempts[0]?.status === 404);
  if (notFound) out(c.yellow(`! ${notFoundHint(notFound.url, '--to')}`));
  if (waited && result.timed_out) out(c.yellow(`! Still waiting for an answer; see \`paycli events show ${id}\`.`));
  const retrying = result.deliveries.some((d) => d.status === 'pending');
  if (retrying) out(c.dim(`  Retrying on the schedule; stop with \`paycli events cancel-retries ${id}\`.`));
  else if (code !== EXIT.ok && opts.retry !== true) out(c.dim('  One attempt only (no retries); pass --retry to put it on the retry schedule.'));
  return code;
}

/** Cancels the pending retries of an event's deliveries. */
export async function runEventsCancelRetries(id: string, opts: SandboxFlags & { json?: boolean }, deps: CommandDeps): Promise<number> {
  const client = await keyedSandbox(opts, deps);
  const canceled = await cancelRetries(client, id);
  if (opts.json) {
    jsonLine({ event_id: id, canceled });
    return EXIT.ok;
  }
  if (canceled.length === 0) out(c.dim(`No pending retries for ${id}.`));
  else out(`${c.green('✓')} Cancelled the pending retries of ${canceled.length} deliver${canceled.length === 1 ? 'y' : 'ies'} of ${c.cyan(id)}`);
  for (const d of canceled) out(`  ${d.id}  ${d.kind.padEnd(10)} ${d.url}  ${c.dim(`after ${d.attempts.length} attempt(s)`)}`);
  return EXIT.ok;
}
