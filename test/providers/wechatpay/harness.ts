/**
 * A sandbox serving WeChat Pay, and the two SDKs pointed at it exactly as a merchant would (only the base
 * URL changed).
 */
import { createSign, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { FakeClock, SystemClock } from '../../../src/clock.js';
import { chinaDate } from '../../../src/providers/wechatpay/bills.js';
import type { SigningMode, WechatpayCredentials } from '../../../src/providers/wechatpay/credentials.js';
import { createWechatpayProvider } from '../../../src/providers/wechatpay/index.js';
import { loadProviders } from '../../../src/providers/registry.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../src/sandbox/sandbox.js';

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
  sandbox: Sandbox;
  /** The payer acts on an order named by any reference (out_trade_no, transaction_id, prepay_id, pay code). */
  buyer(ref: string, action: 'complete' | 'fail' | 'expire'): Promise<void>;
  /** Lets pending refunds reach the payer (PROCESSING → SUCCESS). */
  settleRefunds(): Promise<void>;
  /** Runs what is due now on the sandbox clock and waits for notifications in flight. */
  flush(): Promise<void>;
  /** Moves the sandbox clock forward. */
  advance(ms: number): Promise<void>;
  /** Today's date in China time, on the sandbox's clock (for bills). */
  today(): string;
  close(): Promise<void>;
}

/**
 * A real sandbox serving the WeChat Pay provider in a signing mode, on a FakeClock that starts now
 * (notifications are signed with the real clock, as receivers check timestamps against theirs).
 */
export async function startHarness(signing: SigningMode, options: SandboxOptions = {}): Promise<Harness> {
  const clock = new FakeClock(Date.now());
  const registry = { ...(await loadProviders()), wechatpay: createWechatpayProvider({ signing }) };
  const sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['wechatpay'], registry, clock, signatureClock: new SystemClock(), ...options });
  const flush = async () => {
    await clock.advance(0);
    await sandbox.dispatcher.whenIdle();
  };
  const served = sandbox.providers.wechatpay!;
  return {
    url: served.url,
    creds: served.credentials as WechatpayCredentials,
    sandbox,
    async buyer(ref, action) {
      const res = await fetch(`${sandbox.url}/_sandbox/buyer/${encodeURIComponent(ref)}/${action}`, { method: 'POST' });
      if (res.status !== 200) throw new Error(`buyer ${action} ${ref}: ${res.status} ${await res.text()}`);
      await flush();
    },
    async settleRefunds() {
      // Refunds settle on a whole second: the 3 s delay ends within 4 s.
      await clock.advance(4000);
      await flush();
    },
    flush,
    async advance(ms) {
      await clock.advance(ms);
      await flush();
    },
    today: () => chinaDate(clock.now()),
    close: () => sandbox.close(),
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

/**
 * A request signed with the merchant key exactly as the SDKs sign it, for what the SDKs never send (another
 * Content-Type, another method): `body` is sent as given, under `contentType`.
 */
export async function signedRequest(
  h: { url: string; creds: WechatpayCredentials },
  method: string,
  target: string,
  body = '',
  contentType: string | null = 'application/json',
): Promise<{ status: number; headers: Headers; json: any }> {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const signature = createSign('RSA-SHA256').update(`${method}\n${target}\n${ts}\n${nonce}\n${body}\n`).sign(h.creds.merchant_private_key, 'base64');
  const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${h.creds.mchid}",serial_no="${h.creds.merchant_serial}",timestamp="${ts}",nonce_str="${nonce}",signature="${signature}"`;
  const headers: Record<string, string> = { Authorization: authorization, Accept: 'application/json', ...(contentType ? { 'Content-Type': contentType } : {}) };
  const res = await fetch(`${h.url}${target}`, { method, headers, ...(body ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}
