/** A WechatpayLedger in memory: for unit and wire tests, and for a sandbox without a data file. */
import type { WechatpayLedger } from './orders.js';
import type { WechatOrder, WechatRefund } from './wire.js';

export class MemoryLedger implements WechatpayLedger {
  private readonly byOutTradeNo = new Map<string, WechatOrder>();
  private readonly byTransactionId = new Map<string, string>();
  private readonly refundsByNo = new Map<string, WechatRefund>();

  order(outTradeNo: string): WechatOrder | undefined {
    return this.byOutTradeNo.get(outTradeNo);
  }

  orderByTransactionId(transactionId: string): WechatOrder | undefined {
    const no = this.byTransactionId.get(transactionId);
    return no === undefined ? undefined : this.byOutTradeNo.get(no);
  }

  refund(outRefundNo: string): WechatRefund | undefined {
    return this.refundsByNo.get(outRefundNo);
  }

  refundsOf(transactionId: string): WechatRefund[] {
    return [...this.refundsByNo.values()].filter((r) => r.transaction_id === transactionId);
  }

  orders(): WechatOrder[] {
    return [...this.byOutTradeNo.values()];
  }

  refunds(): WechatRefund[] {
    return [...this.refundsByNo.values()];
  }

  async save(change: { orders?: WechatOrder[]; refunds?: WechatRefund[] }): Promise<void> {
    for (const o of change.orders ?? []) {
      this.byOutTradeNo.set(o.out_trade_no, o);
      this.byTransactionId.set(o.transaction_id, o.out_trade_no);
    }
    for (const r of change.refunds ?? []) this.refundsByNo.set(r.out_refund_no, r);
  }
}
