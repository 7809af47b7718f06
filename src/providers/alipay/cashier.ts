/**
 * The sandbox cashier (收银台): where `pageExecute` links and auto-submitted forms land, where a scanned
 * QR code opens, and where an app order string can be paid. The buyer pays, fails or leaves; paying
 * redirects to `return_url` with Alipay's signed synchronous parameters (同步返回), and the asynchronous
 * notification follows from the trade change.
 */
import type { Request, Response } from 'express';
import { toPaycliError } from '../../errors.js';
import { buyerFail, buyerPay, openAppOrder, scan } from './buyer.js';
import { toAlipayFailure } from './codes.js';
import { yuan } from './format.js';
import { authenticateV2, type GatewayDeps } from './gateway.js';
import { openTrade } from './methods.js';
import type { AlipayTrade } from './model.js';
import { signOutgoingFields } from './signing.js';
import { returnFields } from './wire.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · 支付宝 Alipay sandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.2rem;color:#1677ff}.amount{font-size:2rem;margin:.5rem 0}dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}
dt{color:#666}button{font-size:1rem;padding:.6rem 1rem;margin:.3rem .3rem 0 0;border-radius:6px;border:1px solid #1677ff;background:#fff;cursor:pointer}
button.primary{background:#1677ff;color:#fff}.note{color:#666;font-size:.9rem}textarea{width:100%;min-height:8rem}</style></head>
<body><h1>支付宝 · Alipay sandbox cashier</h1>${body}</body></html>`;
}

function sendPage(res: Response, status: number, title: string, body: string): void {
  res.status(status).type('text/html; charset=utf-8').send(page(title, body));
}

function errorPage(res: Response, err: unknown): void {
  const e = toPaycliError(err);
  if (e.isBug) throw e;
  const f = toAlipayFailure(e);
  sendPage(res, f.status >= 500 ? 500 : f.status, '错误 Error', `<p>错误代码 (error code): <b id="sub-code">${esc(f.sub_code)}</b></p><p id="sub-msg">${esc(f.sub_msg)}</p>`);
}

function cashierPage(res: Response, trade: AlipayTrade): void {
  const base = `/cashier/${encodeURIComponent(trade.trade_no)}`;
  const waiting = trade.trade_status === 'WAIT_BUYER_PAY';
  const actions = waiting
    ? `<form method="post" action="${base}/pay"><button class="primary" id="pay">确认付款 Pay</button></form>
<form method="post" action="${base}/fail"><button id="fail">付款失败 Fail (balance not enough)</button></form>
<form method="post" action="${base}/abandon"><button id="abandon">离开 Leave without paying</button></form>`
    : `<p id="status">This trade is <b>${esc(trade.trade_status)}</b>.</p>`;
  sendPage(
    res,
    200,
    trade.subject,
    `<div class="amount" id="amount">¥ ${yuan(trade.total_amount)}</div>
<dl><dt>商品 Subject</dt><dd id="subject">${esc(trade.subject)}</dd><dt>商户订单号 out_trade_no</dt><dd>${esc(trade.out_trade_no)}</dd>
<dt>支付宝交易号 trade_no</dt><dd id="trade-no">${esc(trade.trade_no)}</dd><dt>状态 trade_status</dt><dd>${esc(trade.trade_status)}</dd></dl>
${actions}<p class="note">A simulated buyer: no account, no real money.</p>`,
  );
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
  if (!trade) sendPage(res, 404, 'Not found', `<p>No trade ${esc(String(req.params.trade_no))} in this sandbox.</p>`);
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
  sendPage(res, 200, '付款成功 Paid', `<p id="status">付款成功 Payment succeeded: ¥ ${yuan(trade.total_amount)} for ${esc(trade.subject)}.</p>`);
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
          await buyerFail(deps.backend, trade);
          return sendPage(res, 200, '付款失败 Failed', '<p id="status">付款失败 The payment failed: balance not enough. The trade is closed.</p>');
        }
        if (action === 'abandon') {
          return sendPage(res, 200, '已离开 Left', '<p id="status">You left the cashier. The trade waits for payment until it times out.</p>');
        }
        sendPage(res, 404, 'Not found', `<p>Unknown cashier action ${esc(action)}.</p>`);
      } catch (err) {
        errorPage(res, err);
      }
    },
    appPayForm(_req: Request, res: Response) {
      sendPage(
        res,
        200,
        'App payment',
        `<p>Paste the order string your server made with <code>sdkExecute('alipay.trade.app.pay', …)</code>:</p>
<form method="post" action="/app-pay"><textarea name="order_string" id="order-string"></textarea><button class="primary">Open in the cashier</button></form>`,
      );
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
