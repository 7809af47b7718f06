/**
 * `paycli listen --forward-to <port|url>`: forwards every new event of the running sandbox to the app,
 * signed with the merchant's webhook secret, and prints one line per delivery. `--print-secret` prints only
 * the secret. The behaviour lives in src/listen/forwarder.ts; this file parses options and renders.
 */
import { EVENT_TYPES } from '../engine/types.js';
import { EXIT, PaycliError } from '../errors.js';
import { notFoundHint, parseEventFilter, parseForwardTarget, parseHeaders } from '../listen/forward-options.js';
import { Forwarder, type ForwarderUpdate } from '../listen/forwarder.js';
import { parseStripeEventFilter, StripeForwarder, type StripeForwarderUpdate } from '../providers/stripe/listen-forwarder.js';
import { ALIPAY_NOTIFICATION_TYPES } from '../providers/alipay/notification-types.js';
import { WECHATPAY_NOTIFICATION_TYPES } from '../providers/wechatpay/notification-types.js';
import { readRuntimeInfo } from '../sandbox/client.js';
import { c, jsonLine, out, statusColor } from './output.js';
import { processDeps, requireKey, sandboxResolver, type SandboxFlags, type StreamingDeps } from './sandbox-connection.js';
import { clockTime } from './time-format.js';
import { untilSignal } from './until-signal.js';

export interface ListenOptions extends SandboxFlags {
  forwardTo?: string;
  events?: string;
  headers?: string;
  printSecret?: boolean;
  /**
   * Forward this provider's events only: `stripe` as Stripe events signed Stripe-Signature (like `stripe
   * listen`), `alipay` and `wechatpay` as their notifications (which `listen` forwards in their own format
   * anyway), `paycli` as the native API's.
   */
  provider?: string;
  json?: boolean;
}

export type ListenDeps = StreamingDeps;

/** Commander entry point. */
export async function listen(opts: ListenOptions): Promise<number> {
  return runListen(opts, processDeps());
}

/**
 * Runs `listen` until stopped.
 *
 * @example
 * await runListen({ forwardTo: '3000' }, { cwd, env: {}, stop });
 */
/**
 * The notification types each provider's notifications are forwarded as: `--events` names them, and
 * `--provider` keeps one provider's.
 */
const NOTIFICATION_TYPES: Readonly<Record<string, readonly string[]>> = {
  paycli: EVENT_TYPES,
  alipay: ALIPAY_NOTIFICATION_TYPES,
  wechatpay: WECHATPAY_NOTIFICATION_TYPES,
};

export async function runListen(opts: ListenOptions, deps: ListenDeps): Promise<number> {
  if (opts.provider !== undefined && !Object.hasOwn(NOTIFICATION_TYPES, opts.provider)) return runStripeListen(opts, deps);
  const resolve = sandboxResolver(opts, deps);
  if (opts.printSecret) {
    const res = await (await requireKey(resolve())).request<{ secret: string }>('GET', '/_sandbox/webhook_secret');
    if (opts.json) jsonLine({ webhook_secret: res.secret });
    else out(res.secret);
    return EXIT.ok;
  }
  if (!opts.forwardTo) {
    throw new PaycliError('invalid_usage', 'Say where to forward events: --forward-to <port|url>.', { hint: 'e.g. paycli listen --forward-to 3000' });
  }
  const forwardTo = parseForwardTarget(opts.forwardTo);
  const events = eventFilterOf(opts);
  const headers = parseHeaders(opts.headers);
  await requireKey(resolve());

  const forwarder = new Forwarder({
    client: resolve,
    forwardTo,
    events,
    headers,
    clock: deps.clock,
    heartbeatMs: deps.heartbeatMs,
    backoffMs: deps.backoffMs,
  });
  await forwarder.start(opts.json ? jsonLine : humanRenderer(events));
  await (deps.stop ?? untilSignal());
  await forwarder.stop();
  if (opts.json) jsonLine({ type: 'stopped' });
  else out(c.dim('Stopped listening.'));
  return EXIT.ok;
}

/** `--events` in any provider's notification types, within `--provider`'s when given (all of its own by default). */
function eventFilterOf(opts: ListenOptions): string[] | null {
  const own = opts.provider === undefined ? undefined : NOTIFICATION_TYPES[opts.provider]!;
  const events = parseEventFilter(opts.events, '--events', own ?? Object.values(NOTIFICATION_TYPES).flat());
  // The native API's own events only, unless --events narrows them: the native filter takes every type of it.
  return own === undefined ? events : (events ?? [...own]);
}

/** `listen --provider stripe`: Stripe's events from the Stripe emulation, like `stripe listen`. */
async function runStripeListen(opts: ListenOptions, deps: ListenDeps): Promise<number> {
  if (opts.provider !== 'stripe') {
    throw new PaycliError('invalid_usage', `listen --provider ${opts.provider}: not a provider of this paycli.`, { hint: 'Use paycli, stripe, alipay or wechatpay; without --provider, listen forwards every provider\'s notifications, each in its own format.' });
  }
  const stripe = readRuntimeInfo(deps.cwd)?.providers?.stripe;
  const [url, secretKey, webhookSecret] = [stripe?.url, stripe?.secret_key, stripe?.webhook_secret];
  if (typeof url !== 'string' || typeof secretKey !== 'string' || typeof webhookSecret !== 'string') {
    throw new PaycliError('invalid_usage', 'No sandbox serving Stripe was found in this directory.', {
      hint: 'Start one here with `paycli sandbox start` (it serves Stripe unless --providers leaves it out).',
    });
  }
  if (opts.printSecret) {
    if (opts.json) jsonLine({ webhook_secret: webhookSecret });
    else out(webhookSecret);
    return EXIT.ok;
  }
  if (!opts.forwardTo) {
    throw new PaycliError('invalid_usage', 'Say where to forward events: --forward-to <port|url>.', { hint: 'e.g. paycli listen --provider stripe --forward-to 3000' });
  }
  const events = parseStripeEventFilter(opts.events);
  const forwarder = new StripeForwarder({ url, secretKey, webhookSecret, forwardTo: parseForwardTarget(opts.forwardTo), events, headers: parseHeaders(opts.headers) });
  try {
    await forwarder.start(opts.json ? jsonLine : stripeRenderer(events));
  } catch (err) {
    throw new PaycliError('sandbox_unreachable', `The Stripe emulation at ${url} did not answer: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  await (deps.stop ?? untilSignal());
  await forwarder.stop();
  if (opts.json) jsonLine({ type: 'stopped' });
  else out(c.dim('Stopped listening.'));
  return EXIT.ok;
}

function stripeRenderer(events: readonly string[] | null): (u: StripeForwarderUpdate) => void {
  return (u) => {
    if (u.type === 'ready') {
      out(`${c.green('Ready!')} Forwarding Stripe events from ${c.cyan(u.stripe_url)} to ${c.cyan(u.forward_to)}`);
      out(`Your webhook signing secret is ${c.bold(u.webhook_secret)}`);
      out(c.dim(`  Stripe-Signature, for stripe.webhooks.constructEvent. Events: ${events ? events.join(', ') : 'all'}. Press Ctrl-C to stop.`));
    } else if (u.type === 'delivery') {
      const result = u.status === null ? `${statusColor(null)} ${c.red(u.error ?? '')}` : statusColor(u.status);
      out(`${c.dim(clockTime(u.at))}  ${u.event_type.padEnd(34)} ${c.dim(u.event_id)}  ${result}  ${c.dim(`${u.latency_ms} ms`)}`);
    } else {
      out(c.yellow(`! The Stripe emulation at ${u.stripe_url} did not answer (${u.reason}); still trying.`));
    }
  };
}

function humanRenderer(events: readonly string[] | null): (u: ForwarderUpdate) => void {
  let outageShown = false;
  let notFoundShown = false;
  return (u) => {
    switch (u.type) {
      case 'ready':
        out(`${c.green('Ready!')} Forwarding events from ${c.cyan(u.sandbox_url)} to ${c.cyan(u.forward_to)}`);
        out(`Your webhook signing secret is ${c.bold(u.webhook_secret)}`);
        out(c.dim('  Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature): the same secret signs notify_url and --forward-to.'));
        out(c.dim("  Alipay and WeChat Pay notifications go as those PSPs send them, signed with their keys (.paycli/alipay, .paycli/wechatpay)."));
        out(c.dim(`  Events: ${events ? events.join(', ') : 'all'}. Press Ctrl-C to stop.`));
        return;
      case 'delivery': {
        const result = u.status === null ? `${statusColor(null)} ${c.red(u.error ?? '')}` : statusColor(u.status);
        const resent = u.resent ? c.yellow(' (resent)') : '';
        out(`${c.dim(clockTime(u.at))}  ${u.event_type.padEnd(24)} ${c.dim(u.event_id)}  ${result}  ${c.dim(`${u.latency_ms} ms`)}${resent}`);
        // Once: the usual cause is a bare port (posting to /) while the app listens on /webhooks.
        if (u.status === 404 && !notFoundShown) {
          notFoundShown = true;
          out(c.yellow(`! ${notFoundHint(u.url, '--forward-to')}`));
        }
        return;
      }
      case 'disconnected':
        // One line per outage, not one per attempt.
        if (outageShown) return;
        outageShown = true;
        out(c.yellow(`! Lost the sandbox at ${u.sandbox_url}: ${u.reason}. Reconnecting (retrying with backoff)…`));
        return;
      case 'reconnected':
        outageShown = false;
        out(c.green(`Reconnected to the sandbox at ${u.sandbox_url}${u.down_for_ms !== null ? ` after ${(u.down_for_ms / 1000).toFixed(1)} s` : ''}.`));
        if (u.secret_changed) out(c.yellow(`! The sandbox's webhook secret changed (new data file?): ${c.bold(u.webhook_secret)} — update your app.`));
        return;
    }
  };
}
