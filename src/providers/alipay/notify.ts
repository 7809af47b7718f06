/**
 * Asynchronous notifications (异步通知) as Alipay sends them: a form-encoded POST of every non-empty field,
 * signed RSA2 over all of them but `sign` and `sign_type`; acknowledged only by the exact body `success`;
 * retried 4m, 10m, 10m, 1h, 2h, 6h, 15h after the first attempt (8 notifications over about 25 hours).
 */
import { createHash } from 'node:crypto';
import { signOutgoingFields } from './signing.js';
import type { NotificationProbe } from '../../webhooks/notification-protocol.js';

export const NOTIFY_RETRY_SCHEDULE_MS: readonly number[] = [4, 10, 10, 60, 120, 360, 900].map((min) => min * 60_000);

/** Alipay waits a few seconds per attempt. */
export const NOTIFY_TIMEOUT_MS = 10_000;

export const NOTIFY_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

export function isAcknowledged(status: number, body: string): boolean {
  return status === 200 && body === 'success';
}

export type NotifyProbe = NotificationProbe;

/**
 * Signs and form-encodes one notification. A `tampered` probe changes `total_amount` after signing; a
 * `stale` probe carries a valid signature over a `notify_time` a day old; a `forged` probe is the genuine
 * notification signed with `forgedKey` (the merchant's own app key, not Alipay's), so only a handler that
 * verifies with the Alipay public key refuses it.
 */
export function signNotification(
  fields: Record<string, string | undefined>,
  alipayPrivateKey: string,
  probe: NotifyProbe | null = null,
  forgedKey?: string,
): { headers: Record<string, string>; body: string; fields: Record<string, string> } {
  let input = fields;
  if (probe === 'stale' && fields.notify_time) {
    const t = Date.parse(`${fields.notify_time.replace(' ', 'T')}+08:00`) - 86_400_000;
    const d = new Date(t + 8 * 3600_000).toISOString();
    input = { ...fields, notify_time: `${d.slice(0, 10)} ${d.slice(11, 19)}` };
  }
  if (probe === 'forged' && !forgedKey) throw new Error('a forged Alipay notification needs the key to forge it with');
  const signed = signOutgoingFields(input, probe === 'forged' ? forgedKey! : alipayPrivateKey);
  if (probe === 'tampered') signed.total_amount = bump(signed.total_amount ?? '0.00');
  return { headers: { 'content-type': NOTIFY_CONTENT_TYPE }, body: new URLSearchParams(signed).toString(), fields: signed };
}

function bump(amount: string): string {
  const [int = '0', dec = '00'] = amount.split('.');
  return `${Number(int) + 1}.${dec}`;
}

/** The trade changes Alipay notifies (TRADE_SUCCESS, TRADE_CLOSED and refunds are on by default). */
export type TradeChange = 'paid' | 'closed' | 'refunded';

/** The domain event behind each notified trade change; other events send nothing. */
export const TRADE_CHANGE_OF_EVENT: Readonly<Record<string, TradeChange>> = {
  'payment.succeeded': 'paid',
  'payment.captured': 'paid',
  'payment.canceled': 'closed',
  'payment.failed': 'closed',
  'refund.succeeded': 'refunded',
};

/** An Alipay notify_id: 32 hex-like characters, the same on every retry of one notification. */
export function notifyIdFor(eventId: string): string {
  return createHash('md5').update(`alipay-notify:${eventId}`).digest('hex');
}
