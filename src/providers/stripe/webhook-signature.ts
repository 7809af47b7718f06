/**
 * Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over `${t}.${body}`,
 * keyed with the whole endpoint secret string, `whsec_` included (stripe-node's `constructEvent` does
 * exactly this and accepts any matching `v1`).
 */
import { createHmac } from 'node:crypto';
import type { NotificationProbe } from '../../webhooks/notification-protocol.js';

/** How old a `stale` probe's timestamp is: past constructEvent's 300 s tolerance with room to spare. */
export const STALE_PROBE_AGE_SEC = 10 * 60;

export function stripeSignature(secret: string, timestampSec: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSec}.${body}`, 'utf8').digest('hex');
}

export type SignatureProbe = NotificationProbe;

/**
 * The `Stripe-Signature` header for one delivery. A `tampered` probe carries a MAC that cannot match; a
 * `stale` one is correctly signed with a timestamp beyond the tolerance, so only a receiver that checks the
 * age rejects it; a `forged` one is a valid MAC over the genuine body keyed with another secret than the
 * endpoint's, so only a receiver that verifies with its own endpoint secret rejects it.
 */
export function stripeSignatureHeader(secret: string, timestampSec: number, body: string, probe?: SignatureProbe): string {
  const t = probe === 'stale' ? timestampSec - STALE_PROBE_AGE_SEC : timestampSec;
  let mac = stripeSignature(probe === 'forged' ? forgedSecret(secret) : secret, t, body);
  if (probe === 'tampered') mac = ((parseInt(mac.slice(0, 1), 16) ^ 0xf).toString(16)) + mac.slice(1);
  return `t=${t},v1=${mac}`;
}

/** Another endpoint's secret, of the same shape: what a `forged` probe signs with. */
function forgedSecret(secret: string): string {
  return `whsec_${createHmac('sha256', 'paycli forged probe').update(secret).digest('base64url').slice(0, 32)}`;
}
