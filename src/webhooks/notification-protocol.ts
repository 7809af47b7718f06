/**
 * What a provider must say about its outbound notifications: how one event is serialised and signed for one
 * destination, what counts as an acknowledgement, and its retry schedule and timeout. The dispatcher
 * (`dispatcher.ts`) does the sending, retrying and recording for every provider alike.
 */
import type { PaycliEvent } from '../engine/types.js';

/** One notification ready to POST: headers and the exact raw body the signature covers. */
export interface SignedNotification {
  headers: Record<string, string>;
  body: string;
}

/**
 * A deliberately bad copy of a notification, sent to check that the receiver verifies signatures:
 * `tampered` carries a signature that does not match, `stale` a valid signature over an old timestamp,
 * `forged` the genuine body signed with a key (or secret) other than the one the receiver must verify
 * with, so only a receiver that verifies with the right key refuses it.
 */
export type NotificationProbe = 'tampered' | 'stale' | 'forged';

/** Every probe, for schemas. */
export const NOTIFICATION_PROBES = ['tampered', 'stale', 'forged'] as const satisfies readonly NotificationProbe[];

export interface SignOptions {
  /** Unix seconds at send time (from the injected clock). */
  timestampSec: number;
  probe?: NotificationProbe | null;
}

export interface NotificationProtocol {
  /** The provider's name, e.g. `paycli`. */
  name: string;
  /** Serialises and signs one event for one destination. */
  sign(event: PaycliEvent, secret: string, opts: SignOptions): SignedNotification;
  /** The provider's acknowledgement rule. */
  isAcknowledged(status: number, body: string): boolean;
  /** Wait before retry n (attempt n failed → wait `[n - 1]`); past the end the delivery has failed. */
  defaultRetryScheduleMs: readonly number[];
  /** How long one attempt may take before it counts as failed. */
  defaultTimeoutMs: number;
}
