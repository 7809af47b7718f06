/**
 * How Stripe events are sent: the exact bytes (the event, pretty-printed as Stripe sends it), the
 * `Stripe-Signature` header with the endpoint's own secret (or the `stripe listen`-style secret for
 * forwarding), any 2xx as the acknowledgement, and Stripe's retry curve compressed into hours.
 */
import { createRequire } from 'node:module';
import { stripeSignatureHeader, type SignatureProbe } from './webhook-signature.js';

/**
 * Waits between attempts after a failure. Live Stripe retries with exponential back-off for three days;
 * this keeps its shape (quick first retries, then hours) compressed into about 12 hours, so "my endpoint
 * was down" plays out on a fake clock in a scenario and within a working day on a real one.
 */
export const STRIPE_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  30 * 60_000,
  60 * 60_000,
  3 * 3_600_000,
  6 * 3_600_000,
]);

/** How long an endpoint may take to answer (Stripe's own webhook timeout is in this range). */
export const STRIPE_NOTIFICATION_TIMEOUT_MS = 20_000;

function stripeUserAgent(): string {
  try {
    const pkg = createRequire(import.meta.url)('../../../package.json') as { version?: unknown };
    return `Stripe/1.0 (+https://stripe.com/docs/webhooks) paycli-sandbox/${typeof pkg.version === 'string' ? pkg.version : '1'}`;
  } catch {
    return 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';
  }
}
const USER_AGENT = stripeUserAgent();

/** The body and headers of one delivery of an event payload. */
export function signStripeEvent(payload: unknown, secret: string, timestampSec: number, probe?: SignatureProbe | null): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(payload, null, 2);
  return {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': USER_AGENT,
      'stripe-signature': stripeSignatureHeader(secret, timestampSec, body, probe ?? undefined),
    },
    body,
  };
}

export const isStripeAcknowledged = (status: number): boolean => status >= 200 && status < 300;
