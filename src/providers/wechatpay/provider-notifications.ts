/**
 * WeChat Pay's half of the notification contract: `TRANSACTION.SUCCESS` when a payer pays,
 * `REFUND.SUCCESS` / `REFUND.ABNORMAL` when a refund settles, each to the order's (or the refund's)
 * notify_url, encrypted and signed at send time with the merchant's keys, acknowledged by 200 or 204
 * within 5 s, retried on WeChat's schedule.
 */
import { createHash } from 'node:crypto';
import type { ProviderNotification, ProviderNotifications } from '../contract.js';
import type { SigningMode, WechatpayCredentials } from './credentials.js';
import { newRequestId } from './signing.js';
import { ORDERS, REFUNDS, orderView, refundView, refundsOf, type OrderDoc, type RefundDoc } from './records.js';
import {
  NOTIFY_TIMEOUT_MS,
  RETRY_SCHEDULE_MS,
  isAcknowledged,
  notificationBody,
  refundNotification,
  signNotification,
  transactionNotification,
  type WechatNotification,
} from './notifications.js';

/** What is stored per notification: the plaintext notification and where it goes. */
interface Payload {
  notification: WechatNotification;
  notify_url: string | null;
}

/** WeChat notification ids are UUIDs; derived from the domain event's id, so a replay makes the same ones. */
function uuidFrom(eventId: string): string {
  const h = createHash('sha256').update(eventId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function wechatpayNotifications(signing: SigningMode): ProviderNotifications<WechatpayCredentials> {
  return {
  for(event, ctx) {
    const doc = ctx.read.get<OrderDoc>(ORDERS, ctx.payment.id);
    if (!doc) return [];
    const nowMs = event.created * 1000;
    const refunds = refundsOf(doc, ctx.read);
    if (event.type === 'payment.succeeded') {
      const order = orderView(doc, ctx.payment, refunds, nowMs);
      const payload: Payload = { notification: transactionNotification(uuidFrom(event.id), order, nowMs), notify_url: doc.notify_url || null };
      return [{ id: payload.notification.id, type: 'TRANSACTION.SUCCESS', payload } satisfies ProviderNotification];
    }
    if ((event.type === 'refund.succeeded' || event.type === 'refund.failed') && ctx.refund) {
      const refund = ctx.refund;
      // The domain refund carries its out_refund_no, which keys WeChat's record of it.
      const refundDoc = ctx.read.get<RefundDoc>(REFUNDS, `${doc.mchid}:${refund.metadata.out_refund_no ?? ''}`);
      if (!refundDoc) return [];
      const view = refundView(refundDoc, refund, doc, ctx.payment.amount);
      const n = refundNotification(uuidFrom(event.id), view, nowMs);
      const payload: Payload = { notification: n, notify_url: refundDoc.notify_url ?? (doc.notify_url || null) };
      return [{ id: n.id, type: n.event_type, payload }];
    }
    return [];
  },

  targets(notification) {
    const url = (notification.payload as Payload).notify_url;
    return url ? [{ url, kind: 'notify_url' }] : [];
  },

  sign(stored, creds, _destination, opts) {
    const { notification } = stored.payload as Payload;
    const body = notificationBody(notification, creds.apiv3_key);
    // Credentials handed out by a sandbox (`served`, for listen) say which key it signs with.
    const served = (creds as { signing?: unknown }).signing;
    const mode: SigningMode = served === 'public-key' || served === 'platform-certificate' ? served : signing;
    return signNotification(body, creds, mode, { timestampSec: opts.timestampSec, probe: opts.probe ?? null, requestId: newRequestId() });
  },

  isAcknowledged: (status) => isAcknowledged(status),
  retryScheduleMs: RETRY_SCHEDULE_MS,
  timeoutMs: NOTIFY_TIMEOUT_MS,
  };
}
