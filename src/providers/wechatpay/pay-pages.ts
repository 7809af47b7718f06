/**
 * The payer's side of WeChat Pay, simulated: the page a Native QR code, an H5 link, or a JSAPI/APP
 * payment request opens. The payer pays, fails (inside WeChat: the merchant sees nothing, the order stays
 * NOTPAY) or walks away (the order closes when it expires). JSAPI and APP pages take the parameters the
 * merchant's server signed and refuse them as WeChat's client would when they are wrong.
 */
import express, { type Response, type Router } from 'express';
import QRCode from 'qrcode';
import { toPaycliError } from '../../errors.js';
import { checkAppParams, checkJsapiParams, prepayIdOf, type AppParams, type JsapiParams } from './client-params.js';
import type { WechatpayCredentials } from './credentials.js';
import type { WechatpayBook } from './book.js';
import type { WechatOrder } from './wire.js';

export const PAY_PAGE_PREFIX = '/pay';

export interface PayPageDeps {
  /** The order a payer-side reference names (out_trade_no, transaction_id, prepay_id, pay code), with its merchant. */
  find(ref: string): { order: WechatOrder; creds: WechatpayCredentials; orders: WechatpayBook } | undefined;
  /** This port's URL, for the QR code a phone can scan. */
  ownUrl: () => string;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const yuan = (fen: number) => (fen / 100).toFixed(2);

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}h1{font-size:1.3rem}.amount{font-size:2rem;font-weight:600}form{display:inline-block;margin:.25rem .5rem .25rem 0}button{font-size:1rem;padding:.5rem 1rem}button.pay{background:#07c160;color:#fff;border:0;border-radius:4px}li{margin:.3rem 0}svg{width:12rem;height:12rem}</style>
</head><body><p><small>paycli sandbox: simulated WeChat Pay payer (微信支付)</small></p>
${body}
</body></html>
`;
}

/** A stable reference for an order in page URLs (the transaction id is not shown to the payer before payment, but is unique). */
const refOf = (o: WechatOrder) => o.out_trade_no;

async function orderPage(deps: PayPageDeps, order: WechatOrder, redirectUrl: string | null): Promise<string> {
  const pageUrl = `${deps.ownUrl()}${PAY_PAGE_PREFIX}/${encodeURIComponent(refOf(order))}`;
  const waiting = order.trade_state === 'NOTPAY' || order.trade_state === 'USERPAYING';
  const hidden = redirectUrl ? `<input type="hidden" name="redirect_url" value="${escape(redirectUrl)}">` : '';
  const action = (name: string, label: string, cls = '') =>
    `<form method="post" action="${PAY_PAGE_PREFIX}/${encodeURIComponent(refOf(order))}/${name}">${hidden}<button type="submit" class="${cls}">${label}</button></form>`;
  const qr =
    order.trade_type === 'NATIVE'
      ? `<p>code_url <code>${escape(order.code_url ?? '')}</code>. Scan to open this page on a phone:</p>${await QRCode.toString(pageUrl, { type: 'svg', margin: 1 })}`
      : '';
  return layout(
    `微信支付 ${order.out_trade_no}`,
    `<h1>${escape(order.description)}</h1>
<p class="amount">¥${yuan(order.total)}</p>
<p>Order <code>${escape(order.out_trade_no)}</code> (${order.trade_type}) · trade_state <strong id="trade_state">${order.trade_state}</strong></p>
${qr}
${
  waiting
    ? action('pay', '支付 Pay', 'pay') + action('fail', '支付失败 Fail') + action('expire', '放弃 Abandon (expire)')
    : '<p>Nothing left to do for the payer.</p>'
}`,
  );
}

function refusedPage(what: string, problems: string[]): string {
  return layout('支付验证签名失败', `<h1>WeChat refused the ${escape(what)} payment request</h1><p>支付验证签名失败 — the parameters your server signed are wrong:</p><ul>${problems.map((p) => `<li>${escape(p)}</li>`).join('')}</ul>`);
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function payPagesRouter(deps: PayPageDeps): Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: 64 * 1024 }));

  const notFound = (res: Response, ref: string) => res.status(404).type('html').send(layout('订单不存在', `<h1>No order ${escape(ref)}</h1>`));

  // wx.requestPayment / WeixinJSBridge 'getBrandWCPayRequest' with the parameters the merchant signed.
  router.get(`${PAY_PAGE_PREFIX}/jsapi`, async (req, res) => {
    const p: JsapiParams = { appId: str(req.query.appId), timeStamp: str(req.query.timeStamp), nonceStr: str(req.query.nonceStr), package: str(req.query.package), signType: str(req.query.signType), paySign: str(req.query.paySign) };
    const prepayId = prepayIdOf(p.package);
    const found = prepayId ? deps.find(prepayId) : undefined;
    const order = found?.order.prepay_id === prepayId ? found?.order : undefined;
    const problems = checkJsapiParams(p, order, found?.creds ?? null);
    if (problems.length > 0) return res.status(400).type('html').send(refusedPage('JSAPI', problems));
    res.type('html').send(await orderPage(deps, order!, null));
  });
  // The APP SDK's PayReq.
  router.get(`${PAY_PAGE_PREFIX}/app`, async (req, res) => {
    const p: AppParams = { appid: str(req.query.appid), partnerid: str(req.query.partnerid), prepayid: str(req.query.prepayid), package: str(req.query.package), noncestr: str(req.query.noncestr), timestamp: str(req.query.timestamp), sign: str(req.query.sign) };
    const found = p.prepayid ? deps.find(p.prepayid) : undefined;
    const order = found?.order.prepay_id === p.prepayid ? found?.order : undefined;
    const problems = checkAppParams(p, order, found?.creds ?? null);
    if (problems.length > 0) return res.status(400).type('html').send(refusedPage('APP', problems));
    res.type('html').send(await orderPage(deps, order!, null));
  });
  // Native (the pay code of code_url), H5 (h5_url, with the merchant's optional redirect_url) or any order reference.
  router.get(`${PAY_PAGE_PREFIX}/:ref`, async (req, res) => {
    const order = deps.find(req.params.ref!)?.order;
    if (!order) return notFound(res, req.params.ref!);
    res.type('html').send(await orderPage(deps, order, str(req.query.redirect_url) ?? null));
  });
  router.post(`${PAY_PAGE_PREFIX}/:ref/:action`, async (req, res) => {
    const found = deps.find(req.params.ref!);
    if (!found) return notFound(res, req.params.ref!);
    const { order, orders } = found;
    try {
      if (req.params.action === 'pay') await orders.pay(order);
      else if (req.params.action === 'fail') await orders.fail(order);
      else if (req.params.action === 'expire') await orders.expire(order);
      else return res.status(404).type('html').send(layout('Unknown action', `<h1>Unknown action ${escape(req.params.action!)}: use pay, fail or expire</h1>`));
    } catch (err) {
      return res.status(409).type('html').send(layout('Not possible', `<h1>${escape(toPaycliError(err).message)}</h1>`));
    }
    const redirect = str((req.body as Record<string, unknown> | undefined)?.redirect_url);
    res.redirect(303, redirect && /^https?:\/\//.test(redirect) ? redirect : `${PAY_PAGE_PREFIX}/${encodeURIComponent(refOf(order))}`);
  });
  return router;
}
