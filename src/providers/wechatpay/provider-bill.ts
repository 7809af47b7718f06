/**
 * The provider contract's `bill`: a merchant's WeChat Pay trade bill (ALL) for one day, the same file
 * `GET /v3/bill/tradebill` offers, for the dashboard's reconciliation.
 */
import type { Merchant } from '../../engine/types.js';
import { PaycliError } from '../../errors.js';
import type { ProviderBill, ProviderHost } from '../contract.js';
import { billFile, chinaDate, tradeBillCsv } from './bills.js';
import type { WechatpayCredentials } from './credentials.js';
import { HostBook } from './host-book.js';

export function wechatpayBill(host: ProviderHost<WechatpayCredentials>, merchant: Merchant, date: string): ProviderBill {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || chinaDate(Date.parse(`${date}T12:00:00+08:00`)) !== date) {
    throw new PaycliError('parameter_invalid', `The bill date must be a day such as 2026-11-30, got "${date}".`, { param: 'date' });
  }
  const book = new HostBook(host, merchant, host.credentials(merchant));
  const csv = tradeBillCsv({ date, orders: book.allOrders(), refunds: book.allRefunds() }, 'ALL');
  return { filename: `tradebill-${host.credentials(merchant).mchid}-${date}.csv`, contentType: 'text/csv; charset=utf-8', body: billFile(csv, false).bytes };
}
