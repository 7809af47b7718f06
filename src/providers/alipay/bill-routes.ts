/**
 * `alipay.data.dataservice.bill.downloadurl.query` and the download it points to. The URL is on the
 * sandbox, signed for one merchant, bill type and date, and valid for 30 seconds as on Alipay; the file is
 * built when downloaded from the trades paid and refunds made in the period (China time).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AlipayMerchant, TradeBackend } from './backend.js';
import { buildBill, type Bill } from './bill.js';
import { alipayError } from './codes.js';
import { chinaPeriod } from './format.js';
import type { MethodCall, MethodResult } from './methods.js';

export const BILL_PATH = '/downloadBillFile.resource';
const URL_VALIDITY_MS = 30_000;
/** Alipay's standard service fee for face-to-face and web payments: 0.6%. */
export const DEFAULT_FEE_BPS = 60;

function token(secret: string, appId: string, billType: string, billDate: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${appId}|${billType}|${billDate}|${timestamp}`).digest('hex');
}

export async function billDownloadUrlMethod(call: MethodCall): Promise<MethodResult> {
  const billType = typeof call.biz.bill_type === 'string' ? call.biz.bill_type : '';
  const billDate = typeof call.biz.bill_date === 'string' ? call.biz.bill_date : '';
  if (!billType) throw alipayError('ACQ.INVALID_PARAMETER', '参数无效，缺少必选参数: bill_type is required.', 'bill_type');
  if (billType !== 'trade') {
    throw alipayError('ACQ.INVALID_PARAMETER', `参数无效: the sandbox serves bill_type "trade" (业务账单), got "${billType}".`, 'bill_type');
  }
  const period = chinaPeriod(billDate);
  if (!period) throw alipayError('ACQ.INVALID_BILL_DATE', `账单日期格式错误: bill_date must be yyyy-MM-dd or yyyy-MM, got "${billDate}".`, 'bill_date');
  const now = call.backend.now();
  // Alipay publishes a day's bill the next morning; the sandbox serves the current day so far as well.
  if (period.startMs > now) throw alipayError('isp.bill_not_exist', `账单不存在: ${billDate} has not started yet.`, 'bill_date');
  const { app_id, alipay_private_key } = call.merchant.creds;
  const q = new URLSearchParams({
    bizType: billType,
    appId: app_id,
    bizDates: billDate,
    fileType: 'csv.zip',
    timestamp: String(now),
    token: token(alipay_private_key, app_id, billType, billDate, now),
  });
  return { content: { bill_download_url: `${call.baseUrl}${BILL_PATH}?${q}` } };
}

/** A merchant's business bill for a period (China time): the trades paid and refunds made in it. */
export function merchantBill(backend: TradeBackend, merchant: AlipayMerchant, billDate: string, period: { startMs: number; endMs: number }): Bill {
  const rows = backend.billRows(merchant.merchant_id, period.startMs, period.endMs);
  return buildBill({
    sellerId: merchant.creds.seller_id,
    billDate,
    startMs: period.startMs,
    endMs: period.endMs,
    trades: rows.trades,
    refunds: rows.refunds,
    tradeOf: (tradeNo) => backend.tradeByNo(tradeNo),
    feeBps: DEFAULT_FEE_BPS,
    nowMs: backend.now(),
  });
}

/** GET of a bill download URL: the zip, or 404 text for an unknown, forged or expired link. */
export function serveBill(req: Request, res: Response, backend: TradeBackend): void {
  const q = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
  const appId = q.get('appId') ?? '';
  const billType = q.get('bizType') ?? '';
  const billDate = q.get('bizDates') ?? '';
  const timestamp = Number(q.get('timestamp'));
  const given = Buffer.from(q.get('token') ?? '');
  const merchant = backend.merchantByAppId(appId);
  const expected = merchant ? Buffer.from(token(merchant.creds.alipay_private_key, appId, billType, billDate, timestamp)) : null;
  const period = chinaPeriod(billDate);
  if (!merchant || !expected || !period || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    res.status(404).type('text/plain').send('bill not found: the link is not one the sandbox issued');
    return;
  }
  if (backend.now() > timestamp + URL_VALIDITY_MS) {
    res.status(404).type('text/plain').send('bill link expired: download URLs are valid for 30 seconds; query a new one');
    return;
  }
  const bill = merchantBill(backend, merchant, billDate, period);
  res
    .status(200)
    .set({
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${bill.fileName}"`,
    })
    .send(Buffer.from(bill.zip));
}
