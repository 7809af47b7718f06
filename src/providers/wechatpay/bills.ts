/**
 * Bills (对账单) in WeChat Pay's layout, as merchants' parsers read them: a header line, detail rows, a
 * summary header and one summary row; every detail and summary value prefixed with a backtick; `\r\n`
 * line ends (the file ends with one); a UTF-8 BOM; amounts in yuan with two decimals, fees with five.
 * The day runs from 00:00 to 24:00 China time; payments count by success time, refunds by acceptance
 * time; unpaid orders never appear.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { chinaTime, type WechatOrder, type WechatRefund } from './wire.js';

export type TradeBillType = 'ALL' | 'SUCCESS' | 'REFUND';

/** The sandbox's fee: 0.6 % (6 ‰), a common WeChat Pay rate. */
const FEE_PER_MILLE = 6;

/** The detail columns of each bill_type, as WeChat lays them out: SUCCESS has no refund columns, REFUND adds the refund's times. */
const TRADE_COLUMNS: Record<TradeBillType, readonly string[]> = {
  ALL: '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注'.split(','),
  SUCCESS: '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注'.split(','),
  REFUND: '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注'.split(','),
};
const TRADE_SUMMARY_HEADER = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const FUND_HEADER = '记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号';
const FUND_SUMMARY_HEADER = '资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额';

const BOM = '\ufeff';

/** `2026-11-30` of a time, in China time. */
export function chinaDate(ms: number): string {
  return chinaTime(ms).slice(0, 10);
}

/** `2026-11-30 14:00:00` in China time, the bills' time format. */
function billTime(ms: number): string {
  return chinaTime(ms).slice(0, 19).replace('T', ' ');
}

const yuan = (fen: number) => (fen / 100).toFixed(2);
/**
 * The fee of an amount in hundred-thousandths of a yuan (the bills' five decimals). WeChat charges it in
 * whole fen, rounded half up per payment (and returns it per refund likewise): a fraction of a fen never
 * leaves the account, so the fund-flow bill's balances follow from its rows and both bills' totals agree.
 */
const feeOf = (fen: number) => Math.floor((fen * FEE_PER_MILLE + 500) / 1000) * 1000;
const fee5 = (units: number) => (units / 100000).toFixed(5);

/** Values as WeChat writes them: no line breaks inside a value, each prefixed with a backtick. */
const row = (values: (string | number)[]) => values.map((v) => '`' + String(v).replace(/[\r\n]+/g, ' ')).join(',');

export interface BillInput {
  date: string;
  orders: readonly WechatOrder[];
  refunds: readonly WechatRefund[];
}

/**
 * What is wrong with a bill date of the APIs (null when nothing): WeChat offers the bills of the last three
 * months only. A day is offered from the day itself on (WeChat builds it after 10:00 the next day; the
 * sandbox does not make a merchant's test wait a night).
 */
export function billDateProblem(date: string, nowMs: number): string | null {
  const today = chinaDate(nowMs);
  if (date > today) return `must not be in the future (today is ${today} in China time)`;
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const earliest = new Date(Date.UTC(y, m - 1 - 3, d)).toISOString().slice(0, 10);
  if (date < earliest) return `must be within the last three months (仅支持三个月内的账单下载申请): ${earliest} or later`;
  return null;
}

/** Whether the merchant had a payment or an accepted refund that day: WeChat has no trade bill for a day without. */
export function hasTradeBill(input: BillInput): boolean {
  return (
    input.orders.some((o) => o.success_ms !== null && chinaDate(o.success_ms) === input.date) ||
    input.refunds.some((r) => r.status !== 'CLOSED' && chinaDate(r.created_ms) === input.date)
  );
}

/** Whether the basic account moved that day (a payment, or a refund paid out): else there is no fund-flow bill. */
export function hasFundFlowBill(input: BillInput): boolean {
  return (
    input.orders.some((o) => o.success_ms !== null && chinaDate(o.success_ms) === input.date) ||
    input.refunds.some((r) => r.status === 'SUCCESS' && r.success_ms !== null && chinaDate(r.success_ms) === input.date)
  );
}

/** Bills name refund states as WeChat's bills always have (退款异常 is CHANGE), not as the v3 refund API does. */
const BILL_REFUND_STATUS: Record<WechatRefund['status'], string> = { SUCCESS: 'SUCCESS', PROCESSING: 'PROCESSING', ABNORMAL: 'CHANGE', CLOSED: 'REFUNDCLOSE' };

export function tradeBillCsv(input: BillInput, billType: TradeBillType): string {
  const byTxn = new Map(input.orders.map((o) => [o.transaction_id, o]));
  const columns = TRADE_COLUMNS[billType];
  const lines: string[] = [BOM + columns.join(',')];
  // A detail row by column name, written in the columns of the bill_type.
  const detail = (cells: Record<string, string>) => lines.push(row(columns.map((c) => cells[c] ?? '')));
  let count = 0, settled = 0, refunded = 0, fees = 0, ordered = 0;
  if (billType !== 'REFUND') {
    const paid = input.orders.filter((o) => o.success_ms !== null && chinaDate(o.success_ms) === input.date).sort((a, b) => a.success_ms! - b.success_ms!);
    for (const o of paid) {
      const fee = feeOf(o.total);
      detail({
        交易时间: billTime(o.success_ms!), 公众账号ID: o.appid, 商户号: o.mchid, 特约商户号: '0', 设备号: '', 微信订单号: o.transaction_id, 商户订单号: o.out_trade_no,
        用户标识: o.payer_openid ?? '', 交易类型: o.trade_type, 交易状态: 'SUCCESS', 付款银行: o.bank_type ?? 'OTHERS', 货币种类: o.currency, 应结订单金额: yuan(o.total),
        代金券金额: '0.00', 微信退款单号: '0', 商户退款单号: '0', 退款金额: '0.00', 充值券退款金额: '0.00', 退款类型: '', 退款状态: '', 商品名称: o.description,
        商户数据包: o.attach ?? '', 手续费: fee5(fee), 费率: '0.60%', 订单金额: yuan(o.total), 申请退款金额: '0.00', 费率备注: '',
      });
      count++; settled += o.total; ordered += o.total; fees += fee;
    }
  }
  if (billType !== 'SUCCESS') {
    const accepted = input.refunds.filter((r) => chinaDate(r.created_ms) === input.date && r.status !== 'CLOSED').sort((a, b) => a.created_ms - b.created_ms);
    for (const r of accepted) {
      const o = byTxn.get(r.transaction_id);
      const fee = -feeOf(r.refund);
      detail({
        // The REFUND bill dates a row by its payment and gives the refund's own times; ALL dates it by the
        // refund's success (by its acceptance while it is processing), as WeChat's bills show.
        交易时间: billTime(billType === 'REFUND' ? (o?.success_ms ?? r.created_ms) : (r.success_ms ?? r.created_ms)), 公众账号ID: o?.appid ?? '', 商户号: r.mchid, 特约商户号: '0', 设备号: '',
        微信订单号: r.transaction_id, 商户订单号: r.out_trade_no, 用户标识: o?.payer_openid ?? '', 交易类型: o?.trade_type ?? '', 交易状态: 'REFUND',
        付款银行: o?.bank_type ?? 'OTHERS', 货币种类: r.currency, 应结订单金额: '0.00', 代金券金额: '0.00', 退款申请时间: billTime(r.created_ms),
        退款成功时间: r.success_ms !== null ? billTime(r.success_ms) : '', 微信退款单号: r.refund_id, 商户退款单号: r.out_refund_no, 退款金额: yuan(r.refund),
        充值券退款金额: '0.00', 退款类型: 'ORIGINAL', 退款状态: BILL_REFUND_STATUS[r.status], 商品名称: o?.description ?? '', 商户数据包: o?.attach ?? '', 手续费: fee5(fee), 费率: '0.60%',
        订单金额: '0.00', 申请退款金额: yuan(r.refund), 费率备注: '',
      });
      count++; refunded += r.refund; fees += fee;
    }
  }
  lines.push(TRADE_SUMMARY_HEADER);
  lines.push(row([count, yuan(settled), yuan(refunded), '0.00', fee5(fees), yuan(ordered), yuan(refunded)]));
  return lines.join('\r\n') + '\r\n';
}

interface FundEntry {
  ms: number;
  ref: string;
  name: string;
  kind: string;
  income: boolean;
  units: number;
  voucher: string;
}

/** The fund-flow bill of the basic account: income per payment, the fee, and each refund paid out. */
export function fundFlowBillCsv(input: BillInput): string {
  const entries: FundEntry[] = [];
  for (const o of input.orders) {
    if (o.success_ms === null || chinaDate(o.success_ms) !== input.date) continue;
    entries.push({ ms: o.success_ms, ref: o.transaction_id, name: '交易', kind: '交易', income: true, units: o.total * 1000, voucher: o.out_trade_no });
    entries.push({ ms: o.success_ms, ref: o.transaction_id, name: '扣除交易手续费', kind: '扣除交易手续费', income: false, units: feeOf(o.total), voucher: o.out_trade_no });
  }
  for (const r of input.refunds) {
    if (r.status !== 'SUCCESS' || r.success_ms === null || chinaDate(r.success_ms) !== input.date) continue;
    entries.push({ ms: r.success_ms, ref: r.refund_id, name: '退款', kind: '退款', income: false, units: r.refund * 1000, voucher: r.out_refund_no });
  }
  entries.sort((a, b) => a.ms - b.ms);
  const lines: string[] = [BOM + FUND_HEADER];
  let balance = 0, incomeCount = 0, incomeUnits = 0, outCount = 0, outUnits = 0;
  entries.forEach((e, i) => {
    balance += e.income ? e.units : -e.units;
    if (e.income) { incomeCount++; incomeUnits += e.units; } else { outCount++; outUnits += e.units; }
    const flowNo = `${e.ref.slice(-20)}${String(i + 1).padStart(4, '0')}`;
    lines.push(row([billTime(e.ms), e.ref, flowNo, e.name, e.kind, e.income ? '收入' : '支出', (e.units / 100000).toFixed(2), (balance / 100000).toFixed(2), 'system', '', e.voucher]));
  });
  lines.push(FUND_SUMMARY_HEADER);
  lines.push(row([entries.length, incomeCount, (incomeUnits / 100000).toFixed(2), outCount, (outUnits / 100000).toFixed(2)]));
  return lines.join('\r\n') + '\r\n';
}

export interface BillFile {
  bytes: Buffer;
  /** SHA-1 of the bill itself (before compression), as `hash_value`. */
  sha1: string;
  gzip: boolean;
}

export function billFile(csv: string, gzip: boolean): BillFile {
  const raw = Buffer.from(csv, 'utf8');
  const sha1 = createHash('sha1').update(raw).digest('hex');
  return { bytes: gzip ? gzipSync(raw) : raw, sha1, gzip };
}
