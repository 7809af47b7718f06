import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { buildBill, serviceFee } from './bill.js';
import type { AlipayRefund, AlipayTrade } from './model.js';

const day = Date.UTC(2026, 10, 29, 16); // 2026-11-30 00:00 China time
const trade = (n: number, amount: number, subject: string): AlipayTrade => ({
  id: `t${n}`, trade_no: `2026113022001${String(n).padStart(15, '0')}`, out_trade_no: `o${n}`, merchant_id: 'm', app_id: 'a', payment_id: null,
  channel: 'precreate', product_code: 'FACE_TO_FACE_PAYMENT', subject, body: null, total_amount: amount, trade_status: 'TRADE_SUCCESS',
  scanned: true, qr_code: null, notify_url: null, return_url: null, passback_params: null, buyer_id: '2088', buyer_logon_id: 'b***@x',
  refund_fee: 0, failure_sub_code: null, refunds_fail: false, gmt_create: day + 1000, gmt_payment: day + 2000, gmt_close: null, expires_at: day,
});
const refund = (t: AlipayTrade, amount: number, no: string): AlipayRefund => ({
  id: `${t.trade_no}:${no}`, trade_no: t.trade_no, out_trade_no: t.out_trade_no, out_request_no: no, merchant_id: 'm', refund_amount: amount,
  refund_reason: null, status: 'REFUND_SUCCESS', refund_id: null, gmt_refund: day + 3000,
});

describe('the Alipay business bill', () => {
  const t1 = trade(1, 1000, 'T-shirt, "red"');
  const t2 = trade(2, 2550, '咖啡');
  const bill = buildBill({ sellerId: '2088000000000001', billDate: '2026-11-30', startMs: day, endMs: day + 86_400_000, trades: [t1, t2], refunds: [refund(t1, 300, 'r1')], feeBps: 60, nowMs: day + 3_600_000 });

  it('is a zip named after the account and day, holding GBK detail and summary files', () => {
    expect(bill.fileName).toBe('20880000000000010156_20261130.csv.zip');
    const files = unzipSync(bill.zip);
    expect(Object.keys(files).sort()).toEqual(['20880000000000010156_20261130_业务明细(汇总).csv', '20880000000000010156_20261130_业务明细.csv']);
    expect(iconv.decode(Buffer.from(files['20880000000000010156_20261130_业务明细.csv']!), 'gbk')).toBe(bill.detail);
  });

  it('frames rows with the exact markers, ids ending in a tab, refunds negative, totals matching', () => {
    const lines = bill.detail.split('\r\n');
    expect(lines.slice(0, 4)).toEqual([
      '#支付宝业务明细查询',
      '#账号：[20880000000000010156]',
      '#起始日期：[2026年11月30日 00:00:00]   终止日期：[2026年12月01日 00:00:00]',
      '#-----------------------------------------业务明细列表----------------------------------------',
    ]);
    expect(lines[5]).toMatch(/^2026113022001000000000000001\t,o1\t,交易,"T-shirt, ""red""",2026-11-30 00:00:01,2026-11-30 00:00:02,/);
    expect(lines[7]).toContain(',退款,');
    expect(lines[7]).toContain(',-3.00,-3.00,');
    expect(lines[7]).toContain(',r1\t,0.02,');
    expect(lines[8]).toBe('#-----------------------------------------业务明细列表结束------------------------------------');
    expect(lines[9]).toBe('#交易合计：2笔，商家实收共35.50元，商家优惠共0.00元');
    expect(lines[10]).toBe('#退款合计：1笔，商家实收退款共-3.00元，商家优惠退款共0.00元');
    expect(bill.summary).toContain('合计,,2,1,32.50,32.50,0.00,0.00,0.00,-0.19,0.00,32.31');
  });

  it('names the goods and the buyer on the refund row of a trade paid another day', () => {
    const earlier = { ...trade(3, 5000, '茶叶'), gmt_payment: day - 86_400_000 };
    const tradeOf = (no: string) => (no === earlier.trade_no ? earlier : null);
    const later = buildBill({ sellerId: '2088000000000001', billDate: '2026-11-30', startMs: day, endMs: day + 86_400_000, trades: [], refunds: [refund(earlier, 500, 'r3')], tradeOf, feeBps: 60, nowMs: day + 3_600_000 });
    const row = later.detail.split('\r\n')[5]!.split(',');
    expect([row[2], row[3], row[10], row[11]]).toEqual(['退款', '茶叶', 'b***@x', '-5.00']);
  });

  it('rounds the 0.6% service fee half up', () => {
    expect([serviceFee(1000, 60), serviceFee(2550, 60), serviceFee(300, 60), serviceFee(1, 60)]).toEqual([6, 15, 2, 0]);
  });
});
