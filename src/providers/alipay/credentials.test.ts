import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import { certPublicKey, certSn, mintAlipayCreds, rootCertSn } from './credentials.js';
import { rsaSign, rsaVerify } from './signing.js';

// The SDK's own SN functions (not exported by its package entry, so loaded from its build).
const require = createRequire(import.meta.url);
const { getSN } = require(path.join(path.dirname(require.resolve('alipay-sdk')), 'antcertutil.js')) as {
  getSN(pem: string, isRoot: boolean): string;
};

describe('mintAlipayCreds', async () => {
  const creds = await mintAlipayCreds({ randomBytes, nowSec: 1_790_000_000 });

  it('mints an app id, a partner id and key pairs whose halves match', () => {
    expect(creds.app_id).toMatch(/^2021\d{12}$/);
    expect(creds.seller_id).toMatch(/^2088\d{12}$/);
    expect(creds.app_private_key_pkcs1).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(creds.app_private_key_pkcs8).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    for (const key of [creds.app_private_key_pkcs1, creds.app_private_key_pkcs8]) {
      expect(rsaVerify('x', rsaSign('x', key), creds.app_public_key)).toBe(true);
    }
    expect(rsaVerify('x', rsaSign('x', creds.alipay_private_key), creds.alipay_public_key)).toBe(true);
    expect(rsaVerify('x', rsaSign('x', creds.alipay_private_key), creds.app_public_key)).toBe(false);
  });

  it('issues certificates carrying those public keys', () => {
    expect(certPublicKey(creds.app_cert)).toBe(creds.app_public_key);
    expect(certPublicKey(creds.alipay_cert)).toBe(creds.alipay_public_key);
  });

  it('computes the SNs exactly as alipay-sdk does', () => {
    expect(creds.app_cert_sn).toMatch(/^[0-9a-f]{32}$/);
    expect(getSN(creds.app_cert, false)).toBe(creds.app_cert_sn);
    expect(getSN(creds.alipay_cert, false)).toBe(creds.alipay_cert_sn);
    expect(getSN(creds.root_cert, true)).toBe(creds.alipay_root_cert_sn);
    const sdk = new AlipaySdk({
      appId: creds.app_id,
      privateKey: creds.app_private_key_pkcs1,
      appCertContent: creds.app_cert,
      alipayPublicCertContent: creds.alipay_cert,
      alipayRootCertContent: creds.root_cert,
    });
    expect([sdk.config.appCertSn, sdk.config.alipayCertSn, sdk.config.alipayRootCertSn]).toEqual([
      creds.app_cert_sn,
      creds.alipay_cert_sn,
      creds.alipay_root_cert_sn,
    ]);
    expect(new Set([creds.app_cert_sn, creds.alipay_cert_sn, creds.alipay_root_cert_sn]).size).toBe(3);
  });

  it('joins the SNs of every RSA certificate in a root bundle with _', () => {
    const bundle = `${creds.root_cert}${creds.app_cert}`;
    expect(rootCertSn(bundle)).toBe(`${certSn(creds.root_cert)}_${certSn(creds.app_cert)}`);
    expect(getSN(bundle, true)).toBe(rootCertSn(bundle));
  });
});
