/**
 * What the simulated Alipay buyer does: scan a precreated QR code, pay or fail at the cashier, pay an app
 * order string (`alipay.trade.app.pay`, made by `sdkExecute`, which never reaches Alipay's server in
 * production: the Alipay app submits it). Used by the cashier pages and the control API alike.
 */
import { PaycliError } from '../../errors.js';
import type { AlipayMerchant, TradeBackend } from './backend.js';
import { alipayError, CASHIER_FAILURES, type CashierFailure } from './codes.js';
import { openTrade } from './methods.js';
import { BUYER_LOGON_ID, type AlipayTrade } from './model.js';
import { verifyV2Request } from './signing.js';
import { markClosed, markPaid, markScanned, newBuyerId } from './trades.js';

export function tradeByRef(backend: TradeBackend, merchantId: string, ref: string): AlipayTrade | null {
  return backend.findTrade(merchantId, { trade_no: ref }) ?? backend.findTrade(merchantId, { out_trade_no: ref });
}

function requireWaiting(trade: AlipayTrade): void {
  if (trade.trade_status !== 'WAIT_BUYER_PAY') {
    throw new PaycliError('invalid_state', `Trade ${trade.trade_no} is ${trade.trade_status}; the buyer can only act on a trade in WAIT_BUYER_PAY.`, {
      param: 'trade_no',
    });
  }
}

/** The buyer scans the QR code: the trade becomes one Alipay knows (query and close now find it). */
export async function scan(backend: TradeBackend, trade: AlipayTrade): Promise<AlipayTrade> {
  requireWaiting(trade);
  if (trade.scanned && trade.buyer_id) return trade;
  return backend.saveTrade(markScanned(trade, newBuyerId(backend.digits), BUYER_LOGON_ID));
}

export async function buyerPay(backend: TradeBackend, trade: AlipayTrade): Promise<AlipayTrade> {
  requireWaiting(trade);
  return backend.pay(markPaid(trade, backend.now(), trade.buyer_id ?? newBuyerId(backend.digits), trade.buyer_logon_id ?? BUYER_LOGON_ID));
}

/** The buyer's payment fails for `reason` (default: balance not enough): the trade closes. */
export async function buyerFail(backend: TradeBackend, trade: AlipayTrade, reason: CashierFailure = 'insufficient_funds'): Promise<AlipayTrade> {
  requireWaiting(trade);
  const scanned = trade.scanned ? trade : markScanned(trade, newBuyerId(backend.digits), BUYER_LOGON_ID);
  return backend.close(markClosed(scanned, backend.now(), CASHIER_FAILURES[reason]));
}

/**
 * Accepts an app order string as the Alipay app would: `k=encodeURIComponent(v)&…`, signed by the app
 * key. Opens the trade (or finds the one already opened) and returns it waiting for the buyer.
 */
export async function openAppOrder(
  backend: TradeBackend,
  orderString: string,
  baseUrl: string,
): Promise<{ merchant: AlipayMerchant; trade: AlipayTrade }> {
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(orderString.trim())) params[k] = v;
  if (params.method !== 'alipay.trade.app.pay') {
    throw alipayError('isv.invalid-method', `不存在的方法名: an app order string is for alipay.trade.app.pay, got "${params.method ?? ''}".`, 'method');
  }
  const merchant = backend.merchantByAppId(params.app_id ?? '');
  if (!merchant) throw alipayError('isv.invalid-app-id', `无效的AppID参数: "${params.app_id ?? ''}".`, 'app_id');
  if (!verifyV2Request(params, merchant.creds.app_public_key)) {
    throw alipayError('isv.invalid-signature', '验签出错: the order string is not signed by this app\'s private key.', 'sign');
  }
  let biz: unknown;
  try {
    biz = JSON.parse(params.biz_content ?? '{}');
  } catch {
    biz = null;
  }
  if (typeof biz !== 'object' || biz === null || Array.isArray(biz)) {
    throw alipayError('isv.invalid-biz-content', 'biz_content 不是合法的JSON对象 (biz_content must be a JSON object).', 'biz_content');
  }
  const trade = await openTrade(
    { backend, merchant, biz: biz as Record<string, unknown>, notify_url: params.notify_url ?? null, return_url: params.return_url ?? null, baseUrl },
    'app',
  );
  return { merchant, trade };
}
