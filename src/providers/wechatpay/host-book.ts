/**
 * WeChat Pay orders on the payment core: each order is a domain payment (a `wechat_pay` wallet payment,
 * or one presented by a payment code) plus WeChat's own record of it (records.ts); refunds are domain
 * refunds, `PROCESSING` (pending) first and settled later on the clock, plus WeChat's record of them.
 */
import { hash } from 'node:crypto';
import type { RandomSource } from '../../core/ids.js';
import type { CreatePaymentInput } from '../../engine/payments.js';
import type { Merchant, Payment, Refund } from '../../engine/types.js';
import type { CoreReader, ProviderHost, UnitOfWork } from '../contract.js';
import { authCodeOutcome } from './auth-codes.js';
import { DEFAULT_ORDER_TTL_MS, DEFAULT_REFUND_DELAY_MS, REFUND_SPACING_MS, REVERSE_WINDOW_MS, orderFingerprint, type PlaceOrderInput, type RefundInput, type WechatpayBook } from './book.js';
import type { WechatpayCredentials } from './credentials.js';
import { wechatError } from './errors.js';
import { ORDERS, ORDER_NUMBERS, REFUNDS, orderView, refundView, refundsOf, type OrderDoc, type OrderNumberDoc, type RefundDoc } from './records.js';
import { parseRfc3339, wechatIds, type TradeType, type WechatOrder, type WechatRefund } from './wire.js';

const key = (mchid: string, no: string) => `${mchid}:${no}`;

/** Reads, from the core or from inside a unit of work. */
type Reader = Pick<CoreReader, 'get' | 'list'>;

/**
 * Random bytes derived from an id source, so a seeded sandbox makes the same WeChat ids every run. One
 * hash gives 32 bytes, handed out in turn: an order's ids (transaction id, pay code) take one hash, not one
 * per id.
 */
function randomFromIds(newId: (prefix: string) => string): RandomSource {
  let pool = Buffer.alloc(0);
  return {
    bytes(n) {
      if (pool.length < n) {
        const more: Buffer[] = [pool];
        for (let len = pool.length; len < n; len += 32) more.push(hash('sha256', newId('wx'), 'buffer'));
        pool = Buffer.concat(more);
      }
      const out = pool.subarray(0, n);
      pool = pool.subarray(n);
      return out;
    },
  };
}

/** One merchant's WeChat Pay orders on the core. */
export class HostBook implements WechatpayBook {
  constructor(
    private readonly host: ProviderHost<WechatpayCredentials>,
    private readonly merchant: Merchant,
    private readonly creds: WechatpayCredentials,
    private readonly refundDelayMs = DEFAULT_REFUND_DELAY_MS,
  ) {}

  /** WeChat-format ids from the unit of work's (possibly seeded) id source. */
  private ids(uow: UnitOfWork) {
    return wechatIds(randomFromIds((prefix) => uow.newId(prefix)));
  }

  private get read(): CoreReader {
    return this.host.core.reader;
  }

  private now(): number {
    return this.host.clock.now();
  }

  private view(doc: OrderDoc, read: Reader = this.read): WechatOrder {
    const payment = read.get<Payment>('payments', doc.id)!;
    return orderView(doc, payment, refundsOf(doc, read), this.now());
  }

  private docByNumber(outTradeNo: string, read: Reader = this.read): OrderDoc | undefined {
    const n = read.get<OrderNumberDoc>(ORDER_NUMBERS, key(this.creds.mchid, outTradeNo));
    return n ? read.get<OrderDoc>(ORDERS, n.payment_id) : undefined;
  }

  /** `location`: where the request carries mchid (the query of GET APIs, else the body). */
  private checkMerchant(appid: string | undefined, mchid: string, location: 'body' | 'query' = 'body'): void {
    if (mchid !== this.creds.mchid) throw wechatError('MCH_NOT_EXISTS', `商户号不存在：mchid ${mchid} is not the merchant that signed the request (${this.creds.mchid})`, { field: 'mchid', value: mchid, location });
    if (appid !== undefined && appid !== this.creds.appid) {
      throw wechatError('APPID_MCHID_NOT_MATCH', `appid和mch_id不匹配：appid ${appid} is not bound to merchant ${mchid} (use ${this.creds.appid})`, { field: 'appid', value: appid, location: 'body' });
    }
  }

  /** The repeat rule for an out_trade_no seen before: the same order back, or WeChat's error. */
  private repeat(existing: WechatOrder, tradeType: TradeType, fp: string): WechatOrder {
    if (existing.trade_state === 'SUCCESS' || existing.trade_state === 'REFUND') throw wechatError('ORDERPAID', '该订单已支付');
    if (existing.trade_state === 'CLOSED') throw wechatError('ORDER_CLOSED', '订单已关闭');
    if (existing.fingerprint === fp && existing.trade_type === tradeType) return existing;
    throw wechatError('INVALID_REQUEST', '201 商户订单号重复：out_trade_no was used before with different order content', {
      field: 'out_trade_no',
      value: existing.out_trade_no,
      issue: 'an order with this out_trade_no exists with a different trade type, amount, description, attach or payer',
      location: 'body',
    });
  }

  /** `expiresMs`: the order's deadline; `explicit` when the merchant set it (time_expire), not the provider's default. */
  private stageOrder(uow: UnitOfWork, tradeType: TradeType, input: PlaceOrderInput, fp: string, expiresMs: number, paymentCode?: string, explicit = false): OrderDoc {
    const domain: CreatePaymentInput = {
      amount: input.amount.total,
      currency: 'CNY',
      merchant_order_id: input.out_trade_no,
      payment_method: paymentCode === undefined ? { type: 'wallet', wallet: 'wechat_pay' } : { type: 'wallet', wallet: 'wechat_pay', payment_code: paymentCode },
      capture_method: 'automatic',
      description: input.description,
      notify_url: input.notify_url || null,
      return_url: null,
      metadata: input.attach ? { attach: input.attach } : {},
    };
    // The core expires the payment on the same deadline: never payable past time_expire, nor closed before it.
    const payment = uow.createPayment(this.merchant, domain, explicit ? { expiresAtMs: expiresMs } : {});
    const ids = this.ids(uow);
    const doc: OrderDoc = {
      id: payment.id,
      merchant_id: this.merchant.id,
      mchid: input.mchid,
      appid: input.appid,
      out_trade_no: input.out_trade_no,
      transaction_id: ids.transactionId(uow.nowMs),
      trade_type: tradeType,
      description: input.description,
      attach: input.attach ?? null,
      notify_url: input.notify_url,
      payer_openid: input.payer?.openid ?? (tradeType === 'MICROPAY' ? ids.openid() : null),
      prepay_id: tradeType === 'JSAPI' || tradeType === 'APP' ? ids.prepayId(uow.nowMs) : null,
      code: ids.payCode(),
      created_ms: uow.nowMs,
      // The core's deadline (to the second) when the payment waits for the payer, so both close together.
      expires_ms: payment.expires_at !== null ? payment.expires_at * 1000 : expiresMs,
      closed_ms: null,
      fingerprint: fp,
      bank_type: payment.status === 'succeeded' ? 'OTHERS' : null,
      refund_ids: [],
    };
    uow.put(ORDERS, doc);
    uow.put<OrderNumberDoc>(ORDER_NUMBERS, { id: key(doc.mchid, doc.out_trade_no), payment_id: payment.id });
    uow.addRef(doc.transaction_id, payment.id);
    uow.addRef(doc.code, payment.id);
    if (doc.prepay_id) uow.addRef(doc.prepay_id, payment.id);
    return doc;
  }

  async place(tradeType: TradeType, input: PlaceOrderInput): Promise<WechatOrder> {
    this.checkMerchant(input.appid, input.mchid);
    const fp = orderFingerprint(tradeType, input);
    const now = this.now();
    let expires = now + DEFAULT_ORDER_TTL_MS;
    if (input.time_expire !== undefined) {
      const at = parseRfc3339(input.time_expire)!;
      if (at <= now) throw wechatError('PARAM_ERROR', '参数错误：time_expire 不能早于当前时间', { field: 'time_expire', value: input.time_expire, issue: 'is in the past', location: 'body' });
      expires = at;
    }
    return this.host.transact((uow) => {
      const existing = this.docByNumber(input.out_trade_no, uow);
      if (existing) return this.repeat(this.view(existing, uow), tradeType, fp);
      return this.view(this.stageOrder(uow, tradeType, input, fp, expires, undefined, input.time_expire !== undefined), uow);
    });
  }

  async codepay(input: Omit<PlaceOrderInput, 'notify_url'> & { auth_code: string }): Promise<WechatOrder> {
    this.checkMerchant(input.appid, input.mchid);
    const outcome = authCodeOutcome(input.auth_code);
    const full: PlaceOrderInput = { ...input, notify_url: '' };
    const order = await this.host.transact((uow) => {
      const existing = this.docByNumber(input.out_trade_no, uow);
      if (existing) {
        const seen = this.view(existing, uow);
        if (seen.trade_state === 'SUCCESS' || seen.trade_state === 'REFUND') throw wechatError('ORDERPAID', '该订单已支付');
        throw wechatError('INVALID_REQUEST', '201 商户订单号重复', { field: 'out_trade_no', value: input.out_trade_no, location: 'body' });
      }
      // A payer who must enter a password: the payment waits for the buyer (no payment code decides it).
      const code = outcome.kind === 'userpaying' ? undefined : input.auth_code;
      return this.view(this.stageOrder(uow, 'MICROPAY', full, orderFingerprint('MICROPAY', full), uow.nowMs + DEFAULT_ORDER_TTL_MS, code), uow);
    });
    if (outcome.kind === 'userpaying') throw wechatError('USERPAYING', '用户支付中，需要输入密码');
    if (outcome.kind === 'error') throw wechatError(outcome.code, outcome.message);
    return order;
  }

  byOutTradeNo(outTradeNo: string, mchid: string): WechatOrder {
    this.checkMerchant(undefined, mchid, 'query');
    const doc = this.docByNumber(outTradeNo);
    if (!doc) throw wechatError('ORDER_NOT_EXIST', '订单不存在');
    return this.view(doc);
  }

  byTransactionId(transactionId: string, mchid: string): WechatOrder {
    this.checkMerchant(undefined, mchid, 'query');
    const doc = this.docByRef(transactionId);
    const order = doc && doc.transaction_id === transactionId ? this.view(doc) : undefined;
    // The merchant learns a transaction id only once the payer has paid.
    if (!order || (order.trade_state !== 'SUCCESS' && order.trade_state !== 'REFUND')) throw wechatError('ORDER_NOT_EXIST', '订单不存在');
    return order;
  }

  private docByRef(ref: string): OrderDoc | undefined {
    let payment: Payment;
    try {
      payment = this.host.core.findByRef(ref);
    } catch {
      return undefined;
    }
    const doc = this.read.get<OrderDoc>(ORDERS, payment.id);
    return doc && doc.merchant_id === this.merchant.id ? doc : undefined;
  }

  resolve(ref: string): WechatOrder | undefined {
    const doc = this.docByNumber(ref) ?? this.docByRef(ref);
    return doc && this.view(doc);
  }

  async close(outTradeNo: string, mchid: string): Promise<void> {
    this.checkMerchant(undefined, mchid);
    await this.host.transact((uow) => {
      const doc = this.docByNumber(outTradeNo, uow);
      if (!doc) throw wechatError('ORDER_NOT_EXIST', '订单不存在');
      const order = this.view(doc, uow);
      if (order.trade_state === 'SUCCESS' || order.trade_state === 'REFUND') throw wechatError('ORDERPAID', '订单已支付，不能关闭');
      if (order.trade_state === 'CLOSED') return;
      const payment = uow.get<Payment>('payments', doc.id)!;
      if (payment.status === 'pending') uow.cancel(this.merchant, payment.id, 'closed_by_merchant');
      uow.put(ORDERS, { ...doc, closed_ms: uow.nowMs });
    });
  }

  async reverse(outTradeNo: string, appid: string, mchid: string): Promise<WechatOrder> {
    this.checkMerchant(appid, mchid);
    return this.host.transact((uow) => {
      const doc = this.docByNumber(outTradeNo, uow);
      if (!doc) throw wechatError('ORDER_NOT_EXIST', '订单不存在');
      const order = this.view(doc, uow);
      if (order.trade_state === 'REVOKED') return order;
      if (doc.trade_type !== 'MICROPAY') throw wechatError('INVALID_REQUEST', `撤销仅适用于付款码支付：this order is ${doc.trade_type}; close it (unpaid) or refund it (paid)`);
      if (uow.nowMs - doc.created_ms > REVERSE_WINDOW_MS) throw wechatError('INVALID_REQUEST', '订单已超过7天，不能撤销，请使用申请退款');
      if (order.trade_state === 'REFUND') throw wechatError('INVALID_REQUEST', '订单已发生退款，不能撤销，请使用申请退款');
      const payment = uow.get<Payment>('payments', doc.id)!;
      let refundIds = doc.refund_ids ?? [];
      if (order.trade_state === 'SUCCESS') {
        // The payer's money goes back: a refund of the whole amount that no out_refund_no names (no REFUND.* notification).
        const r = uow.createRefund(this.merchant, doc.id, { amount: order.total, reason: '撤销', metadata: { reversed: 'true' }, pendingForMs: this.refundDelayMs });
        refundIds = [...refundIds, r.id];
      } else if (payment.status === 'pending') {
        uow.cancel(this.merchant, payment.id, 'reversed_by_merchant');
      }
      uow.put(ORDERS, { ...doc, refund_ids: refundIds, revoked_ms: uow.nowMs });
      return this.view({ ...doc, revoked_ms: uow.nowMs }, uow);
    });
  }

  private async act(order: WechatOrder, action: 'complete' | 'fail' | 'expire'): Promise<WechatOrder> {
    return this.host.transact((uow) => {
      const doc = this.docByNumber(order.out_trade_no, uow)!;
      const current = this.view(doc, uow);
      if (current.trade_state !== 'NOTPAY' && current.trade_state !== 'USERPAYING') {
        throw wechatError('INVALID_REQUEST', `订单状态为 ${current.trade_state}`);
      }
      uow.buyerAction(doc.id, action);
      return this.view(doc, uow);
    });
  }

  pay(order: WechatOrder): Promise<WechatOrder> {
    return this.act(order, 'complete');
  }

  /** A payment-code payer cancels at the password prompt (PAYERROR); JSAPI/Native/H5/APP payers fail inside WeChat, unseen. */
  async fail(order: WechatOrder): Promise<WechatOrder> {
    if (order.trade_state === 'USERPAYING') return this.act(order, 'fail');
    if (order.trade_state !== 'NOTPAY') throw wechatError('INVALID_REQUEST', `订单状态为 ${order.trade_state}`);
    return order;
  }

  expire(order: WechatOrder): Promise<WechatOrder> {
    return this.act(order, 'expire');
  }

  /** The merchant's available balance (可用余额): WeChat Pay funds settled before today (China time), less refunds paid from it. */
  private availableBalance(read: Reader): number {
    const startOfToday = Math.floor((this.now() + 8 * 3600_000) / 86_400_000) * 86_400_000 - 8 * 3600_000;
    let balance = 0;
    for (const doc of read.list<OrderDoc>(ORDERS)) {
      if (doc.merchant_id !== this.merchant.id) continue;
      const p = read.get<Payment>('payments', doc.id);
      if (p?.captured_at != null && p.captured_at * 1000 < startOfToday) balance += p.amount;
    }
    for (const r of read.list<RefundDoc>(REFUNDS)) {
      if (r.merchant_id !== this.merchant.id || r.funds_account !== 'AVAILABLE') continue;
      const domain = read.get<Refund>('refunds', r.domain_refund_id);
      if (domain && domain.status !== 'failed') balance -= domain.amount;
    }
    return balance;
  }

  async refund(input: RefundInput): Promise<WechatRefund> {
    return this.host.transact((uow) => {
      const doc = input.transaction_id !== undefined ? this.docByRef(input.transaction_id) : this.docByNumber(input.out_trade_no!, uow);
      const order = doc && this.view(doc, uow);
      if (!doc || !order || (input.transaction_id !== undefined && doc.transaction_id !== input.transaction_id)) throw wechatError('RESOURCE_NOT_EXISTS', '订单不存在');
      const existing = uow.get<RefundDoc>(REFUNDS, key(this.creds.mchid, input.out_refund_no));
      if (existing) {
        const r = uow.get<Refund>('refunds', existing.domain_refund_id)!;
        if (existing.payment_id === doc.id && r.amount === input.amount.refund) return refundView(existing, r, doc, order.total);
        throw wechatError('INVALID_REQUEST', '商户退款单号重复：out_refund_no was used before with different content', { field: 'out_refund_no', value: input.out_refund_no, location: 'body' });
      }
      if (order.trade_state !== 'SUCCESS' && order.trade_state !== 'REFUND') throw wechatError('INVALID_REQUEST', `订单状态为 ${order.trade_state}，不能退款`);
      if (input.amount.total !== order.total) {
        throw wechatError('INVALID_REQUEST', '订单金额与原订单不一致', { field: 'amount.total', value: input.amount.total, issue: `the order's total is ${order.total}`, location: 'body' });
      }
      const refundable = order.total - order.refunded - order.refund_processing;
      if (input.amount.refund > refundable) {
        throw wechatError('INVALID_REQUEST', '申请退款金额超过订单可退金额', { field: 'amount.refund', value: input.amount.refund, issue: `at most ${refundable} fen can still be refunded`, location: 'body' });
      }
      const fundsAccount = input.funds_account ?? 'UNSETTLED';
      if (fundsAccount === 'AVAILABLE' && input.amount.refund > this.availableBalance(uow)) throw wechatError('NOT_ENOUGH', '基本账户余额不足，请充值后重新发起');
      // Checked last: a request refused for its content is answered for that, whenever it comes.
      if (doc.last_refund_ms !== undefined && uow.nowMs - doc.last_refund_ms < REFUND_SPACING_MS) {
        throw wechatError('FREQUENCY_LIMITED', `频率限制：同一笔订单的多次退款请求需相隔1分钟 (the previous refund of ${doc.out_trade_no} was accepted ${Math.floor((uow.nowMs - doc.last_refund_ms) / 1000)} s ago; retry later with the same out_refund_no)`);
      }
      const r = uow.createRefund(this.merchant, doc.id, { amount: input.amount.refund, reason: input.reason ?? null, metadata: { out_refund_no: input.out_refund_no }, pendingForMs: this.refundDelayMs });
      const refundDoc: RefundDoc = {
        id: key(this.creds.mchid, input.out_refund_no),
        merchant_id: this.merchant.id,
        mchid: this.creds.mchid,
        out_refund_no: input.out_refund_no,
        refund_id: this.ids(uow).refundId(),
        domain_refund_id: r.id,
        payment_id: doc.id,
        notify_url: input.notify_url ?? null,
        funds_account: fundsAccount,
        created_ms: uow.nowMs,
      };
      uow.put(REFUNDS, refundDoc);
      uow.put(ORDERS, { ...doc, refund_ids: [...(doc.refund_ids ?? []), r.id], last_refund_ms: uow.nowMs });
      return refundView(refundDoc, r, doc, order.total);
    });
  }

  findRefund(outRefundNo: string): WechatRefund {
    const doc = this.read.get<RefundDoc>(REFUNDS, key(this.creds.mchid, outRefundNo));
    if (!doc) throw wechatError('RESOURCE_NOT_EXISTS', '退款单不存在');
    return refundView(doc, this.read.get<Refund>('refunds', doc.domain_refund_id)!, this.read.get<OrderDoc>(ORDERS, doc.payment_id)!, this.read.get<Payment>('payments', doc.payment_id)!.amount);
  }

  allOrders(): WechatOrder[] {
    const now = this.now();
    return this.read
      .list<OrderDoc>(ORDERS)
      .filter((d) => d.merchant_id === this.merchant.id)
      .map((d) => orderView(d, this.read.get<Payment>('payments', d.id)!, refundsOf(d, this.read), now));
  }

  allRefunds(): WechatRefund[] {
    return this.read
      .list<RefundDoc>(REFUNDS)
      .filter((d) => d.merchant_id === this.merchant.id)
      .map((d) => refundView(d, this.read.get<Refund>('refunds', d.domain_refund_id)!, this.read.get<OrderDoc>(ORDERS, d.payment_id)!, this.read.get<Payment>('payments', d.payment_id)!.amount));
  }
}
