/**
 * `paycli listen --provider stripe`: what `stripe listen --forward-to` does against Stripe. It follows the
 * Stripe emulation's event list (`GET /v1/events?ending_before=<newest seen>`, the API stripe-node uses) and
 * forwards each new event to the app, signed `Stripe-Signature` with the provider's webhook secret, so the
 * app's `stripe.webhooks.constructEvent` verifies it. One attempt per event, like Stripe CLI. Prints
 * nothing: it reports typed updates.
 */
import { performance } from 'node:perf_hooks';
import { PaycliError } from '../../errors.js';
import { signStripeEvent, isStripeAcknowledged } from './notification-signing.js';
import { STRIPE_EVENT_TYPES } from './stripe-events.js';

export interface StripeForwarderOptions {
  /** The Stripe emulation's base URL and secret key. */
  url: string;
  secretKey: string;
  /** Signs what is forwarded (the provider's `webhook_secret`). */
  webhookSecret: string;
  forwardTo: string;
  /** Stripe event types to forward (`payment_intent.*` wildcards); null for all. */
  events: readonly string[] | null;
  headers?: Record<string, string>;
  /** How often to look for new events. */
  pollMs?: number;
  timeoutMs?: number;
}

export type StripeForwarderUpdate =
  | { type: 'ready'; stripe_url: string; forward_to: string; webhook_secret: string }
  | { type: 'delivery'; at: number; event_id: string; event_type: string; url: string; status: number | null; latency_ms: number; error: string | null; acknowledged: boolean }
  | { type: 'unreachable'; stripe_url: string; reason: string };

interface EventLike {
  id: string;
  type: string;
  [k: string]: unknown;
}

const matches = (filters: readonly string[] | null, type: string) =>
  !filters || filters.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));

export class StripeForwarder {
  private newest: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private polling: Promise<void> = Promise.resolve();
  private unreachable = false;

  constructor(private readonly opts: StripeForwarderOptions) {}

  private async list(query: string): Promise<EventLike[]> {
    const res = await fetch(`${this.opts.url}/v1/events?${query}`, { headers: { authorization: `Bearer ${this.opts.secretKey}` } });
    const body = (await res.json()) as { data?: EventLike[]; error?: { message?: string } };
    if (!res.ok || !body.data) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
    return body.data;
  }

  /** Starts after the newest event that exists now; resolves with the `ready` update. */
  async start(onUpdate: (u: StripeForwarderUpdate) => void): Promise<Extract<StripeForwarderUpdate, { type: 'ready' }>> {
    const latest = await this.list('limit=1');
    this.newest = latest[0]?.id ?? null;
    const ready = { type: 'ready' as const, stripe_url: this.opts.url, forward_to: this.opts.forwardTo, webhook_secret: this.opts.webhookSecret };
    onUpdate(ready);
    const tick = () => {
      if (this.stopped) return;
      this.polling = this.poll(onUpdate).finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.opts.pollMs ?? 250);
      });
    };
    tick();
    return ready;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }

  private async poll(onUpdate: (u: StripeForwarderUpdate) => void): Promise<void> {
    let fresh: EventLike[];
    try {
      // Newest first, the ones right after the cursor; oldest first to forward in order.
      fresh = (await this.list(this.newest ? `limit=100&ending_before=${encodeURIComponent(this.newest)}` : 'limit=100')).reverse();
      this.unreachable = false;
    } catch (err) {
      if (!this.unreachable) onUpdate({ type: 'unreachable', stripe_url: this.opts.url, reason: err instanceof Error ? err.message : String(err) });
      this.unreachable = true;
      return;
    }
    for (const event of fresh) {
      this.newest = event.id;
      if (matches(this.opts.events, event.type)) onUpdate(await this.forward(event));
    }
  }

  /** Signs and sends one event; never rejects (a failure is a result). */
  async forward(event: EventLike): Promise<Extract<StripeForwarderUpdate, { type: 'delivery' }>> {
    const at = Date.now();
    const signed = signStripeEvent(event, this.opts.webhookSecret, Math.floor(at / 1000));
    const base = { type: 'delivery' as const, at, event_id: event.id, event_type: event.type, url: this.opts.forwardTo };
    const started = performance.now();
    try {
      const res = await fetch(this.opts.forwardTo, {
        method: 'POST',
        headers: { ...signed.headers, ...this.opts.headers },
        body: signed.body,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
      await res.arrayBuffer();
      return { ...base, status: res.status, latency_ms: Math.round(performance.now() - started), error: null, acknowledged: isStripeAcknowledged(res.status) };
    } catch (err) {
      return { ...base, status: null, latency_ms: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err), acknowledged: false };
    }
  }
}

/** `--events` for Stripe: its event names (STRIPE_EVENT_TYPES), `*`, or `prefix.*`; null for all. */
export function parseStripeEventFilter(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of list) {
    const known = f === '*' || (STRIPE_EVENT_TYPES as readonly string[]).includes(f) || (f.endsWith('.*') && STRIPE_EVENT_TYPES.some((t) => t.startsWith(f.slice(0, -1))));
    if (!known) {
      throw new PaycliError('invalid_usage', `Unknown Stripe event type "${f}" in --events.`, { hint: `e.g. payment_intent.*, charge.refunded; the emulation sends ${STRIPE_EVENT_TYPES.join(', ')}.` });
    }
  }
  return list;
}
