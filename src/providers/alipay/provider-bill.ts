/**
 * The provider contract's `bill`: a merchant's Alipay business bill for one day, the same zip of GBK CSVs
 * `alipay.data.dataservice.bill.downloadurl.query` links to, for the dashboard's reconciliation.
 */
import type { Merchant } from '../../engine/types.js';
import { PaycliError } from '../../errors.js';
import type { ProviderBill, ProviderHost } from '../contract.js';
import { merchantBill } from './bill-routes.js';
import type { AlipayCreds } from './credentials.js';
import { chinaPeriod } from './format.js';
import { HostTradeBackend } from './host-backend.js';

export function alipayBill(host: ProviderHost<AlipayCreds>, merchant: Merchant, date: string): ProviderBill {
  const period = /^\d{4}-\d{2}-\d{2}$/.test(date) ? chinaPeriod(date) : null;
  if (!period) throw new PaycliError('parameter_invalid', `The bill date must be a day such as 2026-11-30, got "${date}".`, { param: 'date' });
  const bill = merchantBill(new HostTradeBackend(host), { merchant_id: merchant.id, creds: host.credentials(merchant), risk_max_amount: merchant.risk_max_amount }, date, period);
  return { filename: bill.fileName, contentType: 'application/zip', body: bill.zip };
}
