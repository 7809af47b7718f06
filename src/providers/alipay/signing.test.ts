import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mintAlipayCreds } from './credentials.js';
import { signNotification } from './notify.js';
import { parseV3Authorization, rsaSign, v2RequestSignContents, v2ResponseBody, verifyV2Request } from './signing.js';

describe('Alipay signatures', async () => {
  const creds = await mintAlipayCreds({ randomBytes, nowSec: 1_790_000_000 });
  const sdk = new AlipaySdk({ appId: creds.app_id, privateKey: creds.app_private_key_pkcs1, alipayPublicKey: creds.alipay_public_key });

  it('verifies a v2 request over the sorted params with sign_type included, with or without empty values', () => {
    const params: Record<string, string> = { method: 'alipay.trade.query', app_id: creds.app_id, sign_type: 'RSA2', biz_content: '{"a":1}', notify_url: '' };
    const [withEmpty, withoutEmpty] = v2RequestSignContents(params);
    expect(withEmpty).toBe(`app_id=${creds.app_id}&biz_content={"a":1}&method=alipay.trade.query&notify_url=&sign_type=RSA2`);
    expect(withoutEmpty).toBe(`app_id=${creds.app_id}&biz_content={"a":1}&method=alipay.trade.query&sign_type=RSA2`);
    expect(verifyV2Request({ ...params, sign: rsaSign(withEmpty!, creds.app_private_key_pkcs8) }, creds.app_public_key)).toBe(true);
    expect(verifyV2Request({ ...params, sign: rsaSign(withoutEmpty!, creds.app_private_key_pkcs8) }, creds.app_public_key)).toBe(true);
    expect(verifyV2Request({ ...params, sign: rsaSign(withEmpty!, creds.alipay_private_key) }, creds.app_public_key)).toBe(false);
    const sha1 = { ...params, sign_type: 'RSA' };
    expect(verifyV2Request({ ...sha1, sign: rsaSign(v2RequestSignContents(sha1)[0]!, creds.app_private_key_pkcs1, 'RSA') }, creds.app_public_key)).toBe(true);
  });

  it('signs a v2 response over the exact bytes between the response key and sign, which the SDK verifies', () => {
    const body = v2ResponseBody('alipay.trade.query', { code: '10000', msg: 'Success', url: 'https://x/y', sign: 'inner' }, creds.alipay_private_key, 'RSA2', creds.alipay_cert_sn);
    expect(body.startsWith('{"alipay_trade_query_response":{')).toBe(true);
    expect(body).toMatch(/,"alipay_cert_sn":"[0-9a-f]{32}","sign":"[^"]+"}$/);
    const parsed = JSON.parse(body) as { sign: string };
    expect(() => sdk.checkResponseSign(body, 'alipay_trade_query_response', parsed.sign, 't')).not.toThrow();
    expect(() => sdk.checkResponseSign(body.replace('10000', '10001'), 'alipay_trade_query_response', parsed.sign, 't')).toThrow();
  });

  it('splits a v3 Authorization on the last ,sign=', () => {
    const auth = parseV3Authorization('ALIPAY-SHA256withRSA app_id=1,app_cert_sn=abc,nonce=n,timestamp=2,sign=ab+c/d==');
    expect(auth).toEqual({ authString: 'app_id=1,app_cert_sn=abc,nonce=n,timestamp=2', fields: { app_id: '1', app_cert_sn: 'abc', nonce: 'n', timestamp: '2' }, sign: 'ab+c/d==' });
    expect(parseV3Authorization('Bearer x')).toBeNull();
    expect(parseV3Authorization('ALIPAY-SHA256withRSA app_id=1')).toBeNull();
  });

  it('signs notifications so both SDK verifiers accept them; empty fields are not sent; probes fail or are stale', () => {
    const fields = { notify_id: 'n1', trade_status: 'TRADE_SUCCESS', total_amount: '1.00', subject: 'a b&c', body: '', passback_params: undefined, notify_time: '2026-11-30 12:00:00' };
    const { fields: sent, body, headers } = signNotification(fields, creds.alipay_private_key);
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(Object.keys(sent)).not.toContain('body');
    expect(Object.keys(sent)).not.toContain('passback_params');
    const parsed = Object.fromEntries(new URLSearchParams(body));
    expect(sdk.checkNotifySign(parsed)).toBe(true);
    expect(sdk.checkNotifySignV2(parsed)).toBe(true);
    const tampered = Object.fromEntries(new URLSearchParams(signNotification(fields, creds.alipay_private_key, 'tampered').body));
    expect(tampered.total_amount).toBe('2.00');
    expect(sdk.checkNotifySignV2(tampered)).toBe(false);
    const stale = Object.fromEntries(new URLSearchParams(signNotification(fields, creds.alipay_private_key, 'stale').body));
    expect(stale.notify_time).toBe('2026-11-29 12:00:00');
    expect(sdk.checkNotifySignV2(stale)).toBe(true);
  });
});
