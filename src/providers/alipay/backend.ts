/**
 * What the Alipay methods need from the sandbox: the merchant's trades and refunds, and the domain
 * operations behind each Alipay state change. Every write operation commits durably before it resolves
 * and raises the notifications Alipay would send.
 */
import type { AlipayCreds } from './credentials.js';
import type { AlipayRefund, AlipayTrade } from './model.js';

export interface AlipayMerchant {
  merchant_id: string;
  creds: AlipayCreds;
  /** Trades above this amount (fen) are refused by risk control; null disables the rule. */
  risk_max_amount: number | null;
}

export interface TradeBackend {
  now(): number;
  /** n random decimal digits (seeded in replay). */
  digits(n: number): string;
  /** The merchant whose app id this is, or null. */
  merchantByAppId(appId: string): AlipayMerchant | null;
  findTrade(merchantId: string, by: { trade_no?: string; out_trade_no?: string }): AlipayTrade | null;
  /** A trade by Alipay's trade number, whichever merchant it belongs to (buyer pages). */
  tradeByNo(tradeNo: string): AlipayTrade | null;
  findRefund(tradeNo: string, outRequestNo: string): AlipayRefund | null;
  /** Refunds of one trade, oldest first. */
  refundsOf(tradeNo: string): AlipayRefund[];
  /** Stores a new trade waiting for the buyer (its domain payment is a pending Alipay wallet payment). */
  openTrade(trade: AlipayTrade): Promise<AlipayTrade>;
  /** Saves a change the buyer made that is not a payment (a QR code scanned). */
  saveTrade(trade: AlipayTrade): Promise<AlipayTrade>;
  /** The buyer paid: `next` is the trade in TRADE_SUCCESS. */
  pay(next: AlipayTrade): Promise<AlipayTrade>;
  /** Closed unpaid (merchant close, buyer failure, expiry, decline). */
  close(next: AlipayTrade): Promise<AlipayTrade>;
  /** A successful refund: `next` carries the new cumulative refund_fee. */
  refund(next: AlipayTrade, refund: AlipayRefund): Promise<AlipayRefund>;
  /** Trades paid and refunds made in [startMs, endMs), for the bill. */
  billRows(merchantId: string, startMs: number, endMs: number): { trades: AlipayTrade[]; refunds: AlipayRefund[] };
}
