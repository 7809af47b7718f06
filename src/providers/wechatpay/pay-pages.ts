/**
 * The payer's side of WeChat Pay, simulated: the page a Native QR code, an H5 link, or a JSAPI/APP
 * payment request opens. The payer pays, fails (inside WeChat: the merchant sees nothing, the order stays
 * NOTPAY) or walks away (the order closes when it expires). JSAPI and APP pages take the parameters the
 * merchant's server signed and refuse them as WeChat's client would when they are wrong.
 */
import express, { type Request, type Response, type Router } from 'express';
import { buyerAssets, sendSvg } from '../../dashboard/buyer-layout.js';
import { qrSvg } from '../../dashboard/buyer-qr.js';
import { buyerLang } from '../../dashboard/buyer-view.js';
import { toPaycliError } from '../../errors.js';
import { checkAppParams, checkJsapiParams, prepayIdOf, type AppParams, type JsapiParams } from './client-params.js';
import type { WechatpayCredentials } from './credentials.js';
import type { WechatpayBook } from './book.js';
import { messagePageHtml, orderPageHtml, refusedPageHtml, type PageContext } from './pay-page-view.js';
import type { WechatOrder } from './wire.js';

export const PAY_PAGE_PREFIX = '/pay';

export interface PayPageDeps {
  /** The order a payer-side reference names (out_trade_no, transaction_id, prepay_id, pay code), with its merchant. */
  find(ref: string): { order: WechatOrder; creds: WechatpayCredentials; orders: WechatpayBook } | undefined;
  /** This port's URL, for the QR code a phone can scan. */
  ownUrl: () => string;
}

/** A stable reference for an order in page URLs (the transaction id is not shown to the payer before payment, but is unique). */
const refOf = (o: WechatOrder) => o.out_trade_no;

function orderPage(req: Request, order: WechatOrder, redirectUrl: string | null): string {
  return orderPageHtml(contextOf(req), order, `${PAY_PAGE_PREFIX}/${encodeURIComponent(refOf(order))}`, redirectUrl);
}

/** The payer's language (`?lang=`, else the browser's) and the query the language switch keeps. */
function contextOf(req: Request): PageContext {
  const q = req.query.lang;
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string' && k !== 'lang') query[k] = v;
  return {
    lang: buyerLang(q, (...langs: string[]) => req.acceptsLanguages(...langs)),
    chosen: q === 'en' || q === 'zh-CN' ? q : null,
    query,
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function payPagesRouter(deps: PayPageDeps): Router {
  const router = express.Router();
  // Only the payer's form posts are form-encoded: a parser for the whole port would consume the raw body of an
  // API request sent as a form, before its signature could be checked.
  const form = express.urlencoded({ extended: false, limit: 64 * 1024 });
  router.use(buyerAssets());

  const notFound = (req: Request, res: Response, ref: string) => res.status(404).type('html').send(messagePageHtml(contextOf(req), (tx) => tx.noOrder(ref)));

  // wx.requestPayment / WeixinJSBridge 'getBrandWCPayRequest' with the parameters the merchant signed.
  router.get(`${PAY_PAGE_PREFIX}/jsapi`, async (req, res) => {
    const p: JsapiParams = { appId: str(req.query.appId), timeStamp: str(req.query.timeStamp), nonceStr: str(req.query.nonceStr), package: str(req.query.package), signType: str(req.query.signType), paySign: str(req.query.paySign) };
    const prepayId = prepayIdOf(p.package);
    const found = prepayId ? deps.find(prepayId) : undefined;
    const order = found?.order.prepay_id === prepayId ? found?.order : undefined;
    const problems = checkJsapiParams(p, order, found?.creds ?? null);
    if (problems.length > 0) return res.status(400).type('html').send(refusedPageHtml(contextOf(req), 'JSAPI', problems));
    res.type('html').send(orderPage(req, order!, null));
  });
  // The APP SDK's PayReq.
  router.get(`${PAY_PAGE_PREFIX}/app`, async (req, res) => {
    const p: AppParams = { appid: str(req.query.appid), partnerid: str(req.query.partnerid), prepayid: str(req.query.prepayid), package: str(req.query.package), noncestr: str(req.query.noncestr), timestamp: str(req.query.timestamp), sign: str(req.query.sign) };
    const found = p.prepayid ? deps.find(p.prepayid) : undefined;
    const order = found?.order.prepay_id === p.prepayid ? found?.order : undefined;
    const problems = checkAppParams(p, order, found?.creds ?? null);
    if (problems.length > 0) return res.status(400).type('html').send(refusedPageHtml(contextOf(req), 'APP', problems));
    res.type('html').send(orderPage(req, order!, null));
  });
  // A Native order's QR code, as an image: this page's URL, so a phone that scans it opens the page there.
  router.get(`${PAY_PAGE_PREFIX}/:ref/qr.svg`, async (req, res) => {
    const order = deps.find(req.params.ref!)?.order;
    if (!order) return notFound(req, res, req.params.ref!);
    sendSvg(res, await qrSvg(`${deps.ownUrl()}${PAY_PAGE_PREFIX}/${encodeURIComponent(refOf(order))}`));
  });
  // Native (the pay code of code_url), H5 (h5_url, with the merchant's optional redirect_url) or any order reference.
  router.get(`${PAY_PAGE_PREFIX}/:ref`, async (req, res) => {
    const order = deps.find(req.params.ref!)?.order;
    if (!order) return notFound(req, res, req.params.ref!);
    res.type('html').send(orderPage(req, order, str(req.query.redirect_url) ?? null));
  });
  router.post(`${PAY_PAGE_PREFIX}/:ref/:action`, form, async (req, res) => {
    const found = deps.find(req.params.ref!);
    if (!found) return notFound(req, res, req.params.ref!);
    const { order, orders } = found;
    try {
      if (req.params.action === 'pay') await orders.pay(order);
      else if (req.params.action === 'fail') await orders.fail(order);
      else if (req.params.action === 'expire') await orders.expire(order);
      else return res.status(404).type('html').send(messagePageHtml(contextOf(req), (tx) => tx.unknownAction(req.params.action!)));
    } catch (err) {
      return res.status(409).type('html').send(messagePageHtml(contextOf(req), () => toPaycliError(err).message));
    }
    const redirect = str((req.body as Record<string, unknown> | undefined)?.redirect_url);
    const { chosen } = contextOf(req);
    res.redirect(303, redirect && /^https?:\/\//.test(redirect) ? redirect : `${PAY_PAGE_PREFIX}/${encodeURIComponent(refOf(order))}${chosen ? `?lang=${chosen}` : ''}`);
  });
  return router;
}
