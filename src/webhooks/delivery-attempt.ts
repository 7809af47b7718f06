/**
 * One delivery attempt: sign the stored notification in its provider's protocol, send it through the
 * transport and record the outcome (status, latency, the start of the answer, whether the provider
 * counts it as acknowledged). A failure to send is an attempt like any other; the dispatcher
 * (dispatcher.ts) decides what follows.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { Delivery, DeliveryAttempt, DeliverySigner, StoredNotification, Transport } from './delivery.js';

const EXCERPT_CHARS = 500;

export interface AttemptDeps {
  clock: Clock;
  store: Store;
  signer: DeliverySigner;
  transport: Transport;
  /** Overrides the provider's per-attempt timeout. */
  timeoutMs: number | null;
}

/** Makes one attempt; `fatal` marks failures no retry can fix (the event is gone, the secret is unusable). */
export async function makeAttempt(deps: AttemptDeps, delivery: Delivery, number: number): Promise<{ attempt: DeliveryAttempt; fatal: boolean }> {
  const at = deps.clock.now();
  const failed = (error: string, simulated: boolean): DeliveryAttempt => ({
    number,
    at,
    status: null,
    latency_ms: 0,
    error,
    response_excerpt: '',
    acknowledged: false,
    simulated,
    request: null,
  });
  if (number <= delivery.fail_first) return { attempt: failed('simulated failure', true), fatal: false };
  const notification = deps.store.get<StoredNotification>('notifications', delivery.notification_id);
  if (!notification) return { attempt: failed(`notification ${delivery.notification_id} of event ${delivery.event_id} is no longer in the store`, false), fatal: true };
  let signed;
  let timeoutMs: number;
  try {
    signed = deps.signer.sign(delivery, notification, { timestampSec: Math.floor(at / 1000), probe: delivery.probe });
    timeoutMs = deps.timeoutMs ?? deps.signer.timeoutMs(delivery);
  } catch (err) {
    return { attempt: failed(`cannot sign: ${describeError(err)}`, false), fatal: true };
  }
  const request = { headers: signed.headers, body: signed.body };
  const started = performance.now();
  try {
    const res = await deps.transport({ url: delivery.url, headers: signed.headers, body: signed.body, timeoutMs });
    const attempt: DeliveryAttempt = {
      number,
      at,
      status: res.status,
      latency_ms: Math.round(performance.now() - started),
      error: null,
      response_excerpt: res.body.slice(0, EXCERPT_CHARS),
      acknowledged: deps.signer.isAcknowledged(delivery, res.status, res.body),
      simulated: false,
      request,
    };
    return { attempt, fatal: false };
  } catch (err) {
    const attempt = { ...failed(describeError(err), false), request };
    attempt.latency_ms = Math.round(performance.now() - started);
    return { attempt, fatal: false };
  }
}

/** `ECONNREFUSED 127.0.0.1:4000`, `timeout`, or the message of whatever a custom transport threw. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !err.message.includes(code) ? `${code} ${err.message}` : err.message;
}
