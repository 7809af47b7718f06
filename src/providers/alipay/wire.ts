/**
 * Alipay's wire objects, built from the trade and refund documents: the response contents of each
 * method (v2 adds `code`/`msg` around the same fields; v3 sends them bare), the asynchronous notification
 * fields and the synchronous return parameters. Amounts in yuan, times in China time.
 */
import { chinaTime, yuan } from './format.js';
import { BUYER_LOGON_ID, type AlipayRefund, type AlipayTrade } from './model.js';

type Fields = Record<string, unknown>;

function fundBillList(trade: AlipayTrade): { fund_channel: string; amount: string }[] {
  return [{ fund_channel: 'ALIPAYACCOUNT', amount: yuan(trade.total_amount) }];
}

function paidAmounts(trade: AlipayTrade): Fields {
  const paid = trade.gmt_payment !== null;
  const amount = paid ? yuan(trade.total_amount) : '0.00';
  return { receipt_amount: amount, buyer_pay_amount: amount, point_amount: '0.00', invoice_amount: amount };
}

export function precreateContent(trade: AlipayTrade): Fields {
  return { out_trade_no: trade.out_trade_no, qr_code: trade.qr_code };
}

export function createContent(trade: AlipayTrade): Fields {
  return { out_trade_no: trade.out_trade_no, trade_no: trade.trade_no };
}

/** `alipay.trade.pay`: a bar-code payment's outcome (success or waiting for the buyer's password). */
export function payContent(trade: AlipayTrade): Fields {
  const fields: Fields = {
    trade_no: trade.trade_no,
    out_trade_no: trade.out_trade_no,
    buyer_logon_id: trade.buyer_logon_id ?? BUYER_LOGON_ID,
    total_amount: yuan(trade.total_amount),
    ...paidAmounts(trade),
  };
  if (trade.gmt_payment !== null) {
    fields.gmt_payment = chinaTime(trade.gmt_payment);
    fields.fund_bill_list = fundBillList(trade);
  }
  fields.buyer_user_id = trade.buyer_id;
  return fields;
}

export function queryContent(trade: AlipayTrade): Fields {
  const fields: Fields = {
    trade_no: trade.trade_no,
    out_trade_no: trade.out_trade_no,
    buyer_logon_id: trade.buyer_logon_id ?? undefined,
    trade_status: trade.trade_status,
    total_amount: yuan(trade.total_amount),
    ...paidAmounts(trade),
  };
  if (trade.gmt_payment !== null) {
    fields.send_pay_date = chinaTime(trade.gmt_payment);
    fields.fund_bill_list = fundBillList(trade);
  }
  if (trade.buyer_id) fields.buyer_user_id = trade.buyer_id;
  fields.subject = trade.subject;
  return stripUndefined(fields);
}

export function refundContent(trade: AlipayTrade, refund: AlipayRefund, fundChange: boolean): Fields {
  return stripUndefined({
    trade_no: trade.trade_no,
    out_trade_no: trade.out_trade_no,
    buyer_logon_id: trade.buyer_logon_id ?? undefined,
    fund_change: fundChange ? 'Y' : 'N',
    refund_fee: yuan(trade.refund_fee),
    gmt_refund_pay: chinaTime(refund.gmt_refund),
    buyer_user_id: trade.buyer_id ?? undefined,
    send_back_fee: yuan(refund.refund_amount),
  });
}

export function refundQueryContent(trade: AlipayTrade, refund: AlipayRefund | null, outRequestNo: string): Fields {
  if (!refund) return { trade_no: trade.trade_no, out_trade_no: trade.out_trade_no, out_request_no: outRequestNo };
  const fields: Fields = {
    trade_no: trade.trade_no,
    out_trade_no: trade.out_trade_no,
    out_request_no: refund.out_request_no,
    total_amount: yuan(trade.total_amount),
    refund_amount: yuan(refund.refund_amount),
    gmt_refund_pay: chinaTime(refund.gmt_refund),
  };
  // Absent refund_status means "not received or failed", as on Alipay.
  if (refund.status === 'REFUND_SUCCESS') fields.refund_status = 'REFUND_SUCCESS';
  if (refund.refund_reason) fields.refund_reason = refund.refund_reason;
  return fields;
}

export function closeContent(trade: AlipayTrade): Fields {
  return { trade_no: trade.trade_no, out_trade_no: trade.out_trade_no };
}

export function cancelContent(trade: AlipayTrade, action: 'close' | 'refund'): Fields {
  return { trade_no: trade.trade_no, out_trade_no: trade.out_trade_no, retry_flag: 'N', action };
}

/** A cancel of an `out_trade_no` Alipay has no trade for: nothing to retry, no action taken. */
export function cancelUnknownContent(outTradeNo: string): Fields {
  return { out_trade_no: outTradeNo, retry_flag: 'N' };
}

/** Identity fields common to every message Alipay signs and sends to the merchant. */
export interface Sender {
  app_id: string;
  seller_id: string;
}

/**
 * The asynchronous notification (异步通知) for a trade's current state; with `refund`, the notification of
 * that refund (TRADE_SUCCESS with refund fields for a partial refund, TRADE_CLOSED once fully refunded).
 */
export function notificationFields(
  trade: AlipayTrade,
  sender: Sender,
  opts: { nowMs: number; notifyId: string; refund?: AlipayRefund },
): Record<string, string | undefined> {
  const paid = trade.gmt_payment !== null;
  const amounts = paidAmounts(trade) as Record<string, string>;
  const fields: Record<string, string | undefined> = {
    notify_time: chinaTime(opts.nowMs),
    notify_type: 'trade_status_sync',
    notify_id: opts.notifyId,
    app_id: sender.app_id,
    auth_app_id: sender.app_id,
    charset: 'utf-8',
    version: '1.0',
    trade_no: trade.trade_no,
    out_trade_no: trade.out_trade_no,
    buyer_id: trade.buyer_id ?? undefined,
    buyer_logon_id: trade.buyer_logon_id ?? undefined,
    seller_id: sender.seller_id,
    trade_status: trade.trade_status,
    total_amount: yuan(trade.total_amount),
    receipt_amount: amounts.receipt_amount,
    invoice_amount: amounts.invoice_amount,
    buyer_pay_amount: amounts.buyer_pay_amount,
    point_amount: amounts.point_amount,
    subject: trade.subject,
    body: trade.body ?? undefined,
    gmt_create: chinaTime(trade.gmt_create),
    gmt_payment: paid ? chinaTime(trade.gmt_payment!) : undefined,
    gmt_close: trade.gmt_close !== null ? chinaTime(trade.gmt_close) : undefined,
    fund_bill_list: paid ? JSON.stringify(fundBillList(trade)) : undefined,
    passback_params: trade.passback_params ?? undefined,
  };
  if (opts.refund) {
    fields.out_biz_no = opts.refund.out_request_no;
    fields.refund_fee = yuan(trade.refund_fee);
    fields.gmt_refund = `${chinaTime(opts.refund.gmt_refund)}.000`;
  }
  return fields;
}

/** The synchronous return (同步返回) parameters appended to `return_url` after a cashier payment. */
export function returnFields(trade: AlipayTrade, sender: Sender, method: string, nowMs: number): Record<string, string> {
  return {
    charset: 'utf-8',
    out_trade_no: trade.out_trade_no,
    method: `${method}.return`,
    total_amount: yuan(trade.total_amount),
    trade_no: trade.trade_no,
    auth_app_id: sender.app_id,
    version: '1.0',
    app_id: sender.app_id,
    seller_id: sender.seller_id,
    timestamp: chinaTime(nowMs),
  };
}

function stripUndefined(fields: Fields): Fields {
  for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
  return fields;
}
