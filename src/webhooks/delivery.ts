/**
 * The records of outbound notification delivery: what chaos to apply, where a notification goes, and the
 * `deliveries` documents (one per event × destination copy) with every attempt.
 */
import type { NotificationProbe, SignOptions, SignedNotification } from './notification-protocol.js';

/**
 * One notification of a domain event in its provider's protocol, unsigned, as the store keeps it
 * (`notifications`); every delivery of it (retries, duplicates, resends) signs it afresh at send time.
 */
export interface StoredNotification {
  /** Unique across the store (the native event id, a Stripe `evt_…`); receivers deduplicate on it. */
  id: string;
  /** The provider's own type name (`payment.succeeded`, `charge.refunded`, `TRANSACTION.SUCCESS`, …). */
  type: string;
  /** The unsigned body, in whatever shape the provider's `sign` turns into bytes. */
  payload: unknown;
  provider: string;
  merchant_id: string;
  /** The domain event it came from. */
  event_id: string;
  /** Milliseconds since the epoch (from the clock). */
  created: number;
}

/**
 * What the dispatcher asks per delivery: the bytes of an attempt (its provider's protocol, with that
 * provider's credentials looked up now), the acknowledgement rule, and the retry schedule and timeout.
 */
export interface DeliverySigner {
  sign(delivery: Delivery, notification: StoredNotification, opts: SignOptions): SignedNotification;
  isAcknowledged(delivery: Delivery, status: number, body: string): boolean;
  retryScheduleMs(delivery: Delivery): readonly number[];
  timeoutMs(delivery: Delivery): number;
}

/** Callback chaos for one notification, to test that a receiver copes with what real PSPs do. */
export interface DeliveryChaos {
  /** Send the first attempt this many (clock) milliseconds late. */
  delayMs?: number;
  /** Extra copies of the notification, each its own delivery with the same `webhook-id`. */
  duplicates?: number;
  /** Lose the notification: recorded as a `dropped` delivery, nothing is sent. */
  drop?: boolean;
  /** The first n attempts fail on the PSP side without reaching the app; retries follow the schedule. */
  failFirst?: number;
  /** Also send one deliberately bad copy that the app must reject; it is never retried. */
  probe?: NotificationProbe;
}

/** Where a delivery goes. Its signing secret is not here: the signer looks credentials up at send time. */
export interface DeliveryTarget {
  url: string;
  /** payment's notify_url, a registered webhook endpoint, --forward-to, or a `listen` session. */
  kind: 'notify_url' | 'endpoint' | 'forward' | 'listen';
  endpoint_id?: string | null;
}

export interface DeliveryAttempt {
  /** 1 for the first attempt. */
  number: number;
  /** When the attempt started, in milliseconds since the epoch (from the clock). */
  at: number;
  /** The HTTP status, or null when no response came (error set). */
  status: number | null;
  latency_ms: number;
  /** `timeout`, `ECONNREFUSED 127.0.0.1:4000`, `simulated failure`, … ; null when a response came. */
  error: string | null;
  /** The first 500 characters of the response body. */
  response_excerpt: string;
  /** Whether the response is an acknowledgement under the provider's rule (what the app did). */
  acknowledged: boolean;
  /** A failFirst attempt: failed inside the PSP, never sent. */
  simulated: boolean;
  /** What was sent, exactly (null when nothing was: a simulated failure, an unsignable event). */
  request?: { headers: Record<string, string>; body: string } | null;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'dropped';

/**
 * One notification of one event to one destination. All times in this document are milliseconds since the
 * epoch (unlike the domain objects' Unix seconds): delays and retries need sub-second precision.
 */
export interface Delivery {
  /** `dlv_…` */
  id: string;
  object: 'delivery';
  merchant_id: string;
  /** The provider whose protocol signs and judges every attempt. */
  provider: string;
  /** The stored notification (`notifications`) this delivers. */
  notification_id: string;
  /** The domain event behind it. */
  event_id: string;
  /** The notification's type in its provider's protocol. */
  event_type: string;
  url: string;
  kind: DeliveryTarget['kind'];
  endpoint_id: string | null;
  /**
   * pending: an attempt is due at next_attempt_at. succeeded: acknowledged (for a probe: rejected by the
   * app). failed: retries exhausted or stopped by HTTP 410 (for a probe: accepted, or no answer).
   * dropped: chaos lost it.
   */
  status: DeliveryStatus;
  probe: NotificationProbe | null;
  attempts: DeliveryAttempt[];
  next_attempt_at: number | null;
  created: number;
  fail_first: number;
  /** When its pending retries were canceled (it is then `failed`); absent otherwise. */
  canceled_at?: number;
}

/** What the dispatcher reports to listeners (the sandbox log, `listen`, scenarios). */
export type DeliveryUpdate =
  | { type: 'attempt'; delivery: Delivery; attempt: DeliveryAttempt }
  | { type: 'scheduled' | 'exhausted' | 'dropped'; delivery: Delivery };

/** A delivery as shown to users and over the API. */
export type PublicDelivery = Delivery;

/**
 * A delivery for users and the API. Deliveries no longer hold secrets, but those in data files written by
 * earlier versions may still carry one: never show it.
 */
export function toPublicDelivery(delivery: Delivery): PublicDelivery {
  if (!('secret' in delivery)) return delivery;
  const { secret: _secret, ...rest } = delivery as Delivery & { secret?: unknown };
  return rest;
}

export interface TransportRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface TransportResponse {
  status: number;
  body: string;
}

/**
 * Sends one POST. Rejects when no response arrives; the error's `code` (e.g. `ECONNREFUSED`, `timeout`)
 * is what gets recorded.
 */
export type Transport = (req: TransportRequest) => Promise<TransportResponse>;
