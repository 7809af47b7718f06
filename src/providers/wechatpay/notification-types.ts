/**
 * The notification types WeChat Pay sends (`event_type`), in a module of their own so that validating a
 * scenario file that names them loads no protocol code.
 */
export const WECHATPAY_NOTIFICATION_TYPES = ['TRANSACTION.SUCCESS', 'REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED'] as const;

export type WechatEventType = (typeof WECHATPAY_NOTIFICATION_TYPES)[number];
