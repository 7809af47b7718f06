/**
 * WeChat Pay's business rules for one merchant: placing orders (with WeChat's duplicate `out_trade_no`
 * rule), the payer paying or walking away, closing and expiry, payment codes (付款码) with synchronous
 * outcomes, refunds that are `PROCESSING` first and succeed later on the clock, and the records bills are
 * made of. State lives in a `WechatpayLedger`; notifications leave through `notify`.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { RandomSource } from '../../sandbox/ids.js';
import { authCodeOutcome } from './auth-codes.js';
import type { PlaceOrderInput, RefundInput, WechatpayBook } from './book.js';
import type { WechatpayCredentials } from './credentials.js';
import { wechatError } from './errors.js';
import { refundNotification, transactionNotification, type WechatNotification } from './notifications.js';
import { TRADE_STATE_DESC, parseRfc3339, wechatIds, type TradeState, type TradeType, type WechatOrder, type WechatRefund } from './wire.js';

/** Where WeChat Pay documents live (memory in tests, the sandbox store when running). */
export interface WechatpayLedger {
  order(outTradeNo: string): WechatOrder | undefined;
  orderByTransactionId(transactionId: string): WechatOrder | undefined;
  refund(outRefundNo: string): WechatRefund | undefined;
  refundsOf(transactionId: string): WechatRefund[];
  orders(): WechatOrder[];
  refunds(): WechatRefund[];
  /** Stores the changed documents durably. */
  save(change: { orders?: WechatOrder[]; refunds?: WechatRefund[] }): Promise<void>;
}

export interface OrderDeps {
  creds: WechatpayCredentials;
  ledger: WechatpayLedger;
  clock: Clock;
  random: RandomSource;
  /** Sends a notification to the merchant's notify_url. */
  notify: (notification: WechatNotification, notifyUrl: string) => void;
  /** How long a refund stays PROCESSING. */
  refundDelayMs?: number;
}

/** An order is payable for two hours unless `time_expire` says otherwise. */
export const DEFAULT_ORDER_TTL_MS = 2 * 3600_000;
export const DEFAULT_REFUND_DELAY_MS = 3000;

/** The content of an order that must match when the same out_trade_no is placed again. */
export function orderFingerprint(tradeType: TradeType, input: PlaceOrderInput): string {
  const { appid, description, amount, attach, payer } = input;
  return createHash('sha256').update(JSON.stringify([tradeType, appid, description, amount.total, attach ?? null, payer?.openid ?? null])).digest('base64url');
}

const isPaid = (o: WechatOrder) => o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND';

export class WechatpayOrders implements WechatpayBook {
  private readonly ids: ReturnType<typeof wechatIds>;

  constructor(private readonly deps: OrderDeps) {
    this.ids = wechatIds(deps.random);
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private checkMerchant(appid: string | undefined, mchid: string): void {
    const { creds } = this.deps;
    if (mchid !== creds.mchid) throw wechatError('MCH_NOT_EXISTS', `商户号不存在：mchid ${mchid} is not this sandbox's merchant ${creds.mchid}`, { field: 'mchid', value: mchid, location: 'body' });
    if (appid !== undefined && appid !== creds.appid) {
      throw wechatError('APPID_MCHID_NOT_MATCH', `appid和mch_id不匹配：appid ${appid} is not bound to merchant ${mchid} (use ${creds.appid})`, { field: 'appid', value: appid, location: 'body' });
    }
  }

  /** An unpaid order past its expiry is closed; the stored document catches up lazily. */
  private current(order: WechatOrder): WechatOrder {
    if ((order.trade_state === 'NOTPAY' || order.trade_state === 'USERPAYING') && this.now() >= order.expires_ms) {
      return { ...order, trade_state: 'CLOSED', trade_state_desc: TRADE_STATE_DESC.CLOSED, closed_ms: order.expires_ms };
    }
    return order;
  }

  async place(tradeType: TradeType, input: PlaceOrderInput): Promise<WechatOrder> {
    this.checkMerchant(input.appid, input.mchid);
    const now = this.now();
    const fp = orderFingerprint(tradeType, input);
    const stored = this.deps.ledger.order(input.out_trade_no);
    if (stored) {
      const existing = this.current(stored);
      if (isPaid(existing)) throw wechatError('ORDERPAID', '该订单已支付');
      if (existing.trade_state === 'CLOSED') throw wechatError('ORDER_CLOSED', '订单已关闭');
      // WeChat hands back the same prepay session for a repeated identical order; different content is an error.
      if (existing.fingerprint === fp && existing.trade_type === tradeType) return existing;
      throw wechatError('INVALID_REQUEST', '201 商户订单号重复：out_trade_no was used before with different order content', {
        field: 'out_trade_no',
        value: input.out_trade_no,
        issue: 'an order with this out_trade_no exists with a different trade type, amount, description, attach or payer',
        location: 'body',
      });
    }
    let expires = now + DEFAULT_ORDER_TTL_MS;
    if (input.time_expire !== undefined) {
      const at = parseRfc3339(input.time_expire)!;
      if (at <= now) throw wechatError('PARAM_ERROR', '参数错误：time_expire 不能早于当前时间', { field: 'time_expire', value: input.time_expire, issue: 'is in the past', location: 'body' });
      expires = at;
    }
    const code = this.ids.payCode();
    const order: WechatOrder = {
      mchid: input.mchid,
      appid: input.appid,
      out_trade_no: input.out_trade_no,
      transaction_id: this.ids.transactionId(now),
      trade_type: tradeType,
      trade_state: 'NOTPAY',
      trade_state_desc: TRADE_STATE_DESC.NOTPAY,
      description: input.description,
      attach: input.attach ?? null,
      notify_url: input.notify_url,
      total: input.amount.total,
      currency: input.amount.currency ?? 'CNY',
      payer_openid: input.payer?.openid ?? null,
      prepay_id: tradeType === 'JSAPI' || tradeType === 'APP' ? this.ids.prepayId(now) : null,
      code_url: tradeType === 'NATIVE' ? `weixin://wxpay/bizpayurl?pr=${code}` : null,
      h5_url: tradeType === 'MWEB' ? code : null,
      bank_type: null,
      created_ms: now,
      success_ms: null,
      closed_ms: null,
      expires_ms: expires,
      refunded: 0,
      refund_processing: 0,
      fingerprint: fp,
    };
    await this.deps.ledger.save({ orders: [order] });
    return order;
  }

  /** 付款码: the outcome is synchronous and decided by the payment code (see auth-codes.ts). */
  async codepay(input: Omit<PlaceOrderInput, 'notify_url'> & { auth_code: string }): Promise<WechatOrder> {
    this.checkMerchant(input.appid, input.mchid);
    if (this.deps.ledger.order(input.out_trade_no)) {
      const existing = this.current(this.deps.ledger.order(input.out_trade_no)!);
      if (isPaid(existing)) throw wechatError('ORDERPAID', '该订单已支付');
      throw wechatError('INVALID_REQUEST', '201 商户订单号重复', { field: 'out_trade_no', value: input.out_trade_no, location: 'body' });
    }
    const now = this.now();
    const outcome = authCodeOutcome(input.auth_code);
    const base: WechatOrder = {
      mchid: input.mchid, appid: input.appid, out_trade_no: input.out_trade_no, transaction_id: this.ids.transactionId(now), trade_type: 'MICROPAY',
      trade_state: 'NOTPAY', trade_state_desc: TRADE_STATE_DESC.NOTPAY, description: input.description, attach: input.attach ?? null, notify_url: '',
      total: input.amount.total, currency: 'CNY', payer_openid: this.ids.openid(), prepay_id: null, code_url: null, h5_url: null, bank_type: null,
      created_ms: now, success_ms: null, closed_ms: null, expires_ms: now + DEFAULT_ORDER_TTL_MS, refunded: 0, refund_processing: 0,
      fingerprint: orderFingerprint('MICROPAY', { ...input, notify_url: '' }),
    };
    const state: TradeState = outcome.kind === 'success' ? 'SUCCESS' : outcome.kind === 'userpaying' ? 'USERPAYING' : 'PAYERROR';
    const order: WechatOrder = {
      ...base,
      trade_state: state,
      trade_state_desc: outcome.kind === 'error' ? outcome.message : TRADE_STATE_DESC[state],
      ...(outcome.kind === 'success' ? { success_ms: now, bank_type: 'OTHERS' } : {}),
    };
    await this.deps.ledger.save({ orders: [order] });
    if (outcome.kind === 'userpaying') throw wechatError('USERPAYING', '用户支付中，需要输入密码');
    if (outcome.kind === 'error') throw wechatError(outcome.code, outcome.message);
    return order;
  }

  byOutTradeNo(outTradeNo: string, mchid: string): WechatOrder {
    this.checkMerchant(undefined, mchid);
    const order = this.deps.ledger.order(outTradeNo);
    if (!order) throw wechatError('ORDER_NOT_EXIST', '订单不存在');
    return this.current(order);
  }

  byTransactionId(transactionId: string, mchid: string): WechatOrder {
    this.checkMerchant(undefined, mchid);
    const order = this.deps.ledger.orderByTransactionId(transactionId);
    // The transaction id exists for the merchant only once the payer has paid.
    if (!order || !isPaid(order)) throw wechatError('ORDER_NOT_EXIST', '订单不存在');
    return this.current(order);
  }

  /** Orders the payer side may name: out_trade_no, transaction_id, prepay_id or the pay code in code_url/h5_url. */
  resolve(ref: string): WechatOrder | undefined {
    const all = this.deps.ledger.orders();
    const order =
      this.deps.ledger.order(ref) ??
      this.deps.ledger.orderByTransactionId(ref) ??
      all.find((o) => o.prepay_id === ref || o.h5_url === ref || o.code_url === ref || o.code_url?.endsWith(`pr=${ref}`));
    return order && this.current(order);
  }

  async close(outTradeNo: string, mchid: string): Promise<void> {
    const order = this.byOutTradeNo(outTradeNo, mchid);
    if (isPaid(order)) throw wechatError('ORDERPAID', '订单已支付，不能关闭');
    if (order.trade_state === 'CLOSED') return;
    await this.deps.ledger.save({ orders: [{ ...order, trade_state: 'CLOSED', trade_state_desc: TRADE_STATE_DESC.CLOSED, closed_ms: this.now() }] });
  }

  /** The payer pays: SUCCESS and a `TRANSACTION.SUCCESS` notification. */
  async pay(order: WechatOrder, payerOpenid?: string): Promise<WechatOrder> {
    const current = this.current(order);
    if (current.trade_state !== 'NOTPAY' && current.trade_state !== 'USERPAYING') {
      throw wechatError('INVALID_REQUEST', `订单状态为 ${current.trade_state}，不能支付`);
    }
    const now = this.now();
    const paid: WechatOrder = {
      ...current,
      trade_state: 'SUCCESS',
      trade_state_desc: TRADE_STATE_DESC.SUCCESS,
      success_ms: now,
      bank_type: 'OTHERS',
      payer_openid: current.payer_openid ?? payerOpenid ?? this.ids.openid(),
    };
    await this.deps.ledger.save({ orders: [paid] });
    if (paid.notify_url) this.deps.notify(transactionNotification(this.ids.notificationId(), paid, now), paid.notify_url);
    return paid;
  }

  /** A payment code order waiting for the payer's password fails; JSAPI/Native/H5/APP payers fail inside WeChat and the order stays NOTPAY. */
  async fail(order: WechatOrder): Promise<WechatOrder> {
    const current = this.current(order);
    if (current.trade_state === 'USERPAYING') {
      const failed: WechatOrder = { ...current, trade_state: 'PAYERROR', trade_state_desc: TRADE_STATE_DESC.PAYERROR };
      await this.deps.ledger.save({ orders: [failed] });
      return failed;
    }
    if (current.trade_state !== 'NOTPAY') throw wechatError('INVALID_REQUEST', `订单状态为 ${current.trade_state}`);
    return current;
  }

  /** The order's payment window ends now: CLOSED. */
  async expire(order: WechatOrder): Promise<WechatOrder> {
    const current = this.current(order);
    if (current.trade_state === 'CLOSED') return current;
    if (current.trade_state !== 'NOTPAY' && current.trade_state !== 'USERPAYING') throw wechatError('INVALID_REQUEST', `订单状态为 ${current.trade_state}`);
    const now = this.now();
    const closed: WechatOrder = { ...current, trade_state: 'CLOSED', trade_state_desc: TRADE_STATE_DESC.CLOSED, closed_ms: now, expires_ms: now };
    await this.deps.ledger.save({ orders: [closed] });
    return closed;
  }

  /** The merchant's available balance (可用余额): funds settled before today, China time, less refunds paid from it. */
  private availableBalance(): number {
    const startOfToday = Math.floor((this.now() + 8 * 3600_000) / 86_400_000) * 86_400_000 - 8 * 3600_000;
    const settled = this.deps.ledger.orders().filter((o) => o.success_ms !== null && o.success_ms < startOfToday).reduce((s, o) => s + o.total, 0);
    const spent = this.deps.ledger.refunds().filter((r) => r.funds_account === 'AVAILABLE' && r.status !== 'CLOSED').reduce((s, r) => s + r.refund, 0);
    return settled - spent;
  }

  async refund(input: RefundInput): Promise<WechatRefund> {
    const { ledger } = this.deps;
    const stored = input.transaction_id !== undefined ? ledger.orderByTransactionId(input.transaction_id) : ledger.order(input.out_trade_no!);
    if (!stored || (input.transaction_id !== undefined && !isPaid(stored))) throw wechatError('RESOURCE_NOT_EXISTS', '订单不存在');
    const order = this.current(stored);
    const existing = ledger.refund(input.out_refund_no);
    if (existing) {
      if (existing.transaction_id === order.transaction_id && existing.refund === input.amount.refund) return existing;
      throw wechatError('INVALID_REQUEST', '商户退款单号重复：out_refund_no was used before with different content', { field: 'out_refund_no', value: input.out_refund_no, location: 'body' });
    }
    if (!isPaid(order)) throw wechatError('INVALID_REQUEST', `订单状态为 ${order.trade_state}，不能退款`);
    if (input.amount.total !== order.total) {
      throw wechatError('INVALID_REQUEST', '订单金额与原订单不一致', { field: 'amount.total', value: input.amount.total, issue: `the order's total is ${order.total}`, location: 'body' });
    }
    const refundable = order.total - order.refunded - order.refund_processing;
    if (input.amount.refund > refundable) {
      throw wechatError('INVALID_REQUEST', '申请退款金额超过订单可退金额', { field: 'amount.refund', value: input.amount.refund, issue: `at most ${refundable} fen can still be refunded`, location: 'body' });
    }
    const fundsAccount = input.funds_account ?? 'UNSETTLED';
    if (fundsAccount === 'AVAILABLE' && input.amount.refund > this.availableBalance()) {
      throw wechatError('NOT_ENOUGH', '基本账户余额不足，请充值后重新发起');
    }
    const now = this.now();
    const refund: WechatRefund = {
      mchid: order.mchid,
      refund_id: this.ids.refundId(),
      out_refund_no: input.out_refund_no,
      transaction_id: order.transaction_id,
      out_trade_no: order.out_trade_no,
      status: 'PROCESSING',
      reason: input.reason ?? null,
      notify_url: input.notify_url ?? null,
      refund: input.amount.refund,
      total: order.total,
      currency: 'CNY',
      funds_account: fundsAccount,
      created_ms: now,
      success_ms: null,
    };
    await ledger.save({ orders: [{ ...order, refund_processing: order.refund_processing + refund.refund }], refunds: [refund] });
    this.deps.clock.setTimer(this.deps.refundDelayMs ?? DEFAULT_REFUND_DELAY_MS, () => this.completeRefund(refund.out_refund_no));
    return refund;
  }

  /** The refund reaches the payer: SUCCESS, the order turns REFUND, and `REFUND.SUCCESS` goes out. */
  async completeRefund(outRefundNo: string): Promise<void> {
    const { ledger } = this.deps;
    const refund = ledger.refund(outRefundNo);
    if (!refund || refund.status !== 'PROCESSING') return;
    const order = ledger.orderByTransactionId(refund.transaction_id)!;
    const now = this.now();
    const done: WechatRefund = { ...refund, status: 'SUCCESS', success_ms: now };
    const updated: WechatOrder = {
      ...order,
      trade_state: 'REFUND',
      trade_state_desc: TRADE_STATE_DESC.REFUND,
      refunded: order.refunded + refund.refund,
      refund_processing: order.refund_processing - refund.refund,
    };
    await ledger.save({ orders: [updated], refunds: [done] });
    const url = done.notify_url ?? order.notify_url;
    if (url) this.deps.notify(refundNotification(this.ids.notificationId(), done, now), url);
  }

  allOrders(): WechatOrder[] {
    return this.deps.ledger.orders().map((o) => this.current(o));
  }

  allRefunds(): WechatRefund[] {
    return this.deps.ledger.refunds();
  }

  findRefund(outRefundNo: string): WechatRefund {
    const refund = this.deps.ledger.refund(outRefundNo);
    if (!refund) throw wechatError('RESOURCE_NOT_EXISTS', '退款单不存在');
    return refund;
  }
}
