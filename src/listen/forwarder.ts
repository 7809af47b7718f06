/**
 * The behaviour of `paycli listen`: follows a running sandbox's notification stream and forwards each
 * notification to the developer's app in its payment's provider protocol (Standard Webhooks for the native
 * API, the PSP's own format for an emulated one), signed with that provider's credentials by the same
 * provider code the sandbox signs with (so the app verifies listen's and notify_url's notifications alike). One
 * attempt per event, like Stripe CLI: `listen` shows what the app answered; the sandbox's own notify_url and
 * --forward-to deliveries are the ones with retries. It emits typed updates and prints nothing.
 */
import { performance } from 'node:perf_hooks';
import { SystemClock, type Clock } from '../clock.js';
import { eventMatches } from '../engine/events.js';
import type { AnyProvider } from '../providers/contract.js';
import { loadProviders } from '../providers/registry.js';
import type { StreamNotification } from '../sandbox/stream-routes.js';
import type { SandboxClient } from '../sandbox/client.js';
import type { Transport } from '../webhooks/delivery.js';
import { createHttpTransport } from '../webhooks/http-transport.js';
import { SandboxStream } from './sandbox-stream.js';

/** How long the app may take to answer (Stripe CLI's limit). */
export const FORWARD_TIMEOUT_MS = 30_000;
const EXCERPT_CHARS = 200;
/** Event ids remembered to skip an event seen twice (a replay overlapping live events after a reconnect). */
const SEEN_LIMIT = 10_000;

export interface ForwarderOptions {
  /** Called for each connection attempt (see SandboxStream). */
  client: () => SandboxClient;
  /** The app's URL. */
  forwardTo: string;
  /** Notification types to forward (`payment.*` wildcards), in each provider's own names; null for all. */
  events: readonly string[] | null;
  /** Forward only this provider's notifications (`listen --provider alipay`); every provider's by default. */
  provider?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  clock?: Clock;
  /** Default: a keep-alive HTTP transport. */
  transport?: Transport;
  timeoutMs?: number;
  heartbeatMs?: number;
  backoffMs?: readonly number[];
  /** The provider table (default: the registry). */
  providers?: Record<string, AnyProvider>;
}

/** What the forwarder reports. Times are milliseconds since the epoch. */
export type ForwarderUpdate =
  | { type: 'ready'; sandbox_url: string; forward_to: string; merchant_id: string; webhook_secret: string }
  | { type: 'disconnected'; sandbox_url: string; reason: string; retry_in_ms: number; attempt: number }
  | { type: 'reconnected'; sandbox_url: string; down_for_ms: number | null; webhook_secret: string; secret_changed: boolean }
  | {
      type: 'delivery';
      at: number;
      event_id: string;
      event_type: string;
      url: string;
      /** The app's HTTP status; null when it did not answer. */
      status: number | null;
      latency_ms: number;
      /** `ECONNREFUSED 127.0.0.1:3000`, `timeout`, …; null when the app answered. */
      error: string | null;
      /** A 2xx answer. */
      acknowledged: boolean;
      response_excerpt: string;
      /** An earlier event delivered again (`events resend`). */
      resent?: boolean;
    };

/**
 * Forwards a sandbox's events to an app.
 *
 * @example
 * const fwd = new Forwarder({ client: () => connectSandbox(config, cwd), forwardTo: 'http://127.0.0.1:3000/', events: null });
 * const ready = await fwd.start((u) => render(u));
 * console.log(ready.webhook_secret);
 * await fwd.stop();
 */
export class Forwarder {
  private readonly clock: Clock;
  private readonly stream: SandboxStream;
  private readonly transport: Transport;
  private readonly closeTransport: (() => void) | null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly seen = new Set<string>();
  private secret = '';
  private credentials: Record<string, Record<string, unknown>> = {};
  private providers: Record<string, AnyProvider> = {};

  constructor(private readonly opts: ForwarderOptions) {
    this.clock = opts.clock ?? new SystemClock();
    this.stream = new SandboxStream({ client: opts.client, include: ['notifications'], heartbeatMs: opts.heartbeatMs, backoffMs: opts.backoffMs, clock: this.clock });
    if (opts.transport) {
      this.transport = opts.transport;
      this.closeTransport = null;
    } else {
      const http = createHttpTransport({ maxSockets: 16 });
      this.transport = http.send;
      this.closeTransport = http.close;
    }
  }

  /** Connects to the sandbox; resolves with the `ready` update (rejects when the sandbox cannot be reached). */
  async start(onUpdate: (u: ForwarderUpdate) => void): Promise<Extract<ForwarderUpdate, { type: 'ready' }>> {
    let ready: Extract<ForwarderUpdate, { type: 'ready' }> | null = null;
    this.providers = this.opts.providers ?? (await loadProviders());
    await this.stream.start((u) => {
      if (u.type === 'connected') {
        const changed = this.secret !== '' && this.secret !== u.ready.webhook_secret;
        this.secret = u.ready.webhook_secret;
        this.credentials = u.ready.credentials ?? {};
        if (!u.reconnect) {
          ready = { type: 'ready', sandbox_url: u.url, forward_to: this.opts.forwardTo, merchant_id: u.ready.merchant_id, webhook_secret: this.secret };
          onUpdate(ready);
        } else {
          onUpdate({ type: 'reconnected', sandbox_url: u.url, down_for_ms: u.down_for_ms, webhook_secret: this.secret, secret_changed: changed });
        }
      } else if (u.type === 'disconnected') {
        onUpdate({ type: 'disconnected', sandbox_url: u.url, reason: u.reason, retry_in_ms: u.retry_in_ms, attempt: u.attempt });
      } else if (u.type === 'notification') {
        this.accept(u.notification, onUpdate);
      }
    });
    return ready!;
  }

  /** Stops following the sandbox and waits for deliveries under way. */
  async stop(): Promise<void> {
    await this.stream.close();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.closeTransport?.();
  }

  /** A resent notification is forwarded again on purpose; a new one seen twice (replay overlap) is not. */
  private accept(notification: StreamNotification, onUpdate: (u: ForwarderUpdate) => void): void {
    const resent = notification.resent === true;
    if (!resent && this.seen.has(notification.id)) return;
    this.seen.add(notification.id);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
    if (this.opts.provider !== undefined && notification.provider !== this.opts.provider) return;
    if (this.opts.events && !eventMatches(this.opts.events, notification.type)) return;
    const p = this.forward(notification)
      .then((u) => (resent ? { ...u, resent: true } : u))
      .then(onUpdate);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Signs and sends one notification as its provider does; never rejects (a failure is a result). */
  async forward(n: StreamNotification): Promise<Extract<ForwarderUpdate, { type: 'delivery' }>> {
    const at = this.clock.now();
    const base = { type: 'delivery' as const, at, event_id: n.id, event_type: n.type, url: this.opts.forwardTo };
    const protocol = this.providers[n.provider]?.notifications;
    if (!protocol) {
      return { ...base, status: null, latency_ms: 0, error: `this paycli does not know provider "${n.provider}"`, acknowledged: false, response_excerpt: '' };
    }
    // The native provider signs listen's notifications with the merchant's webhook secret, as ever.
    const creds = n.provider === 'paycli' ? { ...this.credentials.paycli, webhook_secret: this.secret } : (this.credentials[n.provider] ?? {});
    const stored = { id: n.id, type: n.type, payload: n.payload, provider: n.provider, merchant_id: '', event_id: n.event_id, created: at };
    const signed = protocol.sign(stored, creds, { url: this.opts.forwardTo, kind: 'listen', endpoint_id: null, secret: null }, { timestampSec: Math.floor(at / 1000) });
    const started = performance.now();
    try {
      const res = await this.transport({
        url: this.opts.forwardTo,
        headers: { ...signed.headers, ...this.opts.headers },
        body: signed.body,
        timeoutMs: this.opts.timeoutMs ?? FORWARD_TIMEOUT_MS,
      });
      return {
        ...base,
        status: res.status,
        latency_ms: Math.round(performance.now() - started),
        error: null,
        acknowledged: protocol.isAcknowledged(res.status, res.body),
        response_excerpt: res.body.slice(0, EXCERPT_CHARS),
      };
    } catch (err) {
      return {
        ...base,
        status: null,
        latency_ms: Math.round(performance.now() - started),
        error: err instanceof Error ? err.message : String(err),
        acknowledged: false,
        response_excerpt: '',
      };
    }
  }
}
