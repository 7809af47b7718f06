/**
 * WeChat Pay key material, minted per merchant on first start: what a real merchant downloads from the
 * merchant platform (mchid, appid, `apiclient_key.pem`, `apiclient_cert.pem` and its serial, the APIv3 key)
 * and what WeChat Pay holds (the platform certificate and the WeChat Pay public key with their private
 * halves). Only the merchant's side and the public halves are handed out; the rest stays in the sandbox.
 *
 * Certificates are self-signed X.509 built with node-forge (node:crypto has no certificate builder). Both
 * SDKs and `openssl` accept them. Serials are 20 bytes with the top bit clear, so every parser reads the
 * same hex (node-v3's @fidm/x509 would otherwise prefix `00`).
 */
import { generateKeyPair, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import type { RandomSource } from '../../core/ids.js';

const generateRsa = promisify(generateKeyPair);

/** Which key signs responses and notifications: the WeChat Pay public key (new merchants) or the platform certificate. */
export type SigningMode = 'public-key' | 'platform-certificate';
export const SIGNING_MODES: readonly SigningMode[] = ['public-key', 'platform-certificate'];
export const DEFAULT_SIGNING_MODE: SigningMode = 'public-key';

/** Plain JSON (PEM strings), so the store keeps it as it is. */
export interface WechatpayCredentials extends Record<string, unknown> {
  mchid: string;
  appid: string;
  /** `apiclient_key.pem`: PKCS#8. The merchant's; handed out. */
  merchant_private_key: string;
  /** `apiclient_cert.pem`. */
  merchant_cert: string;
  /** Upper-case hex, as the merchant platform shows it. */
  merchant_serial: string;
  /** 32 ASCII characters, used as the AES-256-GCM key. */
  apiv3_key: string;
  platform_cert: string;
  platform_serial: string;
  /** WeChat's side: never handed out. */
  platform_private_key: string;
  /** The WeChat Pay public key (SPKI PEM) and its id `PUB_KEY_ID_…`. */
  public_key: string;
  public_key_id: string;
  /** WeChat's side: never handed out. */
  public_key_private_key: string;
}

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function alnum(random: RandomSource, length: number): string {
  return [...random.bytes(length)].map((b) => ALNUM[b % 62]).join('');
}

function digits(random: RandomSource, length: number): string {
  return [...random.bytes(length)].map((b) => String(b % 10)).join('');
}

/** A 20-byte certificate serial with the top bit clear (and not a leading zero byte), as upper-case hex. */
function certificateSerial(random: RandomSource): string {
  const bytes = Buffer.from(random.bytes(20));
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes.toString('hex').toUpperCase();
}

interface RsaPair {
  publicKey: string;
  privateKey: string;
}

function rsaPair(): Promise<RsaPair> {
  return generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

interface CertificateSpec {
  pair: RsaPair;
  serial: string;
  subject: { commonName: string; organization: string; unit: string };
  notBeforeMs: number;
  years: number;
}

function selfSignedCertificate(spec: CertificateSpec): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.pair.publicKey);
  cert.serialNumber = spec.serial.toLowerCase();
  cert.validity.notBefore = new Date(spec.notBeforeMs);
  const notAfter = new Date(spec.notBeforeMs);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + spec.years);
  cert.validity.notAfter = notAfter;
  const utf8 = forge.asn1.Type.UTF8;
  const attrs = [
    { shortName: 'CN', value: spec.subject.commonName, valueTagClass: utf8 },
    { shortName: 'O', value: spec.subject.organization, valueTagClass: utf8 },
    { shortName: 'OU', value: spec.subject.unit, valueTagClass: utf8 },
    { shortName: 'C', value: 'CN' },
  ];
  cert.setSubject(attrs as forge.pki.CertificateField[]);
  cert.setIssuer(attrs as forge.pki.CertificateField[]);
  cert.sign(forge.pki.privateKeyFromPem(spec.pair.privateKey), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export interface MintOptions {
  random: RandomSource;
  /** Certificates are valid from this moment (the injected clock), for `years` years. */
  nowMs: number;
  /** Default 5. The fixed credentials of scenario runs are made once for 20. */
  years?: number;
  merchantName?: string;
}

/**
 * Mints a merchant's complete WeChat Pay material. The three RSA keys are generated in parallel off the
 * main thread (~100 ms each); ids come from `random`, so a seeded sandbox gets repeatable ids.
 */
export async function mintWechatpayCredentials(opts: MintOptions): Promise<WechatpayCredentials> {
  const { random } = opts;
  const mchid = `19${digits(random, 8)}`;
  const appid = `wx${random.bytes(8).toString('hex')}`;
  const apiv3Key = alnum(random, 32);
  const merchantSerial = certificateSerial(random);
  const platformSerial = certificateSerial(random);
  const publicKeyId = `PUB_KEY_ID_0${mchid}${digits(random, 13)}`;
  const [merchant, platform, publicKey] = await Promise.all([rsaPair(), rsaPair(), rsaPair()]);
  const notBeforeMs = opts.nowMs - 60_000;
  return {
    mchid,
    appid,
    merchant_private_key: merchant.privateKey,
    merchant_cert: selfSignedCertificate({
      pair: merchant,
      serial: merchantSerial,
      subject: { commonName: mchid, organization: 'WeChat Pay merchant system (paycli sandbox)', unit: opts.merchantName ?? 'paycli sandbox merchant' },
      notBeforeMs,
      years: opts.years ?? 5,
    }),
    merchant_serial: merchantSerial,
    apiv3_key: apiv3Key,
    platform_cert: selfSignedCertificate({
      pair: platform,
      serial: platformSerial,
      subject: { commonName: 'Tenpay.com sandbox platform certificate', organization: 'paycli WeChat Pay sandbox', unit: 'WeChat Pay platform' },
      notBeforeMs,
      years: opts.years ?? 5,
    }),
    platform_serial: platformSerial,
    platform_private_key: platform.privateKey,
    public_key: publicKey.publicKey,
    public_key_id: publicKeyId,
    public_key_private_key: publicKey.privateKey,
  };
}

/** Normalises a certificate serial for comparison: case-insensitive, leading zeros ignored (node-v3 sends `00…`, lower-case). */
export function normalizeSerial(serial: string): string {
  return serial.trim().toUpperCase().replace(/^0+/, '');
}

/**
 * Whether a request's `Wechatpay-Serial` header names one of WeChat's keys of this merchant (the platform
 * certificate or the WeChat Pay public key), the keys a merchant encrypts sensitive fields with. The
 * merchant certificate's serial there is a classic mistake (wechatpay-node-v3 sends it on its transfer
 * and profit-sharing calls).
 */
export function namesWechatpayKey(serial: string, creds: WechatpayCredentials): boolean {
  return normalizeSerial(serial) === normalizeSerial(creds.platform_serial) || serial.trim() === creds.public_key_id;
}

/** The validity of a certificate, for `/v3/certificates`. */
export function certificateValidity(pem: string): { notBeforeMs: number; notAfterMs: number } {
  const cert = new X509Certificate(pem);
  return { notBeforeMs: Date.parse(cert.validFrom), notAfterMs: Date.parse(cert.validTo) };
}
