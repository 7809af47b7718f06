/**
 * `paycli listen --forward-to <port|url>`: forwards every new notification of the running sandbox to the
 * app, each in its provider's protocol (Standard Webhooks signed with the merchant's webhook secret for the
 * native API; Stripe's events signed `Stripe-Signature`, Alipay's and WeChat Pay's own, as they send them),
 * and prints one line per delivery. `--provider <name>` forwards that provider's only (`stripe`: like
 * `stripe listen`). `--print-secret` prints only the secret. The behaviour lives in src/listen/forwarder.ts;
 * this file parses options and renders.
 */
import { EXIT, PaycliError } from '../errors.js';
import { notFoundHint, parseEventFilter, parseForwardTarget, parseHeaders } from '../listen/forward-options.js';
import { Forwarder, type ForwarderUpdate } from '../listen/forwarder.js';
import { PROVIDER_NAMES } from '../providers/registry.js';
import { notificationTypesOf } from '../scenarios/scenario-drivers.js';
import type { SandboxClient } from '../sandbox/client.js';
import { closest } from '../suggest.js';
import { servedProvider } from '../trigger/run-provider-fixture.js';
import { c, jsonLine, out, statusColor } from './output.js';
import { processDeps, requireKey, sandboxResolver, type SandboxFlags, type StreamingDeps } from './sandbox-connection.js';
import { clockTime } from './time-format.js';
import { untilSignal } from './until-signal.js';

export interface ListenOptions extends SandboxFlags {
  forwardTo?: string;
  events?: string;
  headers?: string;
  printSecret?: boolean;
  /** Forward only this provider's notifications (`stripe`: Stripe's events, like `stripe listen`). */
  provider?: string;
  json?: boolean;
}

export type ListenDeps = StreamingDeps;

/** Commander entry point. */
export async function listen(opts: ListenOptions): Promise<number> {
  return runListen(opts, processDeps());
}

/** Providers whose notifications are signed with their RSA keys, not a shared secret: what verifies them. */
const KEY_SIGNED: Readonly<Record<string, { message: string; hint: string; ready: string }>> = {
  alipay: {
    message: 'Alipay signs its notifications with its RSA key (RSA2), not with a shared secret.',
    hint: 'Verify them with alipay-sdk checkNotifySignV2 and the Alipay public key (alipay_public_key_file, which `paycli sandbox start` prints).',
    ready: 'Form-encoded and signed RSA2 as Alipay sends them: verify with alipay-sdk checkNotifySignV2 and the Alipay public key; answer success.',
  },
  wechatpay: {
    message: 'WeChat Pay signs its notifications with its RSA key and encrypts them with your APIv3 key, not with a shared secret.',
    hint: 'Verify them with the WeChat Pay public key (public_key_file) or platform certificate and decrypt with apiv3_key, as `paycli sandbox start` prints them.',
    ready: 'Encrypted (AEAD_AES_256_GCM, your APIv3 key) and signed (Wechatpay-Signature) as WeChat Pay sends them; answer 200 or 204.',
  },
};

const PROVIDER_LABEL: Readonly<Record<string, string>> = { paycli: 'native API', stripe: 'Stripe', alipay: 'Alipay', wechatpay: 'WeChat Pay' };

/**
 * Runs `listen` until stopped.
 *
 * @example
 * await runListen({ forwardTo: '3000' }, { cwd, env: {}, stop });
 */
export async function runListen(opts: ListenOptions, deps: ListenDeps): Promise<number> {
  const provider = opts.provider === undefined ? undefined : parseListenProvider(opts.provider);
  const resolve = sandboxResolver(opts, deps);
  if (opts.printSecret) {
    const signedBy = provider === undefined ? undefined : KEY_SIGNED[provider];
    if (signedBy) throw new PaycliError('invalid_usage', `listen --provider ${provider} --print-secret: ${signedBy.message}`, { hint: signedBy.hint });
    const client = await requireKey(resolve());
    const secret = provider === 'stripe' ? stripeSecret(await servedBy(client, 'stripe')) : (await client.request<{ secret: string }>('GET', '/_sandbox/webhook_secret')).secret;
    if (opts.json) jsonLine({ webhook_secret: secret });
    else out(secret);
    return EXIT.ok;
  }
  if (!opts.forwardTo) {
    throw new PaycliError('invalid_usage', 'Say where to forward events: --forward-to <port|url>.', { hint: `e.g. paycli listen${provider ? ` --provider ${provider}` : ''} --forward-to 3000` });
  }
  const forwardTo = parseForwardTarget(opts.forwardTo);
  const events = parseEventFilter(opts.events, '--events', provider);
  const headers = parseHeaders(opts.headers);
  const client = await requireKey(resolve());
  const served = provider !== undefined && provider !== 'paycli' ? await servedBy(client, provider) : null;
  // Stripe's events are signed with the provider's own whsec_…, the one to configure (like `stripe listen`'s).
  const stripe = provider === 'stripe' && served ? { url: served.url, secret: stripeSecret(served) } : null;

  const forwarder = new Forwarder({
    client: resolve,
    forwardTo,
    events,
    provider,
    headers,
    clock: deps.clock,
    heartbeatMs: deps.heartbeatMs,
    backoffMs: deps.backoffMs,
  });
  await forwarder.start(opts.json ? jsonRenderer(stripe?.secret) : humanRenderer(events, provider, stripe));
  await (deps.stop ?? untilSignal());
  await forwarder.stop();
  if (opts.json) jsonLine({ type: 'stopped' });
  else out(c.dim('Stopped listening.'));
  return EXIT.ok;
}

function parseListenProvider(name: string): string {
  if (!PROVIDER_NAMES.includes(name)) {
    const guess = closest(name, [...PROVIDER_NAMES]);
    throw new PaycliError('invalid_usage', `Unknown --provider "${name}".`, { hint: `${guess ? `Did you mean ${guess}? ` : ''}Providers: ${PROVIDER_NAMES.join(', ')}.` });
  }
  return name;
}

/** The provider's URL and this merchant's credentials at the sandbox; a usage error when it does not serve it. */
async function servedBy(client: SandboxClient, provider: string): Promise<{ url: string; creds: Record<string, unknown> }> {
  const served = await servedProvider(client, provider);
  if (!served) {
    throw new PaycliError('invalid_usage', `The sandbox at ${client.url} does not serve ${PROVIDER_LABEL[provider] ?? provider} (${provider}).`, {
      hint: `Start it with that provider: \`paycli sandbox start\` serves every provider unless --providers leaves ${provider} out.`,
    });
  }
  return served;
}

function stripeSecret(served: { creds: Record<string, unknown> }): string {
  const secret = served.creds.webhook_secret;
  if (typeof secret !== 'string') throw new PaycliError('internal_error', 'The sandbox answered no Stripe webhook_secret for this merchant.');
  return secret;
}

/** JSON lines as the forwarder reports them; with `--provider stripe` the secret shown is Stripe's. */
function jsonRenderer(stripeSecret: string | undefined): (u: ForwarderUpdate) => void {
  if (stripeSecret === undefined) return jsonLine;
  return (u) => jsonLine(u.type === 'ready' || u.type === 'reconnected' ? { ...u, webhook_secret: stripeSecret } : u);
}

function humanRenderer(events: readonly string[] | null, provider: string | undefined, stripe: { url: string; secret: string } | null): (u: ForwarderUpdate) => void {
  let outageShown = false;
  let notFoundShown = false;
  // With --provider and no --events, the types that provider sends (Stripe's are many: "all").
  const shown = events ?? (provider !== undefined && provider !== 'stripe' ? notificationTypesOf(provider) : null);
  const filter = c.dim(`  Events: ${shown ? shown.join(', ') : 'all'}. Press Ctrl-C to stop.`);
  return (u) => {
    switch (u.type) {
      case 'ready':
        if (stripe) {
          out(`${c.green('Ready!')} Forwarding Stripe events from ${c.cyan(stripe.url)} to ${c.cyan(u.forward_to)}`);
          out(`Your webhook signing secret is ${c.bold(stripe.secret)}`);
          out(c.dim('  Stripe-Signature, for stripe.webhooks.constructEvent.'));
        } else if (provider !== undefined && KEY_SIGNED[provider]) {
          out(`${c.green('Ready!')} Forwarding ${PROVIDER_LABEL[provider]} notifications from ${c.cyan(u.sandbox_url)} to ${c.cyan(u.forward_to)}`);
          out(c.dim(`  ${KEY_SIGNED[provider]!.ready}`));
        } else {
          out(`${c.green('Ready!')} Forwarding ${provider === 'paycli' ? 'native API events' : 'events'} from ${c.cyan(u.sandbox_url)} to ${c.cyan(u.forward_to)}`);
          out(`Your webhook signing secret is ${c.bold(u.webhook_secret)}`);
          out(c.dim('  Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature): the same secret signs notify_url and --forward-to.'));
          if (provider === undefined) {
            out(c.dim("  Stripe, Alipay and WeChat Pay notifications go as those providers send them, signed with their keys; --provider <name> forwards one provider's only."));
          }
        }
        out(filter);
        return;
      case 'delivery': {
        let result = u.status === null ? `${statusColor(null)} ${c.red(u.error ?? '')}` : statusColor(u.status);
        // A 2xx is not every provider's acknowledgement (Alipay's is the body `success`): say when it is not.
        if (u.status !== null && u.status >= 200 && u.status < 300 && !u.acknowledged) {
          result = `${c.yellow(String(u.status))} ${c.yellow(`not acknowledged (answered ${JSON.stringify(u.response_excerpt.slice(0, 40))})`)}`;
        }
        const resent = u.resent ? c.yellow(' (resent)') : '';
        out(`${c.dim(clockTime(u.at))}  ${u.event_type.padEnd(stripe ? 34 : 24)} ${c.dim(u.event_id)}  ${result}  ${c.dim(`${u.latency_ms} ms`)}${resent}`);
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
        // The merchant's secret signs only the native API's events.
        if (u.secret_changed && (provider === undefined || provider === 'paycli')) {
          out(c.yellow(`! The sandbox's webhook secret changed (new data file?): ${c.bold(u.webhook_secret)} — update your app.`));
        }
        return;
    }
  };
}
