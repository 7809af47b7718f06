/**
 * Alipay's signatures, byte for byte as alipay-sdk builds and checks them:
 * - v2 gateway requests: sorted `k=v&…` over every parameter but `sign` (so `sign_type` is included);
 * - v2 responses: the exact serialized bytes of `"<method>_response"`, `sign` last;
 * - v3 requests: `Authorization: ALIPAY-SHA256withRSA …` over `auth\nMETHOD\nurl\nbody\n`;
 * - v3 responses: `alipay-signature` over `timestamp\nnonce\nbody\n`;
 * - notifications and synchronous returns: every non-empty field but `sign` and `sign_type`.
 */
import { createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';
import { rsaSignInPool } from '../rsa-pool.js';

export type SignType = 'RSA2' | 'RSA';

const ALGORITHM: Record<SignType, string> = { RSA2: 'RSA-SHA256', RSA: 'RSA-SHA1' };
const DIGEST: Record<SignType, 'sha256' | 'sha1'> = { RSA2: 'sha256', RSA: 'sha1' };

export function isSignType(value: unknown): value is SignType {
  return value === 'RSA2' || value === 'RSA';
}

// Parsing a PEM costs more than the RSA operation's hashing; every key is parsed once.
const privateKeys = new Map<string, KeyObject>();
const publicKeys = new Map<string, KeyObject>();

function privateKey(pem: string): KeyObject {
  let key = privateKeys.get(pem);
  if (!key) privateKeys.set(pem, (key = createPrivateKey(pem)));
  return key;
}

function publicKey(pem: string): KeyObject {
  let key = publicKeys.get(pem);
  if (!key) publicKeys.set(pem, (key = createPublicKey(pem)));
  return key;
}

export function rsaSign(content: string, privateKeyPem: string, signType: SignType = 'RSA2'): string {
  return createSign(ALGORITHM[signType]).update(content, 'utf8').sign(privateKey(privateKeyPem), 'base64');
}

/** `rsaSign` made on the thread pool (the provider's answers; see rsa-pool.ts). */
export function rsaSignAsync(content: string, privateKeyPem: string, signType: SignType = 'RSA2'): Promise<string> {
  return rsaSignInPool(DIGEST[signType], content, privateKey(privateKeyPem));
}

export function rsaVerify(content: string, signature: string, publicKeyPem: string, signType: SignType = 'RSA2'): boolean {
  try {
    return createVerify(ALGORITHM[signType]).update(content, 'utf8').verify(publicKey(publicKeyPem), signature, 'base64');
  } catch {
    return false;
  }
}

/** `k=v&…` over the sorted keys, values raw. */
function sortedContent(params: Record<string, string>, keep: (key: string, value: string) => boolean): string {
  return Object.keys(params)
    .filter((k) => keep(k, params[k]!))
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/**
 * The strings a v2 gateway request may have been signed over. alipay-sdk signs empty values too; Alipay's
 * own rule (and other SDKs) drops them; both are accepted.
 */
export function v2RequestSignContents(params: Record<string, string>): string[] {
  const withEmpty = sortedContent(params, (k) => k !== 'sign');
  const withoutEmpty = sortedContent(params, (k, v) => k !== 'sign' && v !== '');
  return withEmpty === withoutEmpty ? [withEmpty] : [withEmpty, withoutEmpty];
}

export function verifyV2Request(params: Record<string, string>, publicKeyPem: string): boolean {
  const signType = params.sign_type ?? 'RSA2';
  const sign = params.sign;
  if (!sign || !isSignType(signType)) return false;
  return v2RequestSignContents(params).some((content) => rsaVerify(content, sign, publicKeyPem, signType));
}

/** The string a v2 response is signed over is the serialized JSON of its content, exactly as emitted. */
export function v2ResponseBody(
  method: string,
  content: Record<string, unknown>,
  alipayPrivateKey: string,
  signType: SignType,
  alipayCertSn: string | null,
): string {
  const signed = JSON.stringify(content);
  return v2Envelope(method, signed, alipayCertSn, rsaSign(signed, alipayPrivateKey, signType));
}

/** `v2ResponseBody`, signed on the thread pool: what the gateway answers with. */
export async function v2ResponseBodyAsync(
  method: string,
  content: Record<string, unknown>,
  alipayPrivateKey: string,
  signType: SignType,
  alipayCertSn: string | null,
): Promise<string> {
  const signed = JSON.stringify(content);
  return v2Envelope(method, signed, alipayCertSn, await rsaSignAsync(signed, alipayPrivateKey, signType));
}

function v2Envelope(method: string, signed: string, alipayCertSn: string | null, sign: string): string {
  const key = `${method.replaceAll('.', '_')}_response`;
  const certSn = alipayCertSn ? `,"alipay_cert_sn":${JSON.stringify(alipayCertSn)}` : '';
  return `{${JSON.stringify(key)}:${signed}${certSn},"sign":${JSON.stringify(sign)}}`;
}

/** Signs fields Alipay sends (notifications, return_url parameters): empty fields dropped, RSA2. */
export function signOutgoingFields(fields: Record<string, string | null | undefined>, alipayPrivateKey: string): Record<string, string> {
  const f: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null && v !== '' && k !== 'sign' && k !== 'sign_type') f[k] = v;
  const content = sortedContent(f, () => true);
  return { ...f, sign_type: 'RSA2', sign: rsaSign(content, alipayPrivateKey, 'RSA2') };
}

// ---- v3 -------------------------------------------------------------------------------------------

export const V3_AUTH_SCHEME = 'ALIPAY-SHA256withRSA';

export interface V3Authorization {
  /** Everything between the scheme and `,sign=`: what the signature covers. */
  authString: string;
  fields: Record<string, string>;
  sign: string;
}

/** Parses `ALIPAY-SHA256withRSA app_id=…,nonce=…,timestamp=…,sign=…`; null when malformed. */
export function parseV3Authorization(header: string | undefined): V3Authorization | null {
  if (!header || !header.startsWith(`${V3_AUTH_SCHEME} `)) return null;
  const rest = header.slice(V3_AUTH_SCHEME.length + 1);
  // The signature is base64 and may end in `=`; the other pairs may not contain `,sign=`.
  const at = rest.lastIndexOf(',sign=');
  if (at < 0) return null;
  const authString = rest.slice(0, at);
  const sign = rest.slice(at + ',sign='.length);
  const fields: Record<string, string> = {};
  for (const pair of authString.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return { authString, fields, sign };
}

export function v3RequestSignContent(auth: V3Authorization, method: string, url: string, body: string, appAuthToken?: string): string {
  return `${auth.authString}\n${method}\n${url}\n${body}\n${appAuthToken ? `${appAuthToken}\n` : ''}`;
}

export function verifyV3Request(
  auth: V3Authorization,
  req: { method: string; url: string; body: string; appAuthToken?: string },
  publicKeyPem: string,
): boolean {
  return rsaVerify(v3RequestSignContent(auth, req.method, req.url, req.body, req.appAuthToken), auth.sign, publicKeyPem, 'RSA2');
}

/** The headers that let alipay-sdk's `curl` verify a v3 response (signed on the thread pool). */
export async function v3ResponseHeadersAsync(body: string, alipayPrivateKey: string, opts: V3ResponseSigning): Promise<Record<string, string>> {
  return v3Headers(opts, await rsaSignAsync(v3ResponseSignContent(body, opts), alipayPrivateKey, 'RSA2'));
}

export interface V3ResponseSigning {
  timestampMs: number;
  nonce: string;
  alipayCertSn: string | null;
}

function v3ResponseSignContent(body: string, opts: V3ResponseSigning): string {
  return `${opts.timestampMs}\n${opts.nonce}\n${body}\n`;
}

function v3Headers(opts: V3ResponseSigning, signature: string): Record<string, string> {
  const headers: Record<string, string> = {
    'alipay-timestamp': String(opts.timestampMs),
    'alipay-nonce': opts.nonce,
    'alipay-signature': signature,
  };
  if (opts.alipayCertSn) headers['alipay-sn'] = opts.alipayCertSn;
  return headers;
}
