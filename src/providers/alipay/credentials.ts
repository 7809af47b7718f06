/**
 * The key material an Alipay merchant configures, minted once per merchant: the app key pair (the
 * merchant's, private key handed out as PKCS#1 and PKCS#8), the "Alipay public key" pair (its private half
 * stays in the sandbox and signs responses and notifications), and for certificate mode a root CA, an app
 * certificate and an Alipay public-key certificate issued by it. Certificate SNs are computed exactly as
 * alipay-sdk computes them, so a merchant never derives them differently.
 */
import { createHash, createPrivateKey, generateKeyPair, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export interface AlipayCreds extends Record<string, unknown> {
  /** A 16-digit app id, like Alipay's (2021…). */
  app_id: string;
  /** The merchant's partner id (PID, 2088…), Alipay's `seller_id`. */
  seller_id: string;
  app_private_key_pkcs1: string;
  app_private_key_pkcs8: string;
  app_public_key: string;
  /** Signs what "Alipay" sends; never handed to the merchant. */
  alipay_private_key: string;
  alipay_public_key: string;
  root_cert: string;
  app_cert: string;
  alipay_cert: string;
  app_cert_sn: string;
  alipay_cert_sn: string;
  alipay_root_cert_sn: string;
}

const RSA_BITS = 2048;

interface PemKeyPair {
  publicKey: string;
  privateKeyPkcs1: string;
  privateKeyPkcs8: string;
}

function rsaKeyPair(): Promise<PemKeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      { modulusLength: RSA_BITS, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } },
      (err, publicKey, privateKeyPkcs8) => {
        if (err) return reject(err);
        const pkcs1 = createPrivateKeyPkcs1(privateKeyPkcs8);
        resolve({ publicKey, privateKeyPkcs1: pkcs1, privateKeyPkcs8 });
      },
    );
  });
}

function createPrivateKeyPkcs1(pkcs8Pem: string): string {
  return createPrivateKey(pkcs8Pem).export({ type: 'pkcs1', format: 'pem' }).toString();
}

/**
 * Alipay's certificate SN: md5 of the issuer DN written in reverse order as `CN=…,OU=…,O=…,C=…` followed by
 * the serial number in decimal (alipay-sdk `antcertutil.ts`).
 */
export function certSn(pem: string): string {
  const x = new X509Certificate(pem);
  const issuer = x.issuer.split('\n').reverse().join(',');
  const serial = BigInt(`0x${x.serialNumber}`).toString(10);
  return createHash('md5').update(issuer + serial, 'utf8').digest('hex');
}

/** The root SN: the SNs of every RSA-signed certificate in the bundle, joined by `_`. */
export function rootCertSn(bundlePem: string): string {
  const pems = bundlePem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return pems
    .filter((pem) => forge.pki.certificateFromPem(pem).signatureOid.startsWith('1.2.840.113549.1.1'))
    .map(certSn)
    .join('_');
}

/** The public key inside a certificate, as SPKI PEM. */
export function certPublicKey(pem: string): string {
  return new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

export interface MintOptions {
  /** Random bytes source (injectable so a seeded sandbox gets stable ids). */
  randomBytes: (n: number) => Buffer;
  /** Unix seconds: certificates are valid from one day before this. */
  nowSec: number;
  /** How long the certificates stay valid (default 20 years). */
  certificateYears?: number;
}

/** Certificates are valid for 20 years unless told otherwise: longer than any sandbox lives. */
const CERT_VALID_YEARS = 20;

/** ASCII names with C/O/OU/CN only: alipay-sdk's X.509 parser maps other attributes to an empty short name. */
const ROOT_SUBJECT = [
  { shortName: 'C', value: 'CN' },
  { shortName: 'O', value: 'paycli sandbox' },
  { shortName: 'OU', value: 'Alipay emulation' },
  { shortName: 'CN', value: 'paycli Alipay Sandbox Root CA' },
];

function serialHex(randomBytes: MintOptions['randomBytes']): string {
  const bytes = randomBytes(12);
  // Top bit clear: a positive serial, the same number in every X.509 parser.
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes.toString('hex');
}

function issue(args: {
  subjectKeyPem: string;
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  issuerKeyPem: string;
  serial: string;
  ca: boolean;
  nowSec: number;
  years: number;
}): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(args.subjectKeyPem);
  cert.serialNumber = args.serial;
  cert.validity.notBefore = new Date((args.nowSec - 86_400) * 1000);
  cert.validity.notAfter = new Date((args.nowSec + args.years * 365 * 86_400) * 1000);
  cert.setSubject(args.subject);
  cert.setIssuer(args.issuer);
  cert.setExtensions(
    args.ca
      ? [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]
      : [{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true, critical: true }],
  );
  cert.sign(forge.pki.privateKeyFromPem(args.issuerKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
}

function digits(randomBytes: MintOptions['randomBytes'], n: number): string {
  return Array.from(randomBytes(n), (b) => String(b % 10)).join('');
}

/** Mints a merchant's Alipay material: three RSA key pairs generated in parallel, then three certificates. */
export async function mintAlipayCreds(opts: MintOptions): Promise<AlipayCreds> {
  const [app, alipay, root] = await Promise.all([rsaKeyPair(), rsaKeyPair(), rsaKeyPair()]);
  const appId = `2021${digits(opts.randomBytes, 12)}`;
  const sellerId = `2088${digits(opts.randomBytes, 12)}`;
  const rootCert = issue({
    subjectKeyPem: root.publicKey,
    subject: ROOT_SUBJECT,
    issuer: ROOT_SUBJECT,
    issuerKeyPem: root.privateKeyPkcs8,
    serial: serialHex(opts.randomBytes),
    ca: true,
    nowSec: opts.nowSec,
    years: opts.certificateYears ?? CERT_VALID_YEARS,
  });
  const leaf = (keyPem: string, cn: string) =>
    issue({
      subjectKeyPem: keyPem,
      subject: [
        { shortName: 'C', value: 'CN' },
        { shortName: 'O', value: 'paycli sandbox' },
        { shortName: 'OU', value: 'Alipay emulation' },
        { shortName: 'CN', value: cn },
      ],
      issuer: ROOT_SUBJECT,
      issuerKeyPem: root.privateKeyPkcs8,
      serial: serialHex(opts.randomBytes),
      ca: false,
      nowSec: opts.nowSec,
      years: opts.certificateYears ?? CERT_VALID_YEARS,
    });
  const appCert = leaf(app.publicKey, appId);
  const alipayCert = leaf(alipay.publicKey, 'Alipay Sandbox Public Key RSA2');
  return {
    app_id: appId,
    seller_id: sellerId,
    app_private_key_pkcs1: app.privateKeyPkcs1,
    app_private_key_pkcs8: app.privateKeyPkcs8,
    app_public_key: app.publicKey,
    alipay_private_key: alipay.privateKeyPkcs8,
    alipay_public_key: alipay.publicKey,
    root_cert: rootCert,
    app_cert: appCert,
    alipay_cert: alipayCert,
    app_cert_sn: certSn(appCert),
    alipay_cert_sn: certSn(alipayCert),
    alipay_root_cert_sn: rootCertSn(rootCert),
  };
}
