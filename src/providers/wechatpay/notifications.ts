/**
 * Notifications as WeChat Pay sends them: compact JSON whose `resource` is the transaction or refund
 * encrypted with AEAD_AES_256_GCM under the merchant's APIv3 key, signed with the `Wechatpay-*` headers.
 * The body is compact so that `JSON.stringify(JSON.parse(body)) === body`: wechatpay-node-v3 re-serialises
 * a parsed body before verifying it.
 */
import { aeadEncrypt } from './aead.js';
import type { SigningMode, WechatpayCredentials } from './credentials.js';
import type { WechatEventType } from './notification-types.js';
import { wechatpayHeaders } from './signing.js';
import { chinaTime, toRefundResource, toTransaction, type WechatOrder, type WechatRefund } from './wire.js';
import type { NotificationProbe } from '../../webhooks/notification-protocol.js';


const SUMMARY: Record<WechatEventType, string> = {
  'TRANSACTION.SUCCESS': '支付成功',
  'REFUND.SUCCESS': '退款成功',
  'REFUND.ABNORMAL': '退款异常',
  'REFUND.CLOSED': '退款关闭',
};

/** What a notification says, before encryption. */
export interface WechatNotification {
  id: string;
  event_type: WechatEventType;
  create_ms: number;
  original_type: 'transaction' | 'refund';
  resource: Record<string, unknown>;
}

/** WeChat's retry schedule after a failed attempt (24 h 4 min in all). */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
].map((s) => s * 1000);
/** A receiver must answer within 5 s. */
export const NOTIFY_TIMEOUT_MS = 5000;

/** Acknowledged by HTTP 200 or 204; the body does not matter. */
export function isAcknowledged(status: number): boolean {
  return status === 200 || status === 204;
}

export function transactionNotification(id: string, order: WechatOrder, nowMs: number): WechatNotification {
  return { id, event_type: 'TRANSACTION.SUCCESS', create_ms: nowMs, original_type: 'transaction', resource: toTransaction(order) };
}

export function refundNotification(id: string, refund: WechatRefund, nowMs: number): WechatNotification {
  const event_type: WechatEventType = refund.status === 'SUCCESS' ? 'REFUND.SUCCESS' : refund.status === 'CLOSED' ? 'REFUND.CLOSED' : 'REFUND.ABNORMAL';
  return { id, event_type, create_ms: nowMs, original_type: 'refund', resource: toRefundResource(refund) };
}

/** The notification body: the resource encrypted with the APIv3 key, `associated_data` = its type. */
export function notificationBody(n: WechatNotification, apiv3Key: string, aeadNonce?: string): string {
  const encrypted = aeadEncrypt(JSON.stringify(n.resource), apiv3Key, n.original_type, aeadNonce);
  return JSON.stringify({
    id: n.id,
    create_time: chinaTime(n.create_ms),
    resource_type: 'encrypt-resource',
    event_type: n.event_type,
    summary: SUMMARY[n.event_type],
    resource: {
      original_type: n.original_type,
      algorithm: encrypted.algorithm,
      ciphertext: encrypted.ciphertext,
      associated_data: encrypted.associated_data,
      nonce: encrypted.nonce,
    },
  });
}

/**
 * What WeChat Pay's notifier calls itself: the User-Agent merchants capture on its callbacks. Receivers
 * should not rely on it (it is no proof of origin; the signature is), but firewall and logging rules do.
 */
export const NOTIFIER_USER_AGENT = 'Mozilla/4.0';

export interface NotificationSignOptions {
  timestampSec: number;
  /**
   * `tampered`: the ciphertext is altered after signing; `stale`: validly signed 10 minutes in the past;
   * `forged`: the genuine body signed with a key other than the one `Wechatpay-Serial` names (decrypting
   * it succeeds, so only verifying with the right key refuses it).
   */
  probe?: NotificationProbe | null;
  /** WeChat's id for this one request (a new one per attempt), as its API answers carry. */
  requestId: string;
}

/** Flips one character of the ciphertext, keeping it valid base64 of the same length. */
function tamper(body: string): string {
  return body.replace(/"ciphertext":"(.)/, (_m, c: string) => `"ciphertext":"${c === 'A' ? 'B' : 'A'}`);
}

export function signNotification(
  body: string,
  creds: WechatpayCredentials,
  mode: SigningMode,
  opts: NotificationSignOptions,
): { headers: Record<string, string>; body: string } {
  const timestampSec = opts.probe === 'stale' ? opts.timestampSec - 600 : opts.timestampSec;
  // The headers WeChat Pay sends with a callback: the request's id, its notifier's User-Agent, the JSON
  // body's type and the five `Wechatpay-*` signature headers (Signature-Type included).
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': NOTIFIER_USER_AGENT,
    'Request-ID': opts.requestId,
    ...wechatpayHeaders(body, creds, mode, { timestampSec, forgeSignature: opts.probe === 'forged' }),
  };
  return { headers, body: opts.probe === 'tampered' ? tamper(body) : body };
}
