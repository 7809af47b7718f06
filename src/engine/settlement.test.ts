import { describe, expect, it } from 'vitest';
import { MERCHANT, NOW_MS, PAGES, cardMethod, fixedContext, paymentInput } from '../../test/helpers/engine.js';
import { capture, createPayment } from './payments.js';
import { createRefund } from './refunds.js';
import { DEFAULT_FEES, feeFor, settlementCsv, settlementReport, settlementTotalsCsv, utcDayRange } from './settlement.js';
import type { Payment, Refund } from './types.js';

const DAY = '2026-03-15'; // the day of NOW_MS
const HOUR = 3_600_000;

describe('feeFor', () => {
  it.each([
    [2000, DEFAULT_FEES, 58 + 30],
    [1050, DEFAULT_FEES, 30 + 30], // 30.45 rounds down
    [50, DEFAULT_FEES, 1 + 30], // 1.45 rounds down
    [1, { percent_bps: 5000, fixed: 0 }, 1], // 0.5 rounds half up
    [3, { percent_bps: 5000, fixed: 0 }, 2], // 1.5 rounds half up
    [10_000, { percent_bps: 0, fixed: 25 }, 25],
    [99_999_999, DEFAULT_FEES, 2_900_000 + 30], // 2,899,999.971 → 2,900,000
  ])('fee on %i with %j is %i', (amount, fees, fee) => {
    expect(feeFor(amount, fees)).toBe(fee);
  });

  it('the merchant fee schedule is what a captured payment pays', () => {
    const merchant = { ...MERCHANT, fees: { percent_bps: 150, fixed: 10 } };
    const p = createPayment(fixedContext(), merchant, paymentInput({ amount: 10_000 }), PAGES).object;
    expect(p.fee).toBe(150 + 10);
  });
});

describe('utcDayRange', () => {
  it('gives the UTC day in Unix seconds', () => {
    expect(utcDayRange('2026-03-15')).toEqual({ start: Date.UTC(2026, 2, 15) / 1000, end: Date.UTC(2026, 2, 16) / 1000 });
    expect(utcDayRange('2028-02-29')).not.toBeNull();
  });

  it.each(['2026-02-30', '2027-02-29', '2026-13-01', '2026-00-10', '2026-1-5', '20260315', 'yesterday', '', '2026-03-15T00:00:00Z'])(
    '%j is not a date',
    (date) => {
      expect(utcDayRange(date)).toBeNull();
      expect(() => settlementReport(date, [], [])).toThrow(RangeError);
    },
  );
});

/** A day of business: payments and refunds at chosen times, in two currencies, plus things that must not show. */
function business() {
  // One id counter across the day, so every object has its own id.
  const ids = fixedContext();
  const at = (offsetMs: number) => ({ nowMs: NOW_MS + offsetMs, newId: ids.newId });
  let order = 0;
  const pay = (offsetMs: number, over: Parameters<typeof paymentInput>[0] = {}) =>
    createPayment(at(offsetMs), MERCHANT, paymentInput({ merchant_order_id: `o${++order}`, ...over }), PAGES).object;
  const usd1 = pay(0, { amount: 2000 });
  const usd2auth = pay(1 * HOUR, { amount: 5000, capture_method: 'manual' });
  const usd2 = capture(at(2 * HOUR), MERCHANT, usd2auth, 3000).object;
  const eur1 = pay(3 * HOUR, { amount: 1000, currency: 'EUR' });
  const failed = pay(4 * HOUR, { payment_method: cardMethod('4000000000009995') });
  const uncaptured = pay(5 * HOUR, { capture_method: 'manual' });
  const yesterday = pay(-13 * HOUR); // 2026-03-14T23:00Z
  const ref1 = createRefund(at(6 * HOUR), usd1, { amount: 500, reason: null, metadata: {} });
  const badCard = pay(7 * HOUR, { payment_method: cardMethod('4000000000005126') });
  const failedRefund = createRefund(at(8 * HOUR), badCard, { reason: null, metadata: {} });
  const tomorrowRefund = createRefund(at(12 * HOUR + 1000), eur1, { amount: 100, reason: null, metadata: {} });
  const payments: Payment[] = [ref1.payment, usd2, eur1, failed, uncaptured, yesterday, badCard];
  const refunds: Refund[] = [ref1.refund, failedRefund.refund, tomorrowRefund.refund];
  return { payments, refunds, usd1, usd2, eur1, badCard, ref1: ref1.refund };
}

describe('settlementReport', () => {
  it('has one row per captured payment and succeeded refund of the day, in time order', () => {
    const b = business();
    const report = settlementReport(DAY, b.payments, b.refunds);
    expect(report.object).toBe('settlement');
    expect(report.date).toBe(DAY);
    const s = (h: number) => NOW_MS / 1000 + h * 3600;
    expect(report.rows).toEqual([
      { time: s(0), type: 'payment', payment_id: b.usd1.id, refund_id: null, merchant_order_id: b.usd1.merchant_order_id, currency: 'USD', amount: 2000, fee: 88, net: 1912 },
      { time: s(2), type: 'payment', payment_id: b.usd2.id, refund_id: null, merchant_order_id: b.usd2.merchant_order_id, currency: 'USD', amount: 3000, fee: 117, net: 2883 },
      { time: s(3), type: 'payment', payment_id: b.eur1.id, refund_id: null, merchant_order_id: b.eur1.merchant_order_id, currency: 'EUR', amount: 1000, fee: 59, net: 941 },
      { time: s(6), type: 'refund', payment_id: b.usd1.id, refund_id: b.ref1.id, merchant_order_id: b.usd1.merchant_order_id, currency: 'USD', amount: -500, fee: 0, net: -500 },
      { time: s(7), type: 'payment', payment_id: b.badCard.id, refund_id: null, merchant_order_id: b.badCard.merchant_order_id, currency: 'USD', amount: 2000, fee: 88, net: 1912 },
    ]);
  });

  it('totals per currency, sorted by currency', () => {
    const b = business();
    expect(settlementReport(DAY, b.payments, b.refunds).totals).toEqual([
      { currency: 'EUR', payment_count: 1, payment_amount: 1000, refund_count: 0, refund_amount: 0, fee_total: 59, net_total: 941 },
      { currency: 'USD', payment_count: 3, payment_amount: 7000, refund_count: 1, refund_amount: 500, fee_total: 293, net_total: 7000 - 293 - 500 },
    ]);
  });

  it('the day before and after hold what falls on them', () => {
    const b = business();
    const before = settlementReport('2026-03-14', b.payments, b.refunds);
    expect(before.rows.map((r) => r.type)).toEqual(['payment']);
    const after = settlementReport('2026-03-16', b.payments, b.refunds);
    expect(after.rows).toMatchObject([{ type: 'refund', amount: -100, currency: 'EUR' }]);
    expect(after.totals).toEqual([{ currency: 'EUR', payment_count: 0, payment_amount: 0, refund_count: 1, refund_amount: 100, fee_total: 0, net_total: -100 }]);
  });

  it('an empty day has no rows and no totals', () => {
    expect(settlementReport('2025-01-01', business().payments, business().refunds)).toEqual({ object: 'settlement', date: '2025-01-01', rows: [], totals: [] });
  });
});

describe('settlementCsv', () => {
  it('writes the rows with ISO times as one table; the totals are their own table', () => {
    const b = business();
    const report = settlementReport(DAY, b.payments, b.refunds);
    const csv = settlementCsv(report);
    const lines = csv.split('\n');
    expect(lines[0]).toBe('time,type,payment_id,refund_id,merchant_order_id,currency,amount,fee,net');
    expect(lines[1]).toBe(`2026-03-15T12:00:00.000Z,payment,${b.usd1.id},,${b.usd1.merchant_order_id},USD,2000,88,1912`);
    expect(lines[4]).toBe(`2026-03-15T18:00:00.000Z,refund,${b.usd1.id},${b.ref1.id},${b.usd1.merchant_order_id},USD,-500,0,-500`);
    expect(csv.endsWith('\n')).toBe(true);
    // One table: every line but the final empty one has the header's nine columns.
    expect(lines.slice(0, -1).every((l) => l.split(',').length === 9)).toBe(true);
    expect(lines).toHaveLength(report.rows.length + 2);
    expect(settlementTotalsCsv(report).split('\n')).toEqual([
      'currency,payment_count,payment_amount,refund_count,refund_amount,fee_total,net_total',
      'EUR,1,1000,0,0,59,941',
      'USD,3,7000,1,500,293,6207',
      '',
    ]);
  });

  it('quotes cells holding commas, quotes or newlines', () => {
    const p = createPayment(fixedContext(), MERCHANT, paymentInput({ merchant_order_id: 'a,"b"\nc' }), PAGES).object;
    const csv = settlementCsv(settlementReport(DAY, [p], []));
    expect(csv.split('\n').slice(0, 3).join('\n')).toContain(`,"a,""b""\nc",USD,`);
  });

  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1', "'+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
  ])('defuses a text cell that a spreadsheet would run as a formula: %s', (orderId, cell) => {
    const p = createPayment(fixedContext(), MERCHANT, paymentInput({ merchant_order_id: orderId }), PAGES).object;
    const row = settlementCsv(settlementReport(DAY, [p], [])).split('\n')[1]!;
    expect(row).toContain(`,,${cell},USD,2000,`);
  });

  it('an empty report is just the header of each table', () => {
    const empty = settlementReport(DAY, [], []);
    expect(settlementCsv(empty)).toBe('time,type,payment_id,refund_id,merchant_order_id,currency,amount,fee,net\n');
    expect(settlementTotalsCsv(empty)).toBe('currency,payment_count,payment_amount,refund_count,refund_amount,fee_total,net_total\n');
  });
});
