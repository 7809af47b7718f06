/**
 * The Alipay provider (支付宝): the official alipay-sdk, pointed at this port with `gateway` and
 * `endpoint`, runs unmodified in key mode and certificate mode. See the README's Alipay section.
 */
import type { Payment } from '../../engine/types.js';
import type { Provider } from '../contract.js';
import { toAlipayFailure, v3FailureBody } from './codes.js';
import { mintAlipayCreds, type AlipayCreds } from './credentials.js';
import { gatewayHostAnswer } from './host-answers.js';
import { HostTradeBackend, REFUNDS, TRADE_NO_KEY, TRADES } from './host-backend.js';
import { alipayKeyFiles, describeAlipay } from './key-files.js';
import { alipayNotifications } from './notifications.js';
import { alipayBill } from './provider-bill.js';
import { alipayRouter } from './router.js';

export const ALIPAY_DEFAULT_PORT = 4243;

export const alipayProvider: Provider<AlipayCreds> = {
  name: 'alipay',
  title: 'Alipay',
  defaultPort: ALIPAY_DEFAULT_PORT,
  collections: [TRADES, REFUNDS],
  mint: (ctx) => mintAlipayCreds({ randomBytes: (n) => Buffer.from(ctx.random.bytes(n)), nowSec: Math.floor(ctx.nowMs / 1000), certificateYears: ctx.certificateYears }),
  files: (creds, { url, dir }) => Object.fromEntries(alipayKeyFiles(creds, url, dir).map((f) => [f.name, f.content])),
  describe: (creds, { url, files }) => describeAlipay(creds, url, (name) => files[name] ?? name),
  refsOf: (payment: Payment) => {
    const tradeNo = payment.metadata[TRADE_NO_KEY];
    return tradeNo ? [tradeNo] : [];
  },
  // pageExecute(…, 'POST') forms are auto-submitted by the merchant's own page: a cross-site POST by design,
  // signed by the merchant's key; the buyer's actions in the cashier stay same-origin.
  crossSitePaths: ['/gateway.do'],
  app(host) {
    const backend = new HostTradeBackend(host);
    return alipayRouter({ backend, fallbackMerchant: () => backend.fallbackMerchant(), baseUrl: () => host.url(), bodyLimitBytes: host.bodyLimitBytes });
  },
  bill: alipayBill,
  renderError(err) {
    const failure = toAlipayFailure(err);
    return { status: failure.status, body: v3FailureBody(failure, '') };
  },
  // On the v2 gateway the host's own answers (a refusal, the retryable failure while the data file cannot
  // be written, a bug) are the gateway's: HTTP 200, signed inside `<method>_response`, as exec needs.
  renderHostAnswer: gatewayHostAnswer,
  // Faults are answered by the routes (pendingFault): a v2 answer is signed for the calling app.
  renderFault: () => null,
  notifications: alipayNotifications,
};
