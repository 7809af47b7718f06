/**
 * The Alipay notification protocol on the provider contract: which domain events Alipay notifies, the
 * unsigned fields (from the trade document and the domain payment or refund), and signing at send time
 * with the merchant's Alipay key, `notify_time` then, as Alipay stamps each attempt.
 */
import type { Payment, PaycliEvent } from '../../engine/types.js';
import type { CoreReader, NotificationContext, ProviderNotification, ProviderNotifications } from '../contract.js';
import type { AlipayCreds } from './credentials.js';
import { chinaTime } from './format.js';
import { mergeTrade, OUT_REQUEST_NO_KEY, TRADE_NO_KEY, TRADES } from './host-backend.js';
import type { AlipayRefund, AlipayTrade } from './model.js';
import { isAcknowledged, NOTIFY_RETRY_SCHEDULE_MS, NOTIFY_TIMEOUT_MS, notifyIdFor, signNotification, TRADE_CHANGE_OF_EVENT } from './notify.js';
import { notificationFields } from './wire.js';

/** The trade a payment of this provider is, read as Alipay would answer about it. */
export function tradeOfPayment(payment: Payment, read: CoreReader): AlipayTrade | null {
  const tradeNo = payment.metadata[TRADE_NO_KEY];
  const doc = tradeNo ? read.get<AlipayTrade>(TRADES, tradeNo) : undefined;
  return doc ? mergeTrade(doc, payment) : null;
}

function notificationsFor(event: PaycliEvent, ctx: NotificationContext): ProviderNotification[] {
  const change = TRADE_CHANGE_OF_EVENT[event.type];
  if (!change) return [];
  const found = tradeOfPayment(ctx.payment, ctx.read);
  // A QR code nobody scanned was never a trade Alipay knew: its expiry is not notified.
  if (!found || (change === 'closed' && !found.scanned)) return [];
  let trade = found;
  let refund: AlipayRefund | undefined;
  if (change === 'refunded') {
    const r = ctx.refund;
    if (!r) return [];
    refund = {
      id: r.id,
      trade_no: trade.trade_no,
      out_trade_no: trade.out_trade_no,
      out_request_no: r.metadata[OUT_REQUEST_NO_KEY] ?? trade.out_trade_no,
      merchant_id: r.merchant_id,
      refund_amount: r.amount,
      refund_reason: r.reason,
      status: 'REFUND_SUCCESS',
      refund_id: r.id,
      gmt_refund: r.created * 1000,
    };
    // The refund that repays everything ends the trade then: its TRADE_CLOSED carries that gmt_close, as
    // Alipay's does (the trade document read here may not have been updated yet in this transaction).
    if (trade.trade_status === 'TRADE_CLOSED' && trade.gmt_close === null) trade = { ...trade, gmt_close: refund.gmt_refund };
  }
  // Identity and notify_time are filled in when sent; the rest is fixed now.
  const fields = notificationFields(trade, { app_id: '', seller_id: '' }, { nowMs: event.created * 1000, notifyId: notifyIdFor(event.id), refund });
  delete fields.notify_time;
  delete fields.app_id;
  delete fields.auth_app_id;
  delete fields.seller_id;
  return [{ id: fields.notify_id!, type: trade.trade_status, payload: fields }];
}

export const alipayNotifications: ProviderNotifications<AlipayCreds> = {
  for: notificationsFor,
  targets: (_n, { payment }) => (payment.notify_url ? [{ url: payment.notify_url, kind: 'notify_url' }] : []),
  sign(n, creds, _destination, opts) {
    const fields = {
      ...(n.payload as Record<string, string | undefined>),
      notify_time: chinaTime(opts.timestampSec * 1000),
      app_id: creds.app_id,
      auth_app_id: creds.app_id,
      seller_id: creds.seller_id,
    };
    const { headers, body } = signNotification(fields, creds.alipay_private_key, opts.probe ?? null, creds.app_private_key_pkcs1);
    return { headers, body };
  },
  isAcknowledged,
  retryScheduleMs: NOTIFY_RETRY_SCHEDULE_MS,
  timeoutMs: NOTIFY_TIMEOUT_MS,
};
