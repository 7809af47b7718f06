/**
 * The daily reconciliation (settlement) report: what a merchant matches against its own books. One row per
 * captured payment and per succeeded refund on that UTC day, and totals per currency.
 */
import type { FeeSchedule, Payment, Refund } from './types.js';

export const DEFAULT_FEES: FeeSchedule = { percent_bps: 290, fixed: 30 };

/** The PSP's fee on a captured amount: a percentage (rounded half up) plus a fixed part. */
export function feeFor(amount: number, fees: FeeSchedule): number {
  return Math.round((amount * fees.percent_bps) / 10_000) + fees.fixed;
}

export interface SettlementRow {
  time: number;
  type: 'payment' | 'refund';
  payment_id: string;
  refund_id: string | null;
  merchant_order_id: string;
  currency: string;
  /** Positive for payments, negative for refunds. */
  amount: number;
  fee: number;
  net: number;
}

export interface SettlementTotals {
  currency: string;
  payment_count: number;
  payment_amount: number;
  refund_count: number;
  refund_amount: number;
  fee_total: number;
  net_total: number;
}

export interface SettlementReport {
  object: 'settlement';
  date: string;
  rows: SettlementRow[];
  totals: SettlementTotals[];
}

/** Parses `YYYY-MM-DD` into the UTC day's [start, end) in Unix seconds, or null when it is not a real date. */
export function utcDayRange(date: string): { start: number; end: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const start = Date.UTC(y, mo - 1, d);
  const check = new Date(start);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return { start: start / 1000, end: start / 1000 + 86_400 };
}

export function settlementReport(date: string, payments: Iterable<Payment>, refunds: Iterable<Refund>): SettlementReport {
  const range = utcDayRange(date);
  if (!range) throw new RangeError(`not a date: ${date}`);
  const inDay = (t: number | null) => t !== null && t >= range.start && t < range.end;
  const rows: SettlementRow[] = [];
  for (const p of payments) {
    if (p.status === 'succeeded' && inDay(p.captured_at)) {
      rows.push({
        time: p.captured_at!,
        type: 'payment',
        payment_id: p.id,
        refund_id: null,
        merchant_order_id: p.merchant_order_id,
        currency: p.currency,
        amount: p.amount_captured,
        fee: p.fee,
        net: p.amount_captured - p.fee,
      });
    }
  }
  for (const r of refunds) {
    if (r.status === 'succeeded' && inDay(r.created)) {
      rows.push({
        time: r.created,
        type: 'refund',
        payment_id: r.payment_id,
        refund_id: r.id,
        merchant_order_id: r.merchant_order_id,
        currency: r.currency,
        amount: -r.amount,
        fee: 0,
        net: -r.amount,
      });
    }
  }
  rows.sort((a, b) => a.time - b.time || a.payment_id.localeCompare(b.payment_id) || (a.refund_id ?? '').localeCompare(b.refund_id ?? ''));
  const byCurrency = new Map<string, SettlementTotals>();
  for (const row of rows) {
    const t = byCurrency.get(row.currency) ?? {
      currency: row.currency,
      payment_count: 0,
      payment_amount: 0,
      refund_count: 0,
      refund_amount: 0,
      fee_total: 0,
      net_total: 0,
    };
    if (row.type === 'payment') {
      t.payment_count++;
      t.payment_amount += row.amount;
    } else {
      t.refund_count++;
      t.refund_amount += -row.amount;
    }
    t.fee_total += row.fee;
    t.net_total += row.net;
    byCurrency.set(row.currency, t);
  }
  const totals = [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
  return { object: 'settlement', date, rows, totals };
}

const CSV_COLUMNS = ['time', 'type', 'payment_id', 'refund_id', 'merchant_order_id', 'currency', 'amount', 'fee', 'net'] as const;

function csvCell(value: string | number | null): string {
  // A text cell starting like a formula (a merchant order id "=HYPERLINK(…)") would run in a spreadsheet:
  // prefix it with an apostrophe, as OWASP advises for CSV exports. Numbers are left alone.
  const s = value === null ? '' : typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The report's rows as CSV (time as ISO 8601): one table per file, so spreadsheets and CSV readers take it
 * as it is. The totals are their own file (`settlementTotalsCsv`).
 */
export function settlementCsv(report: SettlementReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of report.rows) {
    lines.push(CSV_COLUMNS.map((k) => csvCell(k === 'time' ? new Date(row.time * 1000).toISOString() : row[k])).join(','));
  }
  return lines.join('\n') + '\n';
}

const TOTAL_COLUMNS = ['currency', 'payment_count', 'payment_amount', 'refund_count', 'refund_amount', 'fee_total', 'net_total'] as const;

/** The totals per currency as CSV, one table. */
export function settlementTotalsCsv(report: SettlementReport): string {
  return [TOTAL_COLUMNS.join(','), ...report.totals.map((t) => TOTAL_COLUMNS.map((k) => csvCell(t[k])).join(','))].join('\n') + '\n';
}
