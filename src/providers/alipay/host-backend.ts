/**
 * The trade backend over the sandbox's payment core. Each Alipay trade is a domain payment (an Alipay
 * wallet payment in CNY) plus an `alipay_trades` document with what only Alipay has (trade_no, subject,
 * buyer ids, product code); each refund is a domain refund plus an `alipay_refunds` document keyed by
 * `out_request_no`. The domain payment is the truth for state and amounts: a trade is read as its document
 * merged with its payment, so a payment the control API completed or the clock expired reads right.
 */
import { createHash } from 'node:crypto';
import type { CreatePaymentInput } from '../../engine/payments.js';
import type { Merchant, Payment, Refund } from '../../engine/types.js';
import type { ProviderHost } from '../contract.js';
import type { AlipayMerchant, TradeBackend } from './backend.js';
import type { AlipayCreds } from './credentials.js';
import { BUYER_LOGON_ID, refundDocId, type AlipayRefund, type AlipayTrade, type TradeStatus } from './model.js';

export const TRADES = 'alipay_trades';
export const REFUNDS = 'alipay_refunds';

/** The trade_no a domain payment of this provider carries, so notifications and refs find the trade. */
export const TRADE_NO_KEY = 'alipay_trade_no';
/** The out_request_no a domain refund carries. */
export const OUT_REQUEST_NO_KEY = 'alipay_out_request_no';

type TradeDoc = AlipayTrade & { merchant_id: string };

/** The Alipay status a domain payment's state means. */
export function tradeStatusOf(p: Payment): TradeStatus {
  if (p.status === 'succeeded') return p.amount_refunded >= p.amount ? 'TRADE_CLOSED' : 'TRADE_SUCCESS';
  if (p.status === 'failed' || p.status === 'canceled') return 'TRADE_CLOSED';
  return 'WAIT_BUYER_PAY';
}

/** A buyer id derived from the trade, for payments completed without the cashier (control API, scenarios). */
function derivedBuyerId(tradeNo: string): string {
  const h = createHash('sha256').update(`buyer:${tradeNo}`).digest();
  return `2088${Array.from(h.subarray(0, 12), (b) => String(b % 10)).join('')}`;
}

/** The trade as Alipay would answer about it: its document, with state and amounts from the payment. */
export function mergeTrade(doc: AlipayTrade, p: Payment | undefined): AlipayTrade {
  if (!p) return doc;
  const status = tradeStatusOf(p);
  // Paid or failed by the buyer means scanned; a close or an expiry does not (an unscanned QR code).
  const acted = p.captured_at !== null || p.status === 'failed';
  const paidAt = p.captured_at !== null ? p.captured_at * 1000 : null;
  const closedAt = p.canceled_at !== null ? p.canceled_at * 1000 : status === 'TRADE_CLOSED' && doc.gmt_close !== null ? doc.gmt_close : null;
  const buyerId = doc.buyer_id ?? (acted ? derivedBuyerId(doc.trade_no) : null);
  return {
    ...doc,
    trade_status: status,
    scanned: doc.scanned || acted,
    buyer_id: buyerId,
    buyer_logon_id: doc.buyer_logon_id ?? (buyerId ? BUYER_LOGON_ID : null),
    refund_fee: p.amount_refunded,
    gmt_payment: paidAt ?? doc.gmt_payment,
    gmt_close: closedAt,
    failure_sub_code: doc.failure_sub_code,
  };
}

const DIGITS = '0123456789';

export class HostTradeBackend implements TradeBackend {
  private seq = 0;
  /** `<merchant>\n<out_trade_no>` → trade_no; a hint only: every hit is read back from the store. */
  private readonly byOutTradeNo = new Map<string, string>();
  private indexed = false;

  constructor(private readonly host: ProviderHost<AlipayCreds>) {}

  now(): number {
    return this.host.clock.now();
  }

  /** Digits from the clock and a counter: repeatable in replay (virtual clock), distinct in a process. */
  readonly digits = (n: number): string => {
    let out = '';
    for (let block = 0; out.length < n; block++) {
      const h = createHash('sha256').update(`${this.now()}:${this.seq}:${block}`).digest();
      for (let i = 0; i < h.length && out.length < n; i++) out += DIGITS[h[i]! % 10];
    }
    this.seq++;
    return out.slice(0, n);
  };

  private toAlipayMerchant(m: Merchant): AlipayMerchant {
    return { merchant_id: m.id, creds: this.host.credentials(m), risk_max_amount: m.risk_max_amount };
  }

  merchantByAppId(appId: string): AlipayMerchant | null {
    const m = this.host.merchantWhere((c) => c.app_id === appId);
    return m ? this.toAlipayMerchant(m) : null;
  }

  /** Any merchant, to sign answers to an unknown app id (Alipay signs every answer). */
  fallbackMerchant(): AlipayMerchant {
    return this.toAlipayMerchant(this.host.core.defaultMerchant);
  }

  private merchant(id: string): Merchant {
    const m = this.host.core.merchants().find((x) => x.id === id);
    if (!m) throw new Error(`merchant ${id} is not in the store`);
    return m;
  }

  private read(tradeNo: string): AlipayTrade | null {
    const doc = this.host.core.reader.get<TradeDoc>(TRADES, tradeNo);
    if (!doc) return null;
    const payment = doc.payment_id ? this.host.core.reader.get<Payment>('payments', doc.payment_id) : undefined;
    return mergeTrade(doc, payment);
  }

  private indexKey(merchantId: string, outTradeNo: string): string {
    return `${merchantId}\n${outTradeNo}`;
  }

  private ensureIndex(): void {
    if (this.indexed) return;
    for (const t of this.host.core.reader.list<TradeDoc>(TRADES)) this.byOutTradeNo.set(this.indexKey(t.merchant_id, t.out_trade_no), t.trade_no);
    this.indexed = true;
  }

  findTrade(merchantId: string, by: { trade_no?: string; out_trade_no?: string }): AlipayTrade | null {
    let tradeNo = by.trade_no;
    if (tradeNo === undefined && by.out_trade_no !== undefined) {
      this.ensureIndex();
      tradeNo = this.byOutTradeNo.get(this.indexKey(merchantId, by.out_trade_no));
    }
    if (tradeNo === undefined) return null;
    const t = this.read(tradeNo);
    if (!t || t.merchant_id !== merchantId) return null;
    if (by.out_trade_no !== undefined && t.out_trade_no !== by.out_trade_no) return null;
    return t;
  }

  tradeByNo(tradeNo: string): AlipayTrade | null {
    return this.read(tradeNo);
  }

  findRefund(tradeNo: string, outRequestNo: string): AlipayRefund | null {
    return this.host.core.reader.get<AlipayRefund>(REFUNDS, refundDocId(tradeNo, outRequestNo)) ?? null;
  }

  refundsOf(tradeNo: string): AlipayRefund[] {
    return this.host.core.reader.list<AlipayRefund>(REFUNDS).filter((r) => r.trade_no === tradeNo);
  }

  async openTrade(trade: AlipayTrade): Promise<AlipayTrade> {
    const merchant = this.merchant(trade.merchant_id);
    const doc = await this.host.transact((uow) => {
      const input: CreatePaymentInput = {
        amount: trade.total_amount,
        currency: 'CNY',
        merchant_order_id: trade.out_trade_no,
        payment_method: { type: 'wallet', wallet: 'alipay' },
        capture_method: 'automatic',
        description: trade.subject,
        notify_url: trade.notify_url,
        return_url: trade.return_url,
        metadata: { [TRADE_NO_KEY]: trade.trade_no },
      };
      // The trade's own deadline (timeout_express, time_expire, or the sandbox's window).
      const payment = uow.createPayment(merchant, input, { expiresAtMs: trade.expires_at });
      const stored: TradeDoc = { ...trade, payment_id: payment.id };
      uow.put(TRADES, stored);
      uow.addRef(trade.trade_no, payment.id);
      return stored;
    });
    this.ensureIndex();
    this.byOutTradeNo.set(this.indexKey(doc.merchant_id, doc.out_trade_no), doc.trade_no);
    return this.read(doc.trade_no)!;
  }

  async saveTrade(trade: AlipayTrade): Promise<AlipayTrade> {
    await this.host.transact((uow) => uow.put(TRADES, this.docOf(trade)));
    return this.read(trade.trade_no)!;
  }

  /** The document part of a (merged) trade: what the payment holds is not duplicated as truth. */
  private docOf(trade: AlipayTrade): TradeDoc {
    return { ...trade };
  }

  async pay(next: AlipayTrade): Promise<AlipayTrade> {
    await this.host.transact((uow) => {
      uow.put(TRADES, this.docOf(next));
      uow.buyerAction(next.payment_id!, 'complete');
    });
    return this.read(next.trade_no)!;
  }

  async close(next: AlipayTrade): Promise<AlipayTrade> {
    const merchant = this.merchant(next.merchant_id);
    await this.host.transact((uow) => {
      uow.put(TRADES, this.docOf(next));
      if (next.failure_sub_code) uow.buyerAction(next.payment_id!, 'fail', failureCodeOf(next.failure_sub_code));
      else uow.cancel(merchant, next.payment_id!, 'merchant_closed');
    });
    return this.read(next.trade_no)!;
  }

  async refund(next: AlipayTrade, refund: AlipayRefund): Promise<AlipayRefund> {
    const merchant = this.merchant(next.merchant_id);
    return this.host.transact((uow) => {
      // The domain refund first: if it throws, nothing was staged (its notification reads the domain refund).
      const domain: Refund = uow.createRefund(merchant, next.payment_id!, {
        amount: refund.refund_amount,
        reason: refund.refund_reason,
        metadata: { [TRADE_NO_KEY]: refund.trade_no, [OUT_REQUEST_NO_KEY]: refund.out_request_no },
      });
      const stored: AlipayRefund = { ...refund, refund_id: domain.id, status: domain.status === 'succeeded' ? 'REFUND_SUCCESS' : 'REFUND_FAILED' };
      uow.put(REFUNDS, stored);
      uow.put(TRADES, this.docOf(next));
      return stored;
    });
  }

  billRows(merchantId: string, startMs: number, endMs: number): { trades: AlipayTrade[]; refunds: AlipayRefund[] } {
    const inRange = (ms: number | null) => ms !== null && ms >= startMs && ms < endMs;
    const trades: AlipayTrade[] = [];
    for (const doc of this.host.core.reader.list<TradeDoc>(TRADES)) {
      if (doc.merchant_id !== merchantId) continue;
      const t = this.read(doc.trade_no);
      if (t && inRange(t.gmt_payment)) trades.push(t);
    }
    const refunds = this.host.core.reader
      .list<AlipayRefund>(REFUNDS)
      .filter((r) => r.merchant_id === merchantId && r.status === 'REFUND_SUCCESS' && inRange(r.gmt_refund));
    return { trades: trades.sort((a, b) => a.gmt_payment! - b.gmt_payment!), refunds: [...refunds].sort((a, b) => a.gmt_refund - b.gmt_refund) };
  }
}

/** The domain failure code an Alipay decline stands for (the payment's failure_code). */
function failureCodeOf(subCode: string): string {
  const map: Record<string, string> = {
    'ACQ.BUYER_BALANCE_NOT_ENOUGH': 'insufficient_funds',
    'ACQ.PAYMENT_REQUEST_HAS_RISK': 'fraudulent',
    'ACQ.PAYMENT_AUTH_CODE_INVALID': 'expired_card',
    'ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR': 'card_velocity_exceeded',
  };
  return map[subCode] ?? 'card_declined';
}
