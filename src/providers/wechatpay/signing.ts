/**
 * The `WECHATPAY2-SHA256-RSA2048` scheme in both directions.
 *
 * Requests: `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",serial_no="…",timestamp="…",nonce_str="…",signature="…"`
 * (the SDKs order the pairs differently), RSA-SHA256 over `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n` with the
 * raw request target and the exact body bytes (empty for GET), verified with the merchant certificate
 * named by `serial_no`.
 *
 * Responses and notifications: RSA-SHA256 over `TIMESTAMP\nNONCE\nBODY\n`, with the platform certificate's
 * key or the WeChat Pay public key's private half, carried in the `Wechatpay-*` headers.
 */
import { createPrivateKey, createPublicKey, createSign, createVerify, verify, type KeyObject } from 'node:crypto';
import { rsaSignInPool } from '../rsa-pool.js';
import { cryptoRandom } from '../../core/ids.js';
import { normalizeSerial, type SigningMode, type WechatpayCredentials } from './credentials.js';

export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
/** WeChat (and the SDKs) reject timestamps more than five minutes off. */
export const MAX_CLOCK_SKEW_SEC = 300;

export interface AuthorizationParts {
  mchid: string;
  serial_no: string;
  timestamp: string;
  nonce_str: string;
  signature: string;
}

const REQUIRED_PARTS = ['mchid', 'serial_no', 'timestamp', 'nonce_str', 'signature'] as const;

/** Parses the Authorization header, order-independently; a string says what is wrong with it. */
export function parseAuthorization(header: string | undefined): AuthorizationParts | string {
  if (!header) return 'the request has no Authorization header';
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  if (scheme !== AUTH_SCHEME) return `the Authorization scheme must be ${AUTH_SCHEME}, not "${scheme}"`;
  const parts: Record<string, string> = {};
  for (const m of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g)) parts[m[1]!] = m[2]!;
  const missing = REQUIRED_PARTS.filter((k) => !parts[k]);
  if (missing.length > 0) return `the Authorization header lacks ${missing.join(', ')}`;
  return parts as unknown as AuthorizationParts;
}

/** Parsed keys, cached by PEM: parsing a PEM costs more than the RSA operation it feeds. */
const keyCache = new Map<string, KeyObject>();
function cachedKey(pem: string, kind: 'private' | 'public'): KeyObject {
  let key = keyCache.get(pem);
  if (!key) {
    key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
    if (keyCache.size > 256) keyCache.clear();
    keyCache.set(pem, key);
  }
  return key;
}

export function rsaSign(message: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(message, 'utf8').sign(cachedKey(privateKeyPem, 'private'), 'base64');
}

/** `rsaSign` made on the thread pool (the answers to API calls; see rsa-pool.ts). */
export function rsaSignAsync(message: string, privateKeyPem: string): Promise<string> {
  return rsaSignInPool('sha256', message, cachedKey(privateKeyPem, 'private'));
}

/** `message`: its bytes (a string as UTF-8), or the pieces it is made of, in order. */
export function rsaVerify(message: string | Buffer | readonly (string | Buffer)[], signature: string, publicPem: string): boolean {
  try {
    const verifier = createVerify('RSA-SHA256');
    for (const piece of Array.isArray(message) ? message : [message]) verifier.update(piece);
    return verifier.verify(cachedKey(publicPem, 'public'), signature, 'base64');
  } catch {
    return false;
  }
}

export interface RequestToVerify {
  method: string;
  /** Request targets the client may have signed; the raw `req.url` first. */
  targets: string[];
  /** The body's exact bytes (a string is taken as its UTF-8 encoding). */
  body: string | Buffer;
  authorization: string | undefined;
  /** The Authorization header already parsed (parseAuthorization), so it is not parsed twice. */
  parts?: AuthorizationParts;
  nowSec: number;
}

export type VerifyResult = { ok: true; parts: AuthorizationParts } | { ok: false; reason: string; field: string };

/** Verifies a merchant's request signature with the merchant certificate. */
export function verifyRequest(req: RequestToVerify, creds: WechatpayCredentials): VerifyResult {
  const parts = checkedParts(req, creds);
  if (!parts.ok) return parts;
  for (const target of req.targets) {
    // Over the bytes received: a body that is not UTF-8 is still the one the merchant signed. Fed to the
    // verifier in its three parts rather than copied into one buffer first.
    if (rsaVerify([signedPrefix(req, target, parts.parts), req.body, '\n'], parts.parts.signature, creds.merchant_cert)) return parts;
  }
  return badSignature(req, creds, parts.parts);
}

/**
 * `verifyRequest` with the RSA check made on libuv's thread pool, as the answers are signed (rsa-pool.ts):
 * what the API's routes use, so the event loop serves other requests meanwhile. Same checks, same order,
 * same verdicts.
 */
export async function verifyRequestAsync(req: RequestToVerify, creds: WechatpayCredentials): Promise<VerifyResult> {
  const parts = checkedParts(req, creds);
  if (!parts.ok) return parts;
  const signature = Buffer.from(parts.parts.signature, 'base64');
  const key = cachedKey(creds.merchant_cert, 'public');
  for (const target of req.targets) {
    const message = Buffer.concat([Buffer.from(signedPrefix(req, target, parts.parts)), typeof req.body === 'string' ? Buffer.from(req.body) : req.body, NEWLINE]);
    if (await rsaVerifyInPool(message, signature, key)) return parts;
  }
  return badSignature(req, creds, parts.parts);
}

const NEWLINE = Buffer.from('\n');

function rsaVerifyInPool(message: Buffer, signature: Buffer, key: KeyObject): Promise<boolean> {
  return new Promise((resolve) => {
    // A key or signature node:crypto refuses (thrown or reported) does not verify, as in rsaVerify.
    try {
      verify('sha256', message, key, signature, (err, ok) => resolve(!err && ok));
    } catch {
      resolve(false);
    }
  });
}

const signedPrefix = (req: RequestToVerify, target: string, parts: AuthorizationParts) => `${req.method}\n${target}\n${parts.timestamp}\n${parts.nonce_str}\n`;

/** The Authorization's parts, if everything but the RSA signature itself checks out. */
function checkedParts(req: RequestToVerify, creds: WechatpayCredentials): VerifyResult {
  const parts = req.parts ?? parseAuthorization(req.authorization);
  if (typeof parts === 'string') return { ok: false, reason: parts, field: 'Authorization' };
  if (parts.mchid !== creds.mchid) {
    return { ok: false, reason: `mchid "${parts.mchid}" in the Authorization header is not this sandbox's merchant ${creds.mchid}`, field: 'mchid' };
  }
  if (normalizeSerial(parts.serial_no) !== normalizeSerial(creds.merchant_serial)) {
    return {
      ok: false,
      reason: `serial_no "${parts.serial_no}" is not the serial of the merchant certificate (${creds.merchant_serial}); use the serial of apiclient_cert.pem`,
      field: 'serial_no',
    };
  }
  const ts = Number(parts.timestamp);
  if (!/^\d+$/.test(parts.timestamp) || Math.abs(req.nowSec - ts) > MAX_CLOCK_SKEW_SEC) {
    return { ok: false, reason: `timestamp ${parts.timestamp} is more than ${MAX_CLOCK_SKEW_SEC} s away from the server time ${req.nowSec}`, field: 'timestamp' };
  }
  return { ok: true, parts };
}

function badSignature(req: RequestToVerify, creds: WechatpayCredentials, parts: AuthorizationParts): VerifyResult {
  return {
    ok: false,
    reason: `the signature does not verify with the merchant certificate ${creds.merchant_serial} over "${req.method}\\n${req.targets[0]}\\n${parts.timestamp}\\n${parts.nonce_str}\\n<body>\\n"; sign with apiclient_key.pem over the exact request target and body bytes`,
    field: 'signature',
  };
}

/** The key and serial that sign responses and notifications in a signing mode. */
export function wechatSigner(creds: WechatpayCredentials, mode: SigningMode): { serial: string; privateKey: string; verifyKey: string } {
  return mode === 'platform-certificate'
    ? { serial: creds.platform_serial, privateKey: creds.platform_private_key, verifyKey: creds.platform_cert }
    : { serial: creds.public_key_id, privateKey: creds.public_key_private_key, verifyKey: creds.public_key };
}

/** A 32-character nonce, as WeChat sends (from the pooled random source: one is made per response). */
export function newNonce(): string {
  return cryptoRandom.bytes(16).toString('hex').toUpperCase();
}

/** A `Request-ID` as WeChat's answers and callbacks carry it: 32 upper-case hex characters. */
export function newRequestId(): string {
  return cryptoRandom.bytes(16).toString('hex').toUpperCase();
}

export interface SignedHeaderOptions {
  timestampSec: number;
  nonce?: string;
  /** Signs with a different key than the one the serial names (a `forged` probe). */
  forgeSignature?: boolean;
}

/** The `Wechatpay-*` headers for a body (`''` for a 204). */
export function wechatpayHeaders(body: string, creds: WechatpayCredentials, mode: SigningMode, opts: SignedHeaderOptions): Record<string, string> {
  const { message, key, headers } = headerParts(creds, mode, opts, body);
  return { ...headers, 'Wechatpay-Signature': rsaSign(message, key), 'Wechatpay-Signature-Type': AUTH_SCHEME };
}

/** `wechatpayHeaders`, signed on the thread pool: what API answers carry. */
export async function wechatpayHeadersAsync(body: string, creds: WechatpayCredentials, mode: SigningMode, opts: SignedHeaderOptions): Promise<Record<string, string>> {
  const { message, key, headers } = headerParts(creds, mode, opts, body);
  const signature = await rsaSignAsync(message, key);
  // Added to the object made for them (one per answer) rather than spread into a new one.
  headers['Wechatpay-Signature'] = signature;
  headers['Wechatpay-Signature-Type'] = AUTH_SCHEME;
  return headers;
}

function headerParts(creds: WechatpayCredentials, mode: SigningMode, opts: SignedHeaderOptions, body: string) {
  const signer = wechatSigner(creds, mode);
  const nonce = opts.nonce ?? newNonce();
  const timestamp = String(opts.timestampSec);
  const key = opts.forgeSignature ? wechatSigner(creds, mode === 'public-key' ? 'platform-certificate' : 'public-key').privateKey : signer.privateKey;
  return {
    message: `${timestamp}\n${nonce}\n${body}\n`,
    key,
    headers: { 'Wechatpay-Nonce': nonce, 'Wechatpay-Serial': signer.serial, 'Wechatpay-Timestamp': timestamp } as Record<string, string>,
  };
}
