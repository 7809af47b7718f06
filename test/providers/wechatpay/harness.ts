/**
 * The WeChat Pay wire modules on a small express app on port 0, with a memory ledger and a FakeClock,
 * and the two SDKs pointed at it exactly as a merchant would (only the base URL changed).
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { FakeClock } from '../../../src/clock.js';
import { cryptoRandom } from '../../../src/sandbox/ids.js';
import { mintWechatpayCredentials, type SigningMode, type WechatpayCredentials } from '../../../src/providers/wechatpay/credentials.js';
import { MemoryLedger } from '../../../src/providers/wechatpay/memory-ledger.js';
import { notificationBody, signNotification } from '../../../src/providers/wechatpay/notifications.js';
import { WechatpayOrders } from '../../../src/providers/wechatpay/orders.js';
import { chinaDate } from '../../../src/providers/wechatpay/bills.js';
import { wechatpayRouter } from '../../../src/providers/wechatpay/routes.js';
import { PAY_PAGE_PREFIX, payPagesRouter } from '../../../src/providers/wechatpay/pay-pages.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const axiosPlugin = require('wechatpay-axios-plugin') as {
  Wechatpay: new (cfg: Record<string, unknown>) => any;
  Formatter: { joinedByLineFeed(...p: unknown[]): string; timestamp(): number; castCsvBill(b: Buffer): { rows: Record<string, string>[]; summary: Record<string, string> } };
  Rsa: { verify(message: string, signature: string, key: unknown): boolean; from(k: string, type: string): unknown; KEY_TYPE_PUBLIC: string };
  Aes: { AesGcm: { decrypt(ciphertext: string, key: string, iv: string, aad: string): string } };
};
export const WxPay = require('wechatpay-node-v3') as any;

export interface Harness {
  url: string;
  creds: WechatpayCredentials;
  /** The payer acts on an order named by any reference (out_trade_no, transaction_id, prepay_id, pay code). */
  buyer(ref: string, action: 'complete' | 'fail' | 'expire'): Promise<void>;
  /** Lets pending refunds reach the payer (PROCESSING → SUCCESS). */
  settleRefunds(): Promise<void>;
  /** Today's date in China time, on the sandbox's clock (for bills). */
  today(): string;
  close(): Promise<void>;
}

let minted: Promise<WechatpayCredentials> | null = null;
/** One merchant per test file: minting costs three RSA key generations. */
export function testCredentials(): Promise<WechatpayCredentials> {
  minted ??= mintWechatpayCredentials({ random: cryptoRandom, nowMs: Date.now() });
  return minted;
}

export async function startHarness(signing: SigningMode, creds?: WechatpayCredentials): Promise<Harness> {
  const c = creds ?? (await testCredentials());
  const clock = new FakeClock(Date.now());
  let url = '';
  const orders = new WechatpayOrders({
    creds: c,
    ledger: new MemoryLedger(),
    clock,
    random: cryptoRandom,
    notify: (n, notifyUrl) => {
      const signed = signNotification(notificationBody(n, c.apiv3_key), c, signing, { timestampSec: Math.floor(Date.now() / 1000) });
      void fetch(notifyUrl, { method: 'POST', headers: signed.headers, body: signed.body }).catch(() => undefined);
    },
  });
  const app = express();
  app.use(payPagesRouter({ find: (ref) => { const order = orders.resolve(ref); return order && { order, creds: c, orders }; }, ownUrl: () => url }));
  app.use(
    wechatpayRouter({
      merchant: (mchid) => (mchid === c.mchid ? { creds: c, orders } : undefined),
      signing,
      clock,
      wallClockSec: () => Math.floor(Date.now() / 1000),
      random: cryptoRandom,
      ownUrl: () => url,
      h5PageUrl: (code) => `${url}${PAY_PAGE_PREFIX}/${code}`,
      bodyLimitBytes: 1024 * 1024,
    }),
  );
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    creds: c,
    async buyer(ref, action) {
      const order = orders.resolve(ref)!;
      await (action === 'complete' ? orders.pay(order) : action === 'fail' ? orders.fail(order) : orders.expire(order));
    },
    settleRefunds: () => clock.advance(3000),
    today: () => chinaDate(clock.now()),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The key a merchant configures to verify responses in a signing mode: `{ serial: pem }`. */
export function merchantCerts(creds: WechatpayCredentials, signing: SigningMode): Record<string, string> {
  return signing === 'public-key' ? { [creds.public_key_id]: creds.public_key } : { [creds.platform_serial]: creds.platform_cert };
}

/** wechatpay-axios-plugin, verifying every response, pointed at the sandbox with `baseURL`. */
export function axiosClient(h: { url: string; creds: WechatpayCredentials }, signing: SigningMode, privateKey = h.creds.merchant_private_key): any {
  return new axiosPlugin.Wechatpay({
    mchid: h.creds.mchid,
    serial: h.creds.merchant_serial,
    privateKey,
    certs: merchantCerts(h.creds, signing),
    baseURL: `${h.url}/`,
  });
}

/** wechatpay-node-v3 through its documented `createHttp()` hook, rewriting WeChat's origin to the sandbox. */
export function nodeV3Client(h: { url: string; creds: WechatpayCredentials }): any {
  const pay = new WxPay({
    appid: h.creds.appid,
    mchid: h.creds.mchid,
    publicKey: Buffer.from(h.creds.merchant_cert),
    privateKey: Buffer.from(h.creds.merchant_private_key),
    key: h.creds.apiv3_key,
  });
  pay.createHttp({
    async send(method: string, url: string, body: unknown, headers: Record<string, string>) {
      const r = await fetch(url.replace(/^https:\/\/api\.mch\.weixin\.qq\.com/, h.url), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      // Bytes first: Response.text() would drop a bill's BOM, which superagent (node-v3's default) keeps.
      const bytes = Buffer.from(await r.arrayBuffer());
      const text = bytes.toString('utf8');
      if (!r.ok) return { status: r.status, error: text, errRaw: { status: r.status, response: { text } } };
      const type = r.headers.get('content-type') ?? '';
      const data = /json/.test(type) && text ? JSON.parse(text) : type.startsWith('text/') ? text : bytes;
      return { status: r.status, data, headers: r.headers };
    },
    post(u: string, p: unknown, hd: Record<string, string>) {
      return this.send('POST', u, p, hd);
    },
    get(u: string, hd: Record<string, string>) {
      return this.send('GET', u, undefined, hd);
    },
    upload() {
      throw new Error('not used');
    },
  });
  return pay;
}
