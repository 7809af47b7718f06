import { generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../core/ids.js';
import { mintAlipayCreds } from './alipay/credentials.js';
import { rsaSign as alipaySign, rsaSignAsync as alipaySignAsync, v2ResponseBody, v2ResponseBodyAsync, v3ResponseHeadersAsync } from './alipay/signing.js';
import { rsaSignInPool } from './rsa-pool.js';
import { mintWechatpayCredentials, type WechatpayCredentials } from './wechatpay/credentials.js';
import { wechatpayHeaders, wechatpayHeadersAsync } from './wechatpay/signing.js';

// PKCS#1 v1.5 signatures are deterministic: the thread pool's must be the very bytes the inline one makes.
describe('RSA signatures made on the thread pool', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  it('verify with the public key, for SHA-256 and SHA-1, over UTF-8 content', async () => {
    const content = '{"subject":"测试订单","total_amount":"88.88"}';
    for (const digest of ['sha256', 'sha1'] as const) {
      const signature = await rsaSignInPool(digest, content, privateKey);
      expect(verify(digest, Buffer.from(content, 'utf8'), publicKey, Buffer.from(signature, 'base64'))).toBe(true);
      expect(verify(digest, Buffer.from(`${content} `, 'utf8'), publicKey, Buffer.from(signature, 'base64'))).toBe(false);
    }
  });

  it('rejects, rather than throwing where it is called, when the key cannot sign', async () => {
    let signing: Promise<string> | undefined;
    expect(() => (signing = rsaSignInPool('sha256', 'x', publicKey))).not.toThrow();
    await expect(signing).rejects.toThrow();
  });

  describe('Alipay', async () => {
    const creds = await mintAlipayCreds({ randomBytes, nowSec: 1_790_000_000 });
    it('gives the same signatures and v2 answers as the inline signing', async () => {
      for (const type of ['RSA2', 'RSA'] as const) expect(await alipaySignAsync('a=1&b=2', creds.alipay_private_key, type)).toBe(alipaySign('a=1&b=2', creds.alipay_private_key, type));
      const content = { code: '10000', msg: 'Success', out_trade_no: 'T1', qr_code: 'https://qr.alipay.com/x' };
      expect(await v2ResponseBodyAsync('alipay.trade.precreate', content, creds.alipay_private_key, 'RSA2', creds.alipay_cert_sn)).toBe(
        v2ResponseBody('alipay.trade.precreate', content, creds.alipay_private_key, 'RSA2', creds.alipay_cert_sn),
      );
    });
    it('signs v3 answers over timestamp, nonce and body', async () => {
      const headers = await v3ResponseHeadersAsync('{"a":1}', creds.alipay_private_key, { timestampMs: 1_790_000_000_000, nonce: 'n-1', alipayCertSn: null });
      expect(headers).toEqual({ 'alipay-timestamp': '1790000000000', 'alipay-nonce': 'n-1', 'alipay-signature': alipaySign('1790000000000\nn-1\n{"a":1}\n', creds.alipay_private_key) });
      expect(await v3ResponseHeadersAsync('', creds.alipay_private_key, { timestampMs: 1, nonce: 'n', alipayCertSn: 'sn' })).toMatchObject({ 'alipay-sn': 'sn' });
    });
  });

  describe('WeChat Pay', () => {
    let creds: WechatpayCredentials;
    beforeAll(async () => {
      creds = await mintWechatpayCredentials({ random: cryptoRandom, nowMs: Date.UTC(2026, 10, 30) });
    });
    it('gives the same Wechatpay-* headers as the inline signing, in both modes and for a forged probe', async () => {
      for (const mode of ['public-key', 'platform-certificate'] as const) {
        for (const forgeSignature of [false, true]) {
          const opts = { timestampSec: 1_800_000_000, nonce: 'N0NCE', forgeSignature };
          expect(await wechatpayHeadersAsync('{"code_url":"weixin://x"}', creds, mode, opts)).toEqual(wechatpayHeaders('{"code_url":"weixin://x"}', creds, mode, opts));
        }
      }
    });
  });
});
