/**
 * `paycli events list|show|resend`: the sandbox's events, one event with its deliveries and every attempt,
 * and delivering an event again with the same id. Parses, calls the sandbox, renders.
 */
import type { Clock } from '../clock.js';
import { EXIT, PaycliError } from '../errors.js';
import { cancelRetries, resendEvent } from '../inspect/resend.js';
import { notFoundHint, parseEventFilter, parseForwardTarget } from '../listen/forward-options.js';
import { PROVIDER_NAMES } from '../providers/registry.js';
import type { EventView } from '../sandbox/event-routes.js';
import { closest } from '../suggest.js';
import type { PublicDelivery } from '../webhooks/delivery.js';
import { c, formatAmount, jsonLine, out, stateColor, statusColor } from './output.js';
import type { SandboxClient } from '../sandbox/client.js';
import { keyedSandbox, processDeps, type CommandDeps, type SandboxFlags } from './sandbox-connection.js';
import { clockTime, utcDateTime } from './time-format.js';

export interface EventsListOptions extends SandboxFlags {
  type?: string;
  limit?: string;
  payment?: string;
  /** Only events of payments made through this provider. */
  provider?: string;
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

function parseTypeFilter(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (value.includes(',')) throw new PaycliError('invalid_usage', '--type takes one event type or wildcard (e.g. payment.*), not a list.');
  // Any provider's names: a native type, a Stripe event type, TRADE_SUCCESS, REFUND.*; a typo is refused.
  return parseEventFilter(value.trim(), '--type')?.[0];
}

/** What an event means at its provider: the provider's own notification types, when they are not the event's. */
function notificationsText(e: EventView): string {
  // A provider's own notification is its own event: its type is already shown.
  if (e.payment_id === null) return `  ${c.dim(`${e.provider} (its own notification)`)}`;
  if (e.provider === 'paycli') return '';
  const types = e.notifications.map((n) => n.type).join(',');
  return `  ${c.dim(e.provider)}${types ? ` ${types}` : c.dim(' (not notified)')}`;
}

/** Lists events of every provider (or one), newest first, with what each means in its provider's protocol. */
export async function runEventsList(opts: EventsListOptions, deps: CommandDeps): Promise<number> {
  const limit = opts.limit ?? '20';
  if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 100) {
    throw new PaycliError('invalid_usage', `--limit must be a whole number from 1 to 100, not "${limit}".`);
  }
  const type = parseTypeFilter(opts.type);
  const q = new URLSearchParams({ limit });
  if (type) q.set('type', type);
  if (opts.payment) q.set('payment', opts.payment);
  if (opts.provider) q.set('provider', parseProvider(opts.provider));
  const page = await (await keyedSandbox(opts, deps)).request<{ data: EventView[]; has_more: boolean }>('GET', `/_sandbox/events?${q}`);
  if (opts.json) {
    jsonLine(page);
    return EXIT.ok;
  }
  if (page.data.length === 0) {
    out(c.dim('No events. Make some with `paycli trigger payment.succeeded` (or TRADE_SUCCESS, TRANSACTION.SUCCESS, …).'));
    return EXIT.ok;
  }
  const width = Math.max(...page.data.map((e) => e.type.length));
  for (const e of page.data) {
    const about = e.payment_id === null ? c.dim('-') : `${e.refund_id ?? e.payment_id}  ${stateColor(e.status ?? '')}`;
    out(`${c.dim(utcDateTime(e.created))}  ${c.cyan(e.id)}  ${e.type.padEnd(width)}  ${about}${notificationsText(e)}`);
  }
  if (page.has_more) out(c.dim(`… more: raise --limit (up to 100) or narrow with --type / --payment / --provider.`));
  return EXIT.ok;
}

function parseProvider(name: string): string {
  if (!PROVIDER_NAMES.includes(name)) {
    const guess = closest(name, [...PROVIDER_NAMES]);
    throw new PaycliError('invalid_usage', `Unknown --provider "${name}".`, { hint: `${guess ? `Did you mean ${guess}? ` : ''}Providers: ${PROVIDER_NAMES.join(', ')}.` });
  }
  return name;
}

/** Shows one event (by its id or one of its notifications' ids), its object, and each delivery with its attempts. */
export async function runEventsShow(id: string, opts: SandboxFlags & { json?: boolean }, deps: CommandDeps): Promise<number> {
  const client = await keyedSandbox(opts, deps);
  const event = await client.request<EventView>('GET', `/_sandbox/events/${encodeURIComponent(id)}`);
  // By one of its notifications' ids (a Stripe evt_…a), the deliveries of that notification alone.
  const only = id !== event.id && event.notifications.some((n) => n.id === id) ? id : null;
  const q = new URLSearchParams({ event_id: event.id, limit: '1000' });
  if (only) q.set('notification_id', only);
  const deliveries = (await client.request<{ data: PublicDelivery[] }>('GET', `/_sandbox/deliveries?${q}`)).data.reverse();
  if (opts.json) {
    jsonLine({ event, ...(only ? { notification_id: only } : {}), deliveries });
    return EXIT.ok;
  }
  out(`${c.bold(event.type)}  ${c.cyan(event.id)}  ${c.dim(utcDateTime(event.created))}`);
  if (event.payment_id === null) {
    // No payment behind it: the provider raised it about one of its own objects (a Stripe customer).
    out(`  ${c.dim('provider')} ${event.provider}  ${c.dim('its own notification, about no payment')}`);
    out(deliveries.length ? `Deliveries (${deliveries.length})` : c.dim('No deliveries: no webhook endpoint, --forward-to or resend wanted it.'));
    for (const d of deliveries) renderDelivery(d);
    return EXIT.ok;
  }
  const object = event.refund_id ? `refund ${event.refund_id}` : `payment ${event.payment_id}`;
  out(`  ${object}  ${stateColor(event.status ?? '')}  ${formatAmount(event.amount ?? 0, event.currency ?? '')}  ${c.dim(`order ${event.merchant_order_id}`)}`);
  if (event.failure_code) out(`  ${c.red(event.failure_code)}${event.failure_message ? `: ${event.failure_message}` : ''}`);
  if (event.provider !== 'paycli') {
    out(`  ${c.dim('provider')} ${event.provider}`);
    if (event.notifications.length === 0) out(c.dim(`  ${event.provider} sends no notification for it.`));
    for (const n of event.notifications) out(`  ${c.dim('notification')} ${n.type}  ${c.dim(n.id)}${n.id === only && event.notifications.length > 1 ? '  (deliveries below)' : ''}`);
  }
  const whose = only && event.notifications.length > 1 ? ` of ${only}` : '';
  out(deliveries.length ? `Deliveries${whose} (${deliveries.length})` : c.dim(`No deliveries${whose}: no notify_url, webhook endpoint or --forward-to for this event.`));
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

/** The event an id names: an event id, or one of its notifications' ids (an Alipay notify_id, …). */
async function eventIdOf(client: SandboxClient, id: string): Promise<string> {
  return (await client.request<EventView>('GET', `/_sandbox/events/${encodeURIComponent(id)}`)).id;
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
  const eventId = await eventIdOf(client, id);
  // By one notification's id (a Stripe evt_…a), that notification alone goes again, as `stripe events resend`.
  const result = await resendEvent(client, eventId, { notificationId: id, to, retry: opts.retry === true, waitMs: waited ? 15_000 : 0, clock: deps.clock });
  // On a virtual clock the resend is queued, not failed: it goes out when the clock is advanced.
  const queued = !waited || (result.virtual_clock && result.timed_out);
  const code = queued || result.acknowledged ? EXIT.ok : EXIT.failed;
  if (opts.json) {
    jsonLine(result);
    return code;
  }
  // The sandbox counts the sessions; each forwards the event unless its --provider or --events leave it out.
  const listening = result.listeners ? ` and ${result.listeners} paycli listen session(s), which show the answer unless their --provider or --events leave it out` : '';
  const where = c.dim(`(same webhook-id) to ${result.deliveries.length} destination(s)${listening}`);
  if (queued) out(`${c.green('✓')} Queued ${c.cyan(id)} ${where}`);
  else if (result.acknowledged) out(`${c.green('✓')} Resent ${c.cyan(id)} ${where}`);
  else out(`${c.red('✗')} Resent ${c.cyan(id)} ${where}, but ${result.timed_out ? 'no answer came yet' : 'it was not acknowledged'}`);
  for (const d of result.deliveries) renderDelivery(d);
  const notFound = result.deliveries.find((d) => d.attempts[0]?.status === 404);
  if (notFound) out(c.yellow(`! ${notFoundHint(notFound.url, '--to')}`));
  if (queued && result.virtual_clock) {
    out(c.yellow('! The sandbox runs on a virtual clock: the attempt goes out when its time moves (POST /_sandbox/clock/advance, e.g. {"ms": 0} to run what is due now).'));
  } else if (waited && result.timed_out) out(c.yellow(`! Still waiting for an answer; see \`paycli events show ${id}\`.`));
  const retrying = result.deliveries.some((d) => d.status === 'pending');
  if (retrying) out(c.dim(`  Retrying on the schedule; stop with \`paycli events cancel-retries ${id}\`.`));
  else if (code !== EXIT.ok && opts.retry !== true) out(c.dim('  One attempt only (no retries); pass --retry to put it on the retry schedule.'));
  return code;
}

/** Cancels the pending retries of an event's deliveries. */
export async function runEventsCancelRetries(id: string, opts: SandboxFlags & { json?: boolean }, deps: CommandDeps): Promise<number> {
  const client = await keyedSandbox(opts, deps);
  // By one notification's id (a Stripe evt_…), that notification's retries only, as `resend` sends it alone.
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
