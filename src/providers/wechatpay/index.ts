/**
 * WeChat Pay API v3, emulated: the sandbox WeChat Pay never shipped. Served at the root of its own port
 * (default 4244) so both Node SDKs work unmodified: wechatpay-axios-plugin with `baseURL`, and
 * wechatpay-node-v3 through its documented `createHttp()` hook. Every request's signature is verified,
 * every response and notification is signed (WeChat Pay public key or platform certificate, per
 * `signing`), every notification's resource is encrypted with the merchant's APIv3 key.
 */
import express from 'express';
import type { Merchant } from '../../engine/types.js';
import type { Provider, ProviderHost } from '../contract.js';
import { cryptoRandom } from '../../core/ids.js';
import { DEFAULT_SIGNING_MODE, mintWechatpayCredentials, type SigningMode, type WechatpayCredentials } from './credentials.js';
import { pendingFault } from '../../faults/fault-middleware.js';
import { renderWechatError, renderWechatFault } from './errors.js';
import { describeWechatpay, wechatpayFiles } from './handoff.js';
import { DEFAULT_ORDER_TTL_MS } from './book.js';
import { HostBook } from './host-book.js';
import { ORDERS, WECHATPAY_COLLECTIONS, type OrderDoc } from './records.js';
import { PAY_PAGE_PREFIX, payPagesRouter } from './pay-pages.js';
import { wechatpayBill } from './provider-bill.js';
import { wechatpayNotifications } from './provider-notifications.js';
import { wechatpayRouter, type WechatpayMerchant } from './routes.js';
import { parseAuthorization, wechatpayHeadersAsync } from './signing.js';

export interface WechatpayOptions {
  /** Which key signs responses and notifications; default the WeChat Pay public key, as for new merchants. */
  signing?: SigningMode;
  /** How long a refund stays PROCESSING before it succeeds. */
  refundDelayMs?: number;
}

export function createWechatpayProvider(opts: WechatpayOptions = {}): Provider<WechatpayCredentials> {
  const signing = opts.signing ?? DEFAULT_SIGNING_MODE;

  function app(host: ProviderHost<WechatpayCredentials>) {
    const merchantOf = (m: Merchant): WechatpayMerchant => {
      const creds = host.credentials(m);
      return { creds, orders: new HostBook(host, m, creds, opts.refundDelayMs) };
    };
    const router = express.Router();
    const pages = payPagesRouter({
      find(ref) {
        let payment;
        try {
          payment = host.core.findByRef(ref);
        } catch {
          return undefined;
        }
        const doc = host.core.reader.get<OrderDoc>(ORDERS, payment.id);
        if (!doc) return undefined;
        const merchant = host.core.merchants().find((m) => m.id === doc.merchant_id);
        if (!merchant) return undefined;
        const wx = merchantOf(merchant);
        const order = wx.orders.resolve(doc.out_trade_no);
        return order && { order, creds: wx.creds, orders: wx.orders };
      },
      ownUrl: () => host.url(),
    });
    router.use((req, res, next) => {
      // The API's requests skip the payer's pages: walking that router's layers (and its assets router's)
      // for a path none of them serve showed in the profile of every order.
      if (req.path.startsWith('/v3/')) return next();
      // An injected fault on the API is answered by its routes, signed; on the payer's pages (HTML for a
      // browser, which verifies nothing) in WeChat's error shape as it is.
      const fault = pendingFault(res);
      if (!fault) return pages(req, res, next);
      const rendered = renderWechatFault(fault);
      res.status(rendered.status).set(rendered.headers).json(rendered.body);
    });
    router.use(
      wechatpayRouter({
        merchant(mchid) {
          const m = host.merchantWhere((c) => c.mchid === mchid);
          return m && merchantOf(m);
        },
        fallbackCreds: () => host.credentials(host.core.defaultMerchant),
        signing,
        clock: host.clock,
        // Signature timestamps are checked against the SDK's own wall clock (±5 min), even when the sandbox
        // runs on a virtual clock (scenario replay), so they come from the real one.
        wallClockSec: () => Math.floor(Date.now() / 1000),
        random: cryptoRandom,
        ownUrl: () => host.url(),
        // With a query already, like WeChat's checkmweb?prepay_id=…&package=…: merchants append `&redirect_url=…`.
        h5PageUrl: (code) => `${host.url()}${PAY_PAGE_PREFIX}/${code}?trade_type=MWEB`,
        bodyLimitBytes: host.bodyLimitBytes,
      }),
    );
    return router;
  }

  return {
    name: 'wechatpay',
    title: 'WeChat Pay (API v3)',
    defaultPort: 4244,
    // An order without time_expire is payable for two hours (a prepay_id's validity), not the core's half hour.
    buyerWindowMs: DEFAULT_ORDER_TTL_MS,
    collections: WECHATPAY_COLLECTIONS,
    mint: (ctx) => mintWechatpayCredentials({ random: ctx.random, nowMs: ctx.nowMs, merchantName: ctx.merchant.name, years: ctx.certificateYears }),
    files: (creds, { url, dir }) => Object.fromEntries(wechatpayFiles(creds, { url, signing, dir }).map((f) => [f.name, f.content])),
    describe: (creds, where) => describeWechatpay(creds, { url: where.url, signing, files: where.files }),
    // listen signs notifications in another process: it must use the key this sandbox signs with.
    served: (creds) => ({ ...creds, signing }),
    refsOf(payment, read) {
      const doc = read.get<OrderDoc>(ORDERS, payment.id);
      return doc ? [doc.transaction_id, doc.out_trade_no, ...(doc.prepay_id ? [doc.prepay_id] : [])] : [];
    },
    // A payer who fails inside WeChat (balance, password) is never reported and may pay again; only a payment
    // code waiting at the password prompt ends in PAYERROR.
    payerFailureEnds: (payment, read) => read.get<OrderDoc>(ORDERS, payment.id)?.trade_type === 'MICROPAY',
    app,
    bill: wechatpayBill,
    renderError: renderWechatError,
    // A refusal the sandbox makes before these routes (a foreign Host, a cross-site POST, a 503 while the
    // data file cannot be written) is signed too, for the merchant the Authorization names, or with the
    // default merchant's keys: the SDKs verify every answer.
    async signHostAnswer(host, req, _status, body) {
      const parts = parseAuthorization(req.get('authorization'));
      const merchant = typeof parts === 'string' ? undefined : host.merchantWhere((c) => c.mchid === parts.mchid);
      const creds = host.credentials(merchant ?? host.core.defaultMerchant);
      // Signature timestamps are checked against the SDK's wall clock, as in the routes.
      const signed = await wechatpayHeadersAsync(body, creds, signing, { timestampSec: Math.floor(Date.now() / 1000) });
      return { 'Request-ID': cryptoRandom.bytes(16).toString('hex').toUpperCase(), ...signed };
    },
    // Faults are answered by the routes (pendingFault), signed for the calling merchant.
    renderFault: () => null,
    notifications: wechatpayNotifications(signing),
  };
}

export const wechatpayProvider = createWechatpayProvider();
