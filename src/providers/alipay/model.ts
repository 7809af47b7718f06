/**
 * Alipay's own documents, kept beside the domain's payments and refunds: a trade carries what an Alipay
 * merchant reads (trade_no, out_trade_no, subject, buyer ids, gmt_* times) and a refund carries its
 * `out_request_no`, the idempotency key Alipay refunds are identified by. Amounts are fen (integers).
 */

export type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';

/** How the trade was started: decides the product code and how the buyer reaches it. */
export type TradeChannel = 'precreate' | 'page' | 'wap' | 'app' | 'bar_code' | 'create';

export const PRODUCT_CODE: Record<TradeChannel, string> = {
  precreate: 'FACE_TO_FACE_PAYMENT',
  bar_code: 'FACE_TO_FACE_PAYMENT',
  create: 'FACE_TO_FACE_PAYMENT',
  page: 'FAST_INSTANT_TRADE_PAY',
  wap: 'QUICK_WAP_WAY',
  app: 'QUICK_MSECURITY_PAY',
};

export interface AlipayTrade {
  /** Alipay's trade number, also the document id. */
  id: string;
  trade_no: string;
  out_trade_no: string;
  merchant_id: string;
  app_id: string;
  /** The domain payment this trade is. */
  payment_id: string | null;
  channel: TradeChannel;
  product_code: string;
  subject: string;
  body: string | null;
  total_amount: number;
  trade_status: TradeStatus;
  /**
   * A precreated QR code is not a trade Alipay knows until a buyer scans it: query, close and refund
   * answer ACQ.TRADE_NOT_EXIST before that.
   */
  scanned: boolean;
  qr_code: string | null;
  notify_url: string | null;
  return_url: string | null;
  passback_params: string | null;
  buyer_id: string | null;
  buyer_logon_id: string | null;
  /** Cumulative refunded amount. */
  refund_fee: number;
  /** Why the trade failed or closed, as an Alipay sub_code (e.g. ACQ.BUYER_BALANCE_NOT_ENOUGH). */
  failure_sub_code: string | null;
  /** Every refund of this trade fails (the refund-failing test code). */
  refunds_fail: boolean;
  gmt_create: number;
  gmt_payment: number | null;
  gmt_close: number | null;
  /** When an unpaid trade closes by itself (ms). */
  expires_at: number;
}

export type RefundStatus = 'REFUND_SUCCESS' | 'REFUND_FAILED';

export interface AlipayRefund {
  /** `<trade_no>:<out_request_no>`. */
  id: string;
  trade_no: string;
  out_trade_no: string;
  out_request_no: string;
  merchant_id: string;
  refund_amount: number;
  refund_reason: string | null;
  status: RefundStatus;
  /** The domain refund, if any. */
  refund_id: string | null;
  gmt_refund: number;
}

export function refundDocId(tradeNo: string, outRequestNo: string): string {
  return `${tradeNo}:${outRequestNo}`;
}

/** The sandbox buyer's account as Alipay shows it to merchants: masked. */
export const BUYER_LOGON_ID = 'buy***@paycli.test';
