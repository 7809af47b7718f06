/**
 * The notification types Alipay sends (a notification's type is the trade_status it reports), kept apart
 * from the protocol code so scenario files can be validated without loading it: a payment and a partial
 * refund notify TRADE_SUCCESS; a close, a failed payment and a full refund notify TRADE_CLOSED.
 * TRADE_FINISHED (the refund period over) is never reached in the sandbox, so scenarios cannot wait for it.
 */
export const ALIPAY_NOTIFICATION_TYPES: readonly string[] = ['TRADE_SUCCESS', 'TRADE_CLOSED'];

/** Why a `stale` signature probe means nothing for Alipay, as scenario validation says it. */
export const ALIPAY_STALE_PROBE =
  'Alipay notifications carry no timestamp receivers are told to check (notify_time is signed, but Alipay sets no freshness rule), so there is no stale copy to reject: use signature: tampered.';
