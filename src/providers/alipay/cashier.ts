/**
 * The sandbox cashier (收银台): where `pageExecute` links and auto-submitted forms land, where a scanned
 * QR code opens, and where an app order string can be paid. The buyer pays, fails or leaves; paying
 * redirects to `return_url` with Alipay's signed synchronous parameters (同步返回), and the asynchronous
 * notification follows from the trade change.
 */
import type { Request, Response } from 'express';
import { PaycliError, toPaycliError } from '../../errors.js';
import { buyerFail, buyerPay, openAppOrder, scan } from './buyer.js';
import { CASHIER_FAILURES, isCashierFailure, toAlipayFailure } from './codes.js';
import { qrSvg } from '../../dashboard/buyer-qr.js';
import { sendSvg } from '../../dashboard/buyer-layout.js';
import { appPayFormPage, cashierPage, errorPageOf, outcomePage, paidLine } from './cashier-view.js';
import { authenticateV2, type GatewayDeps } from './gateway.js';
import { openTrade } from './methods.js';
import type { AlipayTrade } from './model.js';
import { signOutgoingFields } from './signing.js';
import { returnFields } from './wire.js';

function errorPage(res: Response, err: unknown): void {
  const e = toPaycliError(err);
  if (e.isBug) throw e;
  const f = toAlipayFailure(e);
  errorPageOf(res, f.status >= 500 ? 500 : f.status, f.sub_code, f.sub_msg);
}

/** A browser GET of a `pageExecute` link or the POST of its auto-submitted form. */
export async function handleCashierEntry(res: Response, deps: GatewayDeps, params: Record<string, string>): Promise<void> {
  try {
    const { merchant, biz } = authenticateV2(params, deps.backend);
    const channel = params.method === 'alipay.trade.wap.pay' ? 'wap' : 'page';
    const trade = await openTrade(
      { backend: deps.backend, merchant, biz, notify_url: params.notify_url ?? null, return_url: params.return_url ?? null, baseUrl: deps.baseUrl() },
      channel,
    );
    res.redirect(303, `/cashier/${encodeURIComponent(trade.trade_no)}`);
  } catch (err) {
    errorPage(res, err);
  }
}

function tradeOr404(req: Request, res: Response, deps: GatewayDeps): AlipayTrade | null {
  const trade = deps.backend.tradeByNo(String(req.params.trade_no));
  if (!trade) outcomePage(res, 404, (tx) => tx.notFound(String(req.params.trade_no)), 'error');
  return trade;
}

/** Where the buyer lands after paying: `return_url` with signed parameters, or a receipt page. */
function afterPayment(res: Response, deps: GatewayDeps, trade: AlipayTrade): void {
  const merchant = deps.backend.merchantByAppId(trade.app_id);
  if (trade.return_url && merchant) {
    const method = trade.channel === 'wap' ? 'alipay.trade.wap.pay' : 'alipay.trade.page.pay';
    const fields = signOutgoingFields(returnFields(trade, merchant.creds, method, deps.backend.now()), merchant.creds.alipay_private_key);
    const sep = trade.return_url.includes('?') ? '&' : '?';
    res.redirect(302, `${trade.return_url}${sep}${new URLSearchParams(fields)}`);
    return;
  }
  outcomePage(res, 200, paidLine(trade));
}

export function cashierRoutes(deps: GatewayDeps) {
  return {
    async show(req: Request, res: Response) {
      const trade = tradeOr404(req, res, deps);
      if (trade) cashierPage(res, trade);
    },
    /** Opening a QR code's URL is the simulated scan. */
    async scanQr(req: Request, res: Response) {
      const trade = tradeOr404(req, res, deps);
      if (!trade) return;
      try {
        if (trade.trade_status === 'WAIT_BUYER_PAY') await scan(deps.backend, trade);
        res.redirect(303, `/cashier/${encodeURIComponent(trade.trade_no)}`);
      } catch (err) {
        errorPage(res, err);
      }
    },
    async act(req: Request, res: Response) {
      const trade = tradeOr404(req, res, deps);
      if (!trade) return;
      try {
        const action = String(req.params.action);
        if (action === 'pay') return afterPayment(res, deps, await buyerPay(deps.backend, trade));
        if (action === 'fail') {
          // The cashier's form posts the reason the buyer picked; a script may post none (balance not enough).
          const picked = new URLSearchParams(typeof req.body === 'string' ? req.body : '').get('failure_code') ?? 'insufficient_funds';
          if (!isCashierFailure(picked)) {
            throw new PaycliError('parameter_invalid', `Unknown failure_code "${picked}": use one of ${Object.keys(CASHIER_FAILURES).join(', ')}.`, { param: 'failure_code' });
          }
          await buyerFail(deps.backend, trade, picked);
          return outcomePage(res, 200, (tx) => tx.failed(tx.reasons[picked]));
        }
        if (action === 'abandon') {
          return outcomePage(res, 200, (tx) => tx.left);
        }
        outcomePage(res, 404, (tx) => tx.unknownAction(action), 'error');
      } catch (err) {
        errorPage(res, err);
      }
    },
    appPayForm(_req: Request, res: Response) {
      appPayFormPage(res);
    },
    /** The QR code a desktop cashier shows: the trade's scan URL, which a phone opens to pay. */
    async qrImage(req: Request, res: Response) {
      const trade = tradeOr404(req, res, deps);
      if (trade) sendSvg(res, await qrSvg(`${deps.baseUrl()}/qr/${encodeURIComponent(trade.trade_no)}`));
    },
    /**
     * The simulated Alipay app receiving an order string: a form (the page above) answers with the cashier;
     * JSON `{"order_string": …}` (scripts, tests) answers with the trade, which the buyer then completes
     * or fails through the control API (`/_sandbox/buyer/{trade_no}/complete`) or the cashier URL.
     */
    async appPay(req: Request, res: Response) {
      const raw = typeof req.body === 'string' ? req.body : '';
      const json = Boolean(req.is('application/json'));
      let orderString = '';
      if (json) {
        try {
          const parsed = JSON.parse(raw) as { order_string?: unknown };
          orderString = typeof parsed.order_string === 'string' ? parsed.order_string : '';
        } catch {
          orderString = '';
        }
      } else {
        orderString = new URLSearchParams(raw).get('order_string') ?? '';
      }
      try {
        const { trade } = await openAppOrder(deps.backend, orderString, deps.baseUrl());
        const cashier = `/cashier/${encodeURIComponent(trade.trade_no)}`;
        if (!json) return res.redirect(303, cashier);
        res.status(201).json({ trade_no: trade.trade_no, out_trade_no: trade.out_trade_no, trade_status: trade.trade_status, cashier_url: `${deps.baseUrl()}${cashier}` });
      } catch (err) {
        if (!json) return errorPage(res, err);
        const e = toPaycliError(err);
        if (e.isBug) throw e;
        const f = toAlipayFailure(e);
        res.status(f.status).json({ code: f.sub_code, message: f.sub_msg });
      }
    },
  };
}
