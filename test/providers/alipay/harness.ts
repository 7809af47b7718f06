/**
 * A small Alipay server for wire tests: the provider's router over an in-memory trade backend on port 0,
 * sending each notification once, at once, to the trade's notify_url (retries and chaos are the
 * dispatcher's, tested with the sandbox).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { AlipayMerchant, TradeBackend } from '../../../src/providers/alipay/backend.js';
import { mintAlipayCreds, type AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import type { AlipayRefund, AlipayTrade } from '../../../src/providers/alipay/model.js';
import { signNotification } from '../../../src/providers/alipay/notify.js';
import { alipayRouter } from '../../../src/providers/alipay/router.js';
import { notificationFields } from '../../../src/providers/alipay/wire.js';

export class MemoryTradeBackend implements TradeBackend {
  readonly trades = new Map<string, AlipayTrade>();
  readonly refunds = new Map<string, AlipayRefund>();
  // The real time: bills are asked for by today's date (China time).
  nowMs = Date.now();
  private seq = 0;

  constructor(
    readonly merchants: AlipayMerchant[],
    private readonly onChange: (trade: AlipayTrade, refund?: AlipayRefund) => void,
  ) {}

  now(): number {
    return this.nowMs;
  }
  digits(n: number): string {
    return Array.from({ length: n }, () => String(randomInt(10))).join('');
  }
  merchantByAppId(appId: string): AlipayMerchant | null {
    return this.merchants.find((m) => m.creds.app_id === appId) ?? null;
  }
  findTrade(merchantId: string, by: { trade_no?: string; out_trade_no?: string }): AlipayTrade | null {
    for (const t of this.trades.values()) {
      if (t.merchant_id !== merchantId) continue;
      if (by.trade_no !== undefined && t.trade_no !== by.trade_no) continue;
      if (by.out_trade_no !== undefined && t.out_trade_no !== by.out_trade_no) continue;
      return t;
    }
    return null;
  }
  tradeByNo(tradeNo: string): AlipayTrade | null {
    return this.trades.get(tradeNo) ?? null;
  }
  findRefund(tradeNo: string, outRequestNo: string): AlipayRefund | null {
    return this.refunds.get(`${tradeNo}:${outRequestNo}`) ?? null;
  }
  refundsOf(tradeNo: string): AlipayRefund[] {
    return [...this.refunds.values()].filter((r) => r.trade_no === tradeNo);
  }
  async openTrade(trade: AlipayTrade): Promise<AlipayTrade> {
    const doc = { ...trade, payment_id: `pay_${++this.seq}` };
    this.trades.set(doc.trade_no, doc);
    return doc;
  }
  async saveTrade(trade: AlipayTrade): Promise<AlipayTrade> {
    this.trades.set(trade.trade_no, trade);
    return trade;
  }
  async pay(next: AlipayTrade): Promise<AlipayTrade> {
    this.trades.set(next.trade_no, next);
    this.onChange(next);
    return next;
  }
  async close(next: AlipayTrade): Promise<AlipayTrade> {
    this.trades.set(next.trade_no, next);
    this.onChange(next);
    return next;
  }
  async refund(next: AlipayTrade, refund: AlipayRefund): Promise<AlipayRefund> {
    this.trades.set(next.trade_no, next);
    this.refunds.set(refund.id, refund);
    this.onChange(next, refund);
    return refund;
  }
  billRows(merchantId: string, startMs: number, endMs: number) {
    const inRange = (ms: number | null) => ms !== null && ms >= startMs && ms < endMs;
    return {
      trades: [...this.trades.values()].filter((t) => t.merchant_id === merchantId && inRange(t.gmt_payment)),
      refunds: [...this.refunds.values()].filter((r) => r.merchant_id === merchantId && r.status === 'REFUND_SUCCESS' && inRange(r.gmt_refund)),
    };
  }
}

export interface Delivered {
  url: string;
  status: number;
  body: string;
  fields: Record<string, string>;
}

export interface AlipayHarness {
  url: string;
  gateway: string;
  creds: AlipayCreds;
  merchant: AlipayMerchant;
  backend: MemoryTradeBackend;
  deliveries: Delivered[];
  /** Resolves when every notification sent so far has been answered. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

let credsOnce: Promise<AlipayCreds> | null = null;
/** One merchant's material per test process: minting takes three RSA key generations. */
export function sharedCreds(): Promise<AlipayCreds> {
  credsOnce ??= mintAlipayCreds({ randomBytes, nowSec: Math.floor(Date.now() / 1000) });
  return credsOnce;
}

export async function startAlipayHarness(): Promise<AlipayHarness> {
  const creds = await sharedCreds();
  const merchant: AlipayMerchant = { merchant_id: 'mch_1', creds, risk_max_amount: 5_000_000 };
  const deliveries: Delivered[] = [];
  const pending: Promise<void>[] = [];
  let seq = 0;
  const backend: MemoryTradeBackend = new MemoryTradeBackend([merchant], (trade, refund) => {
    if (!trade.notify_url) return;
    const fields = notificationFields(trade, creds, { nowMs: backend.now(), notifyId: `notify_${++seq}`, refund });
    const signed = signNotification(fields, creds.alipay_private_key);
    const url = trade.notify_url;
    pending.push(
      fetch(url, { method: 'POST', headers: signed.headers, body: signed.body }).then(
        async (r) => {
          deliveries.push({ url, status: r.status, body: await r.text(), fields: signed.fields });
        },
        () => {
          deliveries.push({ url, status: 0, body: '', fields: signed.fields });
        },
      ),
    );
  });
  const app = express();
  let baseUrl = '';
  app.use(
    alipayRouter({ backend, fallbackMerchant: () => merchant, baseUrl: () => baseUrl, bodyLimitBytes: 1_000_000 }),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    gateway: `${baseUrl}/gateway.do`,
    creds,
    merchant,
    backend,
    deliveries,
    settled: async () => {
      await Promise.all(pending);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
