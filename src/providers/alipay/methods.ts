/**
 * The Alipay trade methods, shared by the v2 gateway and the v3 API: validation of the business fields,
 * Alipay's rules (a precreated QR code is no trade until scanned, refunds keyed by out_request_no with
 * `fund_change` Y then N, cumulative `refund_fee`, `sub_code`s for every refusal), and the response content.
 */
import type { AlipayMerchant, TradeBackend } from './backend.js';
import { alipayError, type GatewayCode } from './codes.js';
import { BUYER_ACTION_TIMEOUT_SEC } from '../../engine/payments.js';
import { nextChinaMidnight, parseChinaTime, parseYuan, yuan } from './format.js';
import { BUYER_LOGON_ID, PRODUCT_CODE, refundDocId, type AlipayRefund, type AlipayTrade, type TradeChannel } from './model.js';
import { markClosed, markPaid, markRefunded, newBuyerId, newTradeNo, PAYMENT_CODE_PATTERN, paymentCodeOutcome, RISK_DECLINE } from './trades.js';
import * as wire from './wire.js';

export interface MethodCall {
  backend: TradeBackend;
  merchant: AlipayMerchant;
  /** The business fields: biz_content on v2, the JSON body or query on v3. */
  biz: Record<string, unknown>;
  notify_url: string | null;
  return_url: string | null;
  /** Base URL of the provider, for QR codes that open the sandbox cashier. */
  baseUrl: string;
}

export interface MethodResult {
  content: Record<string, unknown>;
  /** 10000 unless said otherwise (10003: bar-code payment waiting for the buyer's password). */
  code?: GatewayCode;
}

type Method = (call: MethodCall) => Promise<MethodResult>;

// ---- field validation -------------------------------------------------------------------------------

function optionalString(biz: Record<string, unknown>, field: string, max: number): string | null {
  const v = biz[field];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' && typeof v !== 'number') throw alipayError('ACQ.INVALID_PARAMETER', `参数无效: ${field} must be a string.`, field);
  const s = String(v);
  if (s.length > max) throw alipayError('ACQ.INVALID_PARAMETER', `参数无效: ${field} is longer than ${max} characters.`, field);
  return s;
}

function requiredString(biz: Record<string, unknown>, field: string, max: number): string {
  const s = optionalString(biz, field, max);
  // Alipay has no separate sub_code for a missing business field: it is an invalid parameter.
  if (s === null) throw alipayError('ACQ.INVALID_PARAMETER', `参数无效，缺少必选参数: ${field} is required.`, field);
  return s;
}

function amount(biz: Record<string, unknown>, field: string, required = true): number | null {
  if (!required && (biz[field] === undefined || biz[field] === null || biz[field] === '')) return null;
  const raw = requiredString(biz, field, 16);
  const fen = parseYuan(raw);
  if (fen === null) {
    throw alipayError('ACQ.INVALID_PARAMETER', `参数无效: ${field} must be an amount in yuan between 0.01 and 100000000.00 with at most two decimals, got "${raw}".`, field);
  }
  return fen;
}

/** `out_trade_no` or `trade_no` names a trade Alipay knows (a QR code not yet scanned is none). */
function existingTrade(call: MethodCall): AlipayTrade {
  const trade_no = optionalString(call.biz, 'trade_no', 64) ?? undefined;
  const out_trade_no = optionalString(call.biz, 'out_trade_no', 64) ?? undefined;
  if (!trade_no && !out_trade_no) {
    throw alipayError('ACQ.INVALID_PARAMETER', '参数无效，缺少必选参数: out_trade_no or trade_no is required.', 'out_trade_no');
  }
  // Alipay: "trade_no 和 out_trade_no 如果同时存在优先取 trade_no".
  const trade = call.backend.findTrade(call.merchant.merchant_id, trade_no ? { trade_no } : { out_trade_no });
  if (!trade || !trade.scanned) throw alipayError('ACQ.TRADE_NOT_EXIST', '交易不存在 (trade does not exist).', trade_no ? 'trade_no' : 'out_trade_no');
  return trade;
}

const MAX_TIMEOUT_MS = 15 * 86_400_000;

/**
 * When an unpaid trade closes: `time_expire` (absolute, China time) wins over `timeout_express` (`90m`,
 * `2h`, `1d`, or `1c`: at the coming midnight), both within 1 minute to 15 days as Alipay allows; without
 * either, the sandbox's buyer window.
 */
function expiresAtMs(biz: Record<string, unknown>, nowMs: number): number {
  const absolute = optionalString(biz, 'time_expire', 32);
  if (absolute !== null) {
    const at = parseChinaTime(absolute);
    if (at === null || at - nowMs < 60_000 || at - nowMs > MAX_TIMEOUT_MS) {
      throw alipayError('ACQ.INVALID_PARAMETER', `参数无效: time_expire must be a China time yyyy-MM-dd HH:mm:ss between 1 minute and 15 days from now, got "${absolute}".`, 'time_expire');
    }
    return at;
  }
  const raw = optionalString(biz, 'timeout_express', 8);
  // The core's own default window, counted from the whole second as the core counts it.
  if (raw === null) return (Math.floor(nowMs / 1000) + BUYER_ACTION_TIMEOUT_SEC) * 1000;
  if (raw === '1c') return nextChinaMidnight(nowMs);
  const m = /^(\d{1,5})([mhd])$/.exec(raw);
  const ms = m ? Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'] : 0;
  if (ms < 60_000 || ms > MAX_TIMEOUT_MS) {
    throw alipayError('ACQ.INVALID_PARAMETER', `参数无效: timeout_express must be 1m to 15d, like 90m, 2h, 1d or 1c, got "${raw}".`, 'timeout_express');
  }
  return nowMs + ms;
}

/** notify_url and return_url are http(s) paths of the merchant's site, at most 256 characters. */
function callbackUrl(field: string, value: string | null): string | null {
  if (value === null || value === '') return null;
  let ok = value.length <= 256;
  try {
    ok &&= ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw alipayError('ACQ.INVALID_PARAMETER', `参数无效: ${field} must be an http or https URL of at most 256 characters, got "${value.slice(0, 80)}".`, field);
  return value;
}

// ---- trade creation ---------------------------------------------------------------------------------

interface NewTradeFields {
  out_trade_no: string;
  total_amount: number;
  subject: string;
}

function newTradeFields(call: MethodCall): NewTradeFields {
  return {
    out_trade_no: requiredString(call.biz, 'out_trade_no', 64),
    total_amount: amount(call.biz, 'total_amount')!,
    subject: requiredString(call.biz, 'subject', 256),
  };
}

/**
 * The same out_trade_no may be submitted again while unpaid (Alipay answers with the same trade), but
 * not with another amount, and never once paid or closed.
 */
function reuseOrRefuse(call: MethodCall, fields: NewTradeFields): AlipayTrade | null {
  const existing = call.backend.findTrade(call.merchant.merchant_id, { out_trade_no: fields.out_trade_no });
  if (!existing) return null;
  if (existing.trade_status === 'TRADE_SUCCESS' || existing.trade_status === 'TRADE_FINISHED') {
    throw alipayError('ACQ.TRADE_HAS_SUCCESS', '交易已被支付 (trade already paid).', 'out_trade_no');
  }
  if (existing.trade_status === 'TRADE_CLOSED') throw alipayError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭 (trade closed).', 'out_trade_no');
  if (existing.total_amount !== fields.total_amount || existing.subject !== fields.subject) {
    throw alipayError('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改 (out_trade_no reused with another amount or subject).', 'out_trade_no');
  }
  return existing;
}

function buildTrade(call: MethodCall, fields: NewTradeFields, channel: TradeChannel): AlipayTrade {
  const now = call.backend.now();
  const tradeNo = newTradeNo(now, call.backend.digits);
  const risky = call.merchant.risk_max_amount !== null && fields.total_amount > call.merchant.risk_max_amount;
  if (risky) throw alipayError(RISK_DECLINE.sub_code, RISK_DECLINE.sub_msg, 'total_amount');
  return {
    id: tradeNo,
    trade_no: tradeNo,
    out_trade_no: fields.out_trade_no,
    merchant_id: call.merchant.merchant_id,
    app_id: call.merchant.creds.app_id,
    payment_id: null,
    channel,
    product_code: optionalString(call.biz, 'product_code', 64) ?? PRODUCT_CODE[channel],
    subject: fields.subject,
    body: optionalString(call.biz, 'body', 128),
    total_amount: fields.total_amount,
    trade_status: 'WAIT_BUYER_PAY',
    scanned: channel !== 'precreate',
    qr_code: channel === 'precreate' ? `${call.baseUrl}/qr/${tradeNo}` : null,
    notify_url: callbackUrl('notify_url', call.notify_url ?? optionalString(call.biz, 'notify_url', 256)),
    return_url: callbackUrl('return_url', call.return_url ?? optionalString(call.biz, 'return_url', 256)),
    passback_params: optionalString(call.biz, 'passback_params', 512),
    buyer_id: null,
    buyer_logon_id: null,
    refund_fee: 0,
    failure_sub_code: null,
    refunds_fail: false,
    gmt_create: now,
    gmt_payment: null,
    gmt_close: null,
    expires_at: expiresAtMs(call.biz, now),
  };
}

/** Opens (or re-finds) a trade waiting for the buyer: precreate, create, page/wap/app pay. */
export async function openTrade(call: MethodCall, channel: TradeChannel): Promise<AlipayTrade> {
  const fields = newTradeFields(call);
  if (channel === 'create' && !optionalString(call.biz, 'buyer_id', 32) && !optionalString(call.biz, 'buyer_open_id', 128)) {
    throw alipayError('ACQ.INVALID_PARAMETER', '参数无效，缺少必选参数: buyer_id or buyer_open_id is required.', 'buyer_id');
  }
  const existing = reuseOrRefuse(call, fields);
  if (existing) return existing;
  const trade = buildTrade(call, fields, channel);
  if (channel === 'create') {
    const buyerId = optionalString(call.biz, 'buyer_id', 32);
    if (buyerId) {
      trade.buyer_id = buyerId;
      trade.buyer_logon_id = BUYER_LOGON_ID;
    }
  }
  return call.backend.openTrade(trade);
}

const precreate: Method = async (call) => ({ content: wire.precreateContent(await openTrade(call, 'precreate')) });

const create: Method = async (call) => ({ content: wire.createContent(await openTrade(call, 'create')) });

/** Bar-code payment (付款码): the outcome is synchronous, decided by the code. */
const pay: Method = async (call) => {
  const authCode = requiredString(call.biz, 'auth_code', 32);
  const scene = optionalString(call.biz, 'scene', 32) ?? 'bar_code';
  if (scene !== 'bar_code') throw alipayError('ACQ.INVALID_PARAMETER', `参数无效: scene must be bar_code, got "${scene}".`, 'scene');
  if (!PAYMENT_CODE_PATTERN.test(authCode)) {
    throw alipayError('ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款 (auth_code is not a payment code: 16-24 digits starting with 25-30).', 'auth_code');
  }
  const fields = newTradeFields(call);
  if (reuseOrRefuse(call, fields)) {
    throw alipayError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法 (a trade with this out_trade_no is waiting for the buyer).', 'out_trade_no');
  }
  const now = call.backend.now();
  const outcome = paymentCodeOutcome(authCode);
  const trade = buildTrade(call, fields, 'bar_code');
  const buyerId = newBuyerId(call.backend.digits);
  trade.buyer_id = buyerId;
  trade.buyer_logon_id = BUYER_LOGON_ID;
  trade.refunds_fail = outcome.kind === 'refunds_fail';
  const opened = await call.backend.openTrade(trade);
  if (outcome.kind === 'waiting') return { code: '10003', content: wire.payContent(opened) };
  if (outcome.kind === 'declined') {
    await call.backend.close(markClosed(opened, now, outcome.sub_code));
    throw alipayError(outcome.sub_code, outcome.sub_msg, 'auth_code');
  }
  const paid = await call.backend.pay(markPaid(opened, now, buyerId, BUYER_LOGON_ID));
  return { content: wire.payContent(paid) };
};

const query: Method = async (call) => ({ content: wire.queryContent(existingTrade(call)) });

const close: Method = async (call) => {
  const trade = existingTrade(call);
  if (trade.trade_status === 'TRADE_CLOSED') throw alipayError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭 (trade already closed).');
  if (trade.trade_status !== 'WAIT_BUYER_PAY') throw alipayError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法 (only an unpaid trade can be closed; refund a paid one).');
  const closed = await call.backend.close(markClosed(trade, call.backend.now()));
  return { content: wire.closeContent(closed) };
};

/**
 * Cancel (撤销): closes an unpaid trade, fully refunds a paid one. It is the call for a payment whose
 * outcome is unknown (a timed-out `alipay.trade.pay`), so an `out_trade_no` Alipay has no trade for is a
 * success without `action` (Alipay's field notes: "未返回：未查询到交易"); an unknown `trade_no` is
 * `ACQ.TRADE_NOT_EXIST`. A QR code nobody scanned yet is no trade either, and is closed so that a late
 * scan cannot pay what the merchant gave up on.
 */
const cancel: Method = async (call) => {
  const trade_no = optionalString(call.biz, 'trade_no', 64);
  const out_trade_no = optionalString(call.biz, 'out_trade_no', 64);
  if (!trade_no && out_trade_no) {
    const known = call.backend.findTrade(call.merchant.merchant_id, { out_trade_no });
    if (!known || !known.scanned) {
      if (known && known.trade_status === 'WAIT_BUYER_PAY') await call.backend.close(markClosed(known, call.backend.now()));
      return { content: wire.cancelUnknownContent(out_trade_no) };
    }
  }
  const trade = existingTrade(call);
  if (trade.trade_status === 'TRADE_CLOSED') return { content: wire.cancelContent(trade, 'close') };
  if (trade.trade_status === 'WAIT_BUYER_PAY') {
    return { content: wire.cancelContent(await call.backend.close(markClosed(trade, call.backend.now())), 'close') };
  }
  await refundTrade(call, trade, trade.total_amount - trade.refund_fee, trade.out_trade_no, 'cancel');
  return { content: wire.cancelContent(call.backend.findTrade(trade.merchant_id, { trade_no: trade.trade_no })!, 'refund') };
};

async function refundTrade(call: MethodCall, trade: AlipayTrade, amountFen: number, outRequestNo: string, reason: string | null): Promise<AlipayRefund> {
  if (trade.trade_status === 'WAIT_BUYER_PAY') throw alipayError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法 (the trade is not paid).');
  if (trade.trade_status === 'TRADE_FINISHED') throw alipayError('ACQ.TRADE_HAS_FINISHED', '交易已完结 (trade finished).');
  if (trade.trade_status === 'TRADE_CLOSED') throw alipayError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭 (trade closed or fully refunded).');
  if (amountFen > trade.total_amount - trade.refund_fee) {
    throw alipayError(
      'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL',
      `退款金额超限 (refund ${yuan(amountFen)} exceeds the refundable ${yuan(trade.total_amount - trade.refund_fee)}).`,
      'refund_amount',
    );
  }
  if (trade.refunds_fail) throw alipayError('ACQ.SELLER_BALANCE_NOT_ENOUGH', '卖家余额不足 (this test payment code makes every refund fail).');
  const now = call.backend.now();
  const refund: AlipayRefund = {
    id: refundDocId(trade.trade_no, outRequestNo),
    trade_no: trade.trade_no,
    out_trade_no: trade.out_trade_no,
    out_request_no: outRequestNo,
    merchant_id: trade.merchant_id,
    refund_amount: amountFen,
    refund_reason: reason,
    status: 'REFUND_SUCCESS',
    refund_id: null,
    gmt_refund: now,
  };
  return call.backend.refund(markRefunded(trade, amountFen, now), refund);
}

const refund: Method = async (call) => {
  const trade = existingTrade(call);
  const amountFen = amount(call.biz, 'refund_amount')!;
  const outRequestNo = optionalString(call.biz, 'out_request_no', 64) ?? trade.out_trade_no;
  const replay = call.backend.findRefund(trade.trade_no, outRequestNo);
  if (replay) {
    if (replay.refund_amount !== amountFen) {
      throw alipayError('ACQ.DISCORDANT_REPEAT_REQUEST', '不一致的请求 (out_request_no reused with another refund_amount: use a new out_request_no for another refund).', 'out_request_no');
    }
    return { content: wire.refundContent(trade, replay, false) };
  }
  const done = await refundTrade(call, trade, amountFen, outRequestNo, optionalString(call.biz, 'refund_reason', 256));
  const after = call.backend.findTrade(trade.merchant_id, { trade_no: trade.trade_no })!;
  return { content: wire.refundContent(after, done, true) };
};

const refundQuery: Method = async (call) => {
  const trade = existingTrade(call);
  const outRequestNo = requiredString(call.biz, 'out_request_no', 64);
  return { content: wire.refundQueryContent(trade, call.backend.findRefund(trade.trade_no, outRequestNo), outRequestNo) };
};

/** The methods answered on the v2 gateway by `exec` (page/wap/app pay go through the cashier instead). */
export const METHODS: Record<string, Method> = {
  'alipay.trade.precreate': precreate,
  'alipay.trade.create': create,
  'alipay.trade.pay': pay,
  'alipay.trade.query': query,
  'alipay.trade.close': close,
  'alipay.trade.cancel': cancel,
  'alipay.trade.refund': refund,
  'alipay.trade.fastpay.refund.query': refundQuery,
};
