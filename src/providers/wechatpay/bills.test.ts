import { describe, expect, it } from 'vitest';
import { billFile, fundFlowBillCsv, tradeBillCsv } from './bills.js';
import type { WechatOrder, WechatRefund } from './wire.js';

// 2026-11-30 10:00 China time.
const T = Date.UTC(2026, 10, 30, 2, 0, 0);
const order = (no: string, total: number, successMs: number | null): WechatOrder => ({
  mchid: '1900000001', appid: 'wx0000000000000001', out_trade_no: no, transaction_id: `4200${no}`, trade_type: 'NATIVE',
  trade_state: successMs === null ? 'NOTPAY' : 'SUCCESS', trade_state_desc: '', description: 'Cup, large', attach: null, notify_url: 'http://x',
  total, currency: 'CNY', payer_openid: 'oPAYER', prepay_id: null, code_url: null, h5_url: null, bank_type: 'OTHERS',
  created_ms: T, success_ms: successMs, closed_ms: null, expires_ms: T + 7200_000, refunded: 0, refund_processing: 0, fingerprint: '',
});
const refund: WechatRefund = {
  mchid: '1900000001', refund_id: '50001', out_refund_no: 'R1', transaction_id: '4200A1', out_trade_no: 'A1', status: 'SUCCESS', reason: null,
  notify_url: null, refund: 500, total: 1000, currency: 'CNY', funds_account: 'UNSETTLED', created_ms: T + 60_000, success_ms: T + 63_000,
};
const input = {
  date: '2026-11-30',
  // B1 is unpaid; C1 was paid the day before (China time).
  orders: [order('A1', 1000, T), order('B1', 700, null), order('C1', 900, Date.UTC(2026, 10, 29, 15, 59, 59))],
  refunds: [refund],
};

describe('trade bill', () => {
  it('has the BOM, the 27-column header, backtick-prefixed values, summary rows and a final CRLF', () => {
    const csv = tradeBillCsv(input, 'ALL');
    expect(csv.startsWith('\ufeff交易时间,公众账号ID,商户号')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[0]!.split(',')).toHaveLength(27);
    expect(lines[1]).toBe('`2026-11-30 10:00:00,`wx0000000000000001,`1900000001,`0,`,`4200A1,`A1,`oPAYER,`NATIVE,`SUCCESS,`OTHERS,`CNY,`10.00,`0.00,`0,`0,`0.00,`0.00,`,`,`Cup, large,`,`0.06000,`0.60%,`10.00,`0.00,`');
    expect(lines[2]).toContain('`REFUND,');
    // A refund row of the ALL bill is dated when the refund succeeded (accepted 10:01:00, succeeded 10:01:03).
    expect(lines[2]!.startsWith('`2026-11-30 10:01:03,')).toBe(true);
    expect(lines[2]).toContain('`50001,`R1,`5.00,`0.00,`ORIGINAL,`SUCCESS,');
    expect(lines[2]).toContain('`-0.03000,');
    expect(lines[3]).toBe('总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额');
    expect(lines[4]).toBe('`2,`10.00,`5.00,`0.00,`0.03000,`10.00,`5.00');
    expect(lines).toHaveLength(6);
  });

  it('SUCCESS lists payments only, REFUND refunds only', () => {
    expect(tradeBillCsv(input, 'SUCCESS')).not.toContain('`REFUND,');
    const refunds = tradeBillCsv(input, 'REFUND');
    expect(refunds).toContain('`REFUND,');
    expect(refunds).not.toContain('`SUCCESS,`OTHERS');
  });

  it('has the columns of its bill_type, as WeChat lays out each: SUCCESS without the refund columns, REFUND with the refund times', () => {
    const success = tradeBillCsv(input, 'SUCCESS').slice(1).split('\r\n');
    expect(success[0]).toBe('交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注');
    expect(success[1]).toBe('`2026-11-30 10:00:00,`wx0000000000000001,`1900000001,`0,`,`4200A1,`A1,`oPAYER,`NATIVE,`SUCCESS,`OTHERS,`CNY,`10.00,`0.00,`Cup, large,`,`0.06000,`0.60%,`10.00,`');
    expect(success[3]).toBe('`1,`10.00,`0.00,`0.00,`0.06000,`10.00,`0.00');
    const refunds = tradeBillCsv(input, 'REFUND').slice(1).split('\r\n');
    expect(refunds[0]).toBe('交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注');
    // The payment's time, then the refund's acceptance and success times.
    expect(refunds[1]).toBe('`2026-11-30 10:00:00,`wx0000000000000001,`1900000001,`0,`,`4200A1,`A1,`oPAYER,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`2026-11-30 10:01:00,`2026-11-30 10:01:03,`50001,`R1,`5.00,`0.00,`ORIGINAL,`SUCCESS,`Cup, large,`,`-0.03000,`0.60%,`0.00,`5.00,`');
    expect(refunds[3]).toBe('`1,`0.00,`5.00,`0.00,`-0.03000,`0.00,`5.00');
    for (const bill of [success, refunds]) {
      const columns = bill[0]!.split(',').length;
      // Values hold no comma here but the description's: count the backtick-prefixed cells.
      expect(bill[1]!.split(',`').length).toBe(columns);
    }
  });

  it('hashes the bill itself, also when it is gzipped', () => {
    const plain = billFile('x', false);
    const gz = billFile('x', true);
    expect(plain.sha1).toBe('11f6ad8ec52a2984abaafd7c3b516503785c2072');
    expect(gz.sha1).toBe(plain.sha1);
    expect(gz.bytes[0]).toBe(0x1f);
  });
});

describe('fund-flow bill', () => {
  it('books the income, the fee and the refund with a running balance', () => {
    const lines = fundFlowBillCsv(input).slice(1).split('\r\n');
    expect(lines[1]).toContain('`交易,`交易,`收入,`10.00,`10.00,');
    expect(lines[2]).toContain('`扣除交易手续费,`扣除交易手续费,`支出,`0.06,`9.94,');
    expect(lines[3]).toContain('`退款,`退款,`支出,`5.00,`4.94,');
    expect(lines[5]).toBe('`3,`1,`10.00,`2,`5.06');
  });

  it('charges each payment a fee in whole fen, so every balance follows from the row before and the totals add up', () => {
    // 0.6 % of 1.00 yuan is 0.6 fen: WeChat charges 1 fen, in both bills.
    const small = { date: '2026-11-30', orders: [order('D1', 100, T), order('D2', 100, T + 1000), order('D3', 100, T + 2000)], refunds: [] };
    const fund = fundFlowBillCsv(small).slice(1).split('\r\n');
    const cents = (s: string) => Math.round(Number(s.slice(1)) * 100);
    let balance = 0, out = 0;
    for (const line of fund.slice(1, 7)) {
      const cells = line.split(',');
      const amount = cents(cells[6]!);
      balance += cells[5] === '`收入' ? amount : -amount;
      if (cells[5] === '`支出') out += amount;
      expect(cents(cells[7]!)).toBe(balance);
    }
    expect(fund[8]).toBe(`\`6,\`3,\`3.00,\`3,\`${(out / 100).toFixed(2)}`);
    expect(out).toBe(3);
    const trade = tradeBillCsv(small, 'ALL').slice(1).split('\r\n');
    expect(trade[1]).toContain('`0.01000,`0.60%,');
    expect(trade[5]).toBe('`3,`3.00,`0.00,`0.00,`0.03000,`3.00,`0.00');
  });
});

describe('refund states in the trade bill', () => {
  it('are the bills\' own: an abnormal refund (v3 ABNORMAL) is CHANGE, a processing one PROCESSING', () => {
    const abnormal = { ...refund, refund_id: '50002', out_refund_no: 'R2', status: 'ABNORMAL' as const, success_ms: null };
    const processing = { ...refund, refund_id: '50003', out_refund_no: 'R3', status: 'PROCESSING' as const, success_ms: null };
    const lines = tradeBillCsv({ ...input, refunds: [abnormal, processing] }, 'ALL').slice(1).split('\r\n');
    expect(lines.find((l) => l.includes('`R2,'))).toContain('`ORIGINAL,`CHANGE,');
    expect(lines.find((l) => l.includes('`R3,'))).toContain('`ORIGINAL,`PROCESSING,');
  });
});
