/**
 * Alipay's business bill (业务明细 对账单) as merchants' parsers read it: a zip of two GBK CSV files, the
 * detail (one row per payment, one negative row per refund) and the summary, each framed by `#` comment
 * lines and the exact marker lines parsers look for. Ids end with a tab so spreadsheets keep them as text.
 */
import { zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { chinaTime, yuan } from './format.js';
import type { AlipayRefund, AlipayTrade } from './model.js';

const DETAIL_HEADER = [
  '支付宝交易号', '商户订单号', '业务类型', '商品名称', '创建时间', '完成时间', '门店编号', '门店名称', '操作员', '终端号',
  '对方账户', '订单金额（元）', '商家实收（元）', '支付宝红包（元）', '集分宝（元）', '支付宝优惠（元）', '商家优惠（元）',
  '券核销金额（元）', '券名称', '商家红包消费金额（元）', '卡消费金额（元）', '退款批次号/请求号', '服务费（元）', '分润（元）', '备注',
];

const SUMMARY_HEADER = [
  '门店编号', '门店名称', '交易订单总笔数', '退款订单总笔数', '交易订单总金额（元）', '商家实收（元）', '支付宝优惠（元）',
  '商家优惠（元）', '卡消费金额（元）', '服务费（元）', '分润（元）', '实收净额（元）',
];

const marker = (title: string, end: boolean) =>
  end ? `#-----------------------------------------${title}结束------------------------------------` : `#-----------------------------------------${title}----------------------------------------`;

export interface BillInput {
  /** The merchant's partner id (PID): the account the bill is for. */
  sellerId: string;
  /** `yyyy-MM-dd` or `yyyy-MM`. */
  billDate: string;
  startMs: number;
  endMs: number;
  trades: AlipayTrade[];
  refunds: AlipayRefund[];
  /** The trade a refund of the period belongs to, when it was paid in another period (its row names the goods and the buyer too). */
  tradeOf?: (tradeNo: string) => AlipayTrade | null;
  /** Service fee in basis points of each amount (Alipay's standard rate is 0.6% = 60). */
  feeBps: number;
  nowMs: number;
}

/** The service fee Alipay keeps on an amount (fen), rounded half up. */
export function serviceFee(amountFen: number, feeBps: number): number {
  return Math.round((amountFen * feeBps) / 10_000);
}

const cnDateTime = (ms: number) => {
  const t = chinaTime(ms);
  return `${t.slice(0, 4)}年${t.slice(5, 7)}月${t.slice(8, 10)}日 ${t.slice(11)}`;
};

const csv = (cells: string[]) => cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',');

export interface Bill {
  fileName: string;
  zip: Uint8Array;
  /** The CSV texts before GBK encoding (for tests and previews). */
  detail: string;
  summary: string;
}

export function buildBill(input: BillInput): Bill {
  const day = input.billDate.replaceAll('-', '');
  const account = `${input.sellerId}0156`;
  const rows: string[][] = [];
  let paidTotal = 0;
  let paidFee = 0;
  for (const t of input.trades) {
    const fee = serviceFee(t.total_amount, input.feeBps);
    paidTotal += t.total_amount;
    paidFee += fee;
    rows.push([
      `${t.trade_no}\t`, `${t.out_trade_no}\t`, '交易', t.subject, chinaTime(t.gmt_create), chinaTime(t.gmt_payment!), '', '', '', '',
      t.buyer_logon_id ?? '', yuan(t.total_amount), yuan(t.total_amount), '0.00', '0.00', '0.00', '0.00', '0.00', '', '0.00', '0.00',
      '', yuan(-fee), '0.00', '',
    ]);
  }
  const byTrade = new Map(input.trades.map((t) => [t.trade_no, t]));
  let refundTotal = 0;
  let refundFee = 0;
  for (const r of input.refunds) {
    const fee = serviceFee(r.refund_amount, input.feeBps);
    refundTotal += r.refund_amount;
    refundFee += fee;
    const paid = byTrade.get(r.trade_no) ?? input.tradeOf?.(r.trade_no) ?? null;
    rows.push([
      `${r.trade_no}\t`, `${r.out_trade_no}\t`, '退款', paid?.subject ?? '', chinaTime(r.gmt_refund), chinaTime(r.gmt_refund), '', '', '', '',
      paid?.buyer_logon_id ?? '', yuan(-r.refund_amount), yuan(-r.refund_amount), '0.00', '0.00', '0.00', '0.00', '0.00', '', '0.00', '0.00',
      `${r.out_request_no}\t`, yuan(fee), '0.00', r.refund_reason ?? '',
    ]);
  }
  const period = `#起始日期：[${cnDateTime(input.startMs)}]   终止日期：[${cnDateTime(input.endMs)}]`;
  const exported = `#导出时间：[${cnDateTime(input.nowMs)}]`;
  const detail = [
    '#支付宝业务明细查询',
    `#账号：[${account}]`,
    period,
    marker('业务明细列表', false),
    csv(DETAIL_HEADER),
    ...rows.map(csv),
    marker('业务明细列表', true),
    `#交易合计：${input.trades.length}笔，商家实收共${yuan(paidTotal)}元，商家优惠共0.00元`,
    `#退款合计：${input.refunds.length}笔，商家实收退款共${yuan(-refundTotal)}元，商家优惠退款共0.00元`,
    exported,
    '',
  ].join('\r\n');
  const net = paidTotal - refundTotal;
  const feeNet = -paidFee + refundFee;
  const totals = [
    String(input.trades.length), String(input.refunds.length), yuan(net), yuan(net), '0.00', '0.00', '0.00', yuan(feeNet), '0.00', yuan(net + feeNet),
  ];
  const summary = [
    '#支付宝业务汇总查询',
    `#账号：[${account}]`,
    period,
    marker('业务汇总列表', false),
    csv(SUMMARY_HEADER),
    csv(['', '', ...totals]),
    csv(['合计', '', ...totals]),
    marker('业务汇总列表', true),
    exported,
    '',
  ].join('\r\n');
  const zip = zipSync({
    [`${account}_${day}_业务明细.csv`]: iconv.encode(detail, 'gbk'),
    [`${account}_${day}_业务明细(汇总).csv`]: iconv.encode(summary, 'gbk'),
  });
  return { fileName: `${account}_${day}.csv.zip`, zip, detail, summary };
}
