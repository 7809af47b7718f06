/**
 * The native paycli provider's notifications: Standard Webhooks (spec v1), signed with the
 * `standardwebhooks` package so receivers can verify them with any Standard Webhooks library.
 */
import { createRequire } from 'node:module';
import { Webhook } from 'standardwebhooks';
import type { PaycliEvent } from '../../engine/types.js';
import type { NotificationProtocol, SignOptions, SignedNotification } from '../../webhooks/notification-protocol.js';

/**
 * Waits between attempts after a failure: 1s, 5s, 30s, 2m, 10m, 1h, 3h, 6h, 12h, 24h — eleven attempts
 * over about 46 hours. Quick early retries cover a receiver that restarts during development; the long tail
 * mirrors live PSPs (Stripe, Adyen, WeChat Pay retry for a day or more) so "my server was down overnight"
 * can be reproduced on a fake clock.
 */
export const PAYCLI_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  1_000,
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
  24 * 3_600_000,
]);

/** One attempt may take 10 s (Adyen's limit; Stripe allows more, WeChat Pay less). */
export const PAYCLI_NOTIFICATION_TIMEOUT_MS = 10_000;

/** How old a `stale` probe's timestamp is: twice the 5-minute tolerance of Standard Webhooks verifiers. */
const STALE_PROBE_AGE_SEC = 10 * 60;

function packageVersion(): string {
  try {
    // The same relative path works from src/providers/paycli and from dist/providers/paycli.
    const pkg = createRequire(import.meta.url)('../../../package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '1';
  } catch {
    return '1';
  }
}

const USER_AGENT = `paycli-sandbox/${packageVersion()}`;

// Decoding a secret is cheap but not free; the hot path signs thousands of notifications a second with a
// handful of secrets, so keep the decoded signers (bounded, in case secrets are rotated often).
const signers = new Map<string, Webhook>();
function signerFor(secret: string): Webhook {
  let signer = signers.get(secret);
  if (!signer) {
    if (signers.size >= 1_000) signers.clear();
    signer = new Webhook(secret);
    signers.set(secret, signer);
  }
  return signer;
}

/** Replaces each signature with one that cannot match: the first byte of the MAC flipped. */
function corruptSignature(header: string): string {
  return header
    .split(' ')
    .map((entry) => {
      const [version, mac = ''] = entry.split(',');
      const bytes = Buffer.from(mac, 'base64');
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
      return `${version},${bytes.toString('base64')}`;
    })
    .join(' ');
}

/** Serialises one event as the paycli notification body (no merchant_id: the destination knows whose it is). */
export function paycliNotificationBody(event: PaycliEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, created: event.created, data: { object: event.data.object } });
}

/**
 * The paycli notification protocol.
 *
 * @example
 * const { headers, body } = paycliNotificationProtocol.sign(event, endpoint.secret, { timestampSec: 1767225600 });
 * new Webhook(endpoint.secret).verify(body, headers); // what a receiver does
 */
export const paycliNotificationProtocol: NotificationProtocol = {
  name: 'paycli',

  sign(event: PaycliEvent, secret: string, opts: SignOptions): SignedNotification {
    const body = paycliNotificationBody(event);
    const timestampSec = opts.probe === 'stale' ? opts.timestampSec - STALE_PROBE_AGE_SEC : opts.timestampSec;
    // webhook-id is the event id, so every retry and every resend of an event carries the same id and
    // receivers can deduplicate on it.
    const signature = signerFor(secret).sign(event.id, new Date(timestampSec * 1000), body);
    return {
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'webhook-id': event.id,
        'webhook-timestamp': String(timestampSec),
        // The body stays genuine in a tampered probe: a receiver that fails to verify should not also
        // ingest made-up data into the developer's database.
        'webhook-signature': opts.probe === 'tampered' ? corruptSignature(signature) : signature,
      },
      body,
    };
  },

  isAcknowledged(status: number): boolean {
    return status >= 200 && status < 300;
  },

  defaultRetryScheduleMs: PAYCLI_RETRY_SCHEDULE_MS,
  defaultTimeoutMs: PAYCLI_NOTIFICATION_TIMEOUT_MS,
};
