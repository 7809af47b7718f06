/**
 * The native paycli provider's notifications: Standard Webhooks (spec v1), signed with the
 * `standardwebhooks` package so receivers can verify them with any Standard Webhooks library.
 */
import { createRequire } from 'node:module';
import { Webhook } from 'standardwebhooks';
import type { NativeKeys } from '../../core/credentials.js';
import { eventMatches } from '../../engine/events.js';
import { EVENT_TYPES, type PaycliEvent, type WebhookEndpoint } from '../../engine/types.js';
import type { NotificationProtocol, SignOptions, SignedNotification } from '../../webhooks/notification-protocol.js';
import type { NotificationTarget, ProviderNotifications } from '../contract.js';
import { toNativeEventObject, type BuyerUrl } from './serialize.js';
import { createHash } from 'node:crypto';

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

/** Another endpoint's secret, of the Standard Webhooks shape: what a `forged` probe signs with. */
function forgedSecret(secret: string): string {
  return `whsec_${createHash('sha256').update(`paycli forged probe ${secret}`).digest('base64')}`;
}

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

/** The paycli notification payload of one event (no merchant_id: the destination knows whose it is). */
export function paycliNotificationPayload(event: PaycliEvent, buyerUrl: BuyerUrl): { id: string; type: string; created: number; data: { object: unknown } } {
  return { id: event.id, type: event.type, created: event.created, data: { object: toNativeEventObject(event, buyerUrl) } };
}

/** Serialises one event as the paycli notification body. */
export function paycliNotificationBody(event: PaycliEvent, buyerUrl: BuyerUrl): string {
  return JSON.stringify(paycliNotificationPayload(event, buyerUrl));
}

/** Signs a native body: Standard Webhooks headers over the exact bytes. */
function signBody(id: string, body: string, secret: string, opts: SignOptions): SignedNotification {
  const timestampSec = opts.probe === 'stale' ? opts.timestampSec - STALE_PROBE_AGE_SEC : opts.timestampSec;
  // webhook-id is the event id, so every retry and every resend of an event carries the same id and
  // receivers can deduplicate on it.
  const signature = signerFor(opts.probe === 'forged' ? forgedSecret(secret) : secret).sign(id, new Date(timestampSec * 1000), body);
  return {
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': id,
      'webhook-timestamp': String(timestampSec),
      // The body stays genuine in a tampered probe: a receiver that fails to verify should not also
      // ingest made-up data into the developer's database.
      'webhook-signature': opts.probe === 'tampered' ? corruptSignature(signature) : signature,
    },
    body,
  };
}

/**
 * The paycli notification protocol, its payment `next_action` links pointing at `buyerUrl`.
 *
 * @example
 * const protocol = paycliNotificationProtocol((id) => `${sandboxUrl}/_sandbox/buyer/${id}`);
 * const { headers, body } = protocol.sign(event, endpoint.secret, { timestampSec: 1767225600 });
 * new Webhook(endpoint.secret).verify(body, headers); // what a receiver does
 */
export const paycliNotificationProtocol = (buyerUrl: BuyerUrl): NotificationProtocol => ({
  name: 'paycli',

  sign(event: PaycliEvent, secret: string, opts: SignOptions): SignedNotification {
    return signBody(event.id, paycliNotificationBody(event, buyerUrl), secret, opts);
  },

  isAcknowledged(status: number): boolean {
    return status >= 200 && status < 300;
  },

  defaultRetryScheduleMs: PAYCLI_RETRY_SCHEDULE_MS,
  defaultTimeoutMs: PAYCLI_NOTIFICATION_TIMEOUT_MS,
});

/**
 * The native provider's credentials for a merchant (`NativeKeys`): its API keys and the webhook signing
 * secret, which signs notify_url, --forward-to and `listen` notifications (endpoints have their own).
 */
export interface PaycliCredentials extends NativeKeys, Record<string, unknown> {}

const NATIVE_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/** How the native provider notifies: one notification per native event, to notify_url and matching endpoints. */
export const paycliNotifications: ProviderNotifications<PaycliCredentials> = {
  // The notification id is the event id (webhook-id), as it always was. Domain events the native API does
  // not have (refund.pending) notify nobody.
  for: (event, ctx) => (NATIVE_TYPES.has(event.type) ? [{ id: event.id, type: event.type, payload: paycliNotificationPayload(event, ctx.buyerUrl) }] : []),

  targets(notification, { payment, merchant, read }) {
    const targets: NotificationTarget[] = [];
    if (payment.notify_url) targets.push({ url: payment.notify_url, kind: 'notify_url' });
    // Most sandboxes have no endpoints: skip listing and filtering an empty collection for every event.
    if (read.count('webhook_endpoints') > 0) {
      for (const e of read.list<WebhookEndpoint>('webhook_endpoints')) {
        if (e.merchant_id === merchant.id && eventMatches(e.enabled_events, notification.type)) targets.push({ url: e.url, kind: 'endpoint', endpoint_id: e.id });
      }
    }
    return targets;
  },

  endpointSecret: (endpointId, read) => read.get<WebhookEndpoint>('webhook_endpoints', endpointId)?.secret ?? null,

  sign: (notification, creds, destination, opts) => signBody(notification.id, JSON.stringify(notification.payload), destination.secret ?? creds.webhook_secret, opts),

  isAcknowledged: (status) => status >= 200 && status < 300,
  retryScheduleMs: PAYCLI_RETRY_SCHEDULE_MS,
  timeoutMs: PAYCLI_NOTIFICATION_TIMEOUT_MS,
};
