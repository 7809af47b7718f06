import { createSign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../core/ids.js';
import { aeadDecrypt, aeadEncrypt } from './aead.js';
import { mintWechatpayCredentials, normalizeSerial, type WechatpayCredentials } from './credentials.js';
import { signNotification } from './notifications.js';
import { parseAuthorization, rsaVerify, verifyRequest, verifyRequestAsync, wechatpayHeaders } from './signing.js';

let creds: WechatpayCredentials;
beforeAll(async () => {
  creds = await mintWechatpayCredentials({ random: cryptoRandom, nowMs: Date.UTC(2026, 10, 30) });
});

const NOW = 1_800_000_000;
function authorization(opts: { serial?: string; timestamp?: number; method?: string; target?: string; body?: string; key?: string } = {}): string {
  const ts = String(opts.timestamp ?? NOW);
  const nonce = 'abc123';
  const message = `${opts.method ?? 'POST'}\n${opts.target ?? '/v3/pay/transactions/native'}\n${ts}\n${nonce}\n${opts.body ?? '{}'}\n`;
  const signature = createSign('RSA-SHA256').update(message).sign(opts.key ?? creds.merchant_private_key, 'base64');
  // node-v3's pair order.
  return `WECHATPAY2-SHA256-RSA2048 mchid="${creds.mchid}",nonce_str="${nonce}",timestamp="${ts}",serial_no="${opts.serial ?? creds.merchant_serial}",signature="${signature}"`;
}
const verify = (auth: string, body = '{}') => verifyRequest({ method: 'POST', targets: ['/v3/pay/transactions/native'], body, authorization: auth, nowSec: NOW }, creds);

describe('request signatures', () => {
  it('accepts the serial lower-case and 00-prefixed, as node-v3 derives it', () => {
    expect(verify(authorization()).ok).toBe(true);
    expect(verify(authorization({ serial: `00${creds.merchant_serial.toLowerCase()}` })).ok).toBe(true);
    expect(normalizeSerial('00ab')).toBe('AB');
  });

  it('rejects a timestamp more than five minutes off, another serial, another body or target, another key', () => {
    expect(verify(authorization({ timestamp: NOW - 301 }))).toMatchObject({ ok: false, field: 'timestamp' });
    expect(verify(authorization({ timestamp: NOW + 300 })).ok).toBe(true);
    expect(verify(authorization({ serial: creds.platform_serial }))).toMatchObject({ ok: false, field: 'serial_no' });
    expect(verify(authorization(), '{"a":1}')).toMatchObject({ ok: false, field: 'signature' });
    expect(verify(authorization({ target: '/wx/v3/pay/transactions/native' }))).toMatchObject({ ok: false, field: 'signature' });
    expect(verify(authorization({ key: creds.platform_private_key }))).toMatchObject({ ok: false, field: 'signature' });
  });

  it('verifies on the thread pool with the same verdict, for every way a request can fail or pass', async () => {
    const body = '{"amount":{"total":1},"description":"形象店"}';
    const cases: [string, string | Buffer][] = [
      [authorization({ body }), body],
      [authorization({ body }), Buffer.from(body)],
      [authorization({ body }), `${body} `],
      [authorization({ timestamp: NOW - 301 }), '{}'],
      [authorization({ serial: creds.platform_serial }), '{}'],
      [authorization({ target: '/wx/v3/pay/transactions/native' }), '{}'],
      [authorization({ key: creds.platform_private_key }), '{}'],
      [authorization().replace(/signature="[^"]*"/, 'signature="not base64 at all!"'), '{}'],
      [authorization().replace(/signature="[^"]*"/, 'signature="AAAA"'), '{}'],
      ['WECHATPAY2-SHA256-RSA2048 mchid="1"', '{}'],
      [authorization().replace(creds.mchid, '1900000000'), '{}'],
    ];
    for (const [auth, b] of cases) {
      const req = { method: 'POST', targets: ['/v3/pay/transactions/native'], body: b, authorization: auth, nowSec: NOW };
      expect(await verifyRequestAsync(req, creds), auth).toEqual(verifyRequest(req, creds));
    }
    expect((await verifyRequestAsync({ method: 'POST', targets: ['/v3/pay/transactions/native'], body, authorization: authorization({ body }), nowSec: NOW }, creds)).ok).toBe(true);
    // A later target the client may have signed (a bill's download_url as given) is tried in turn.
    const download = { method: 'GET', targets: ['/v3/billdownload/file?token=t', 'http://127.0.0.1:1/v3/billdownload/file?token=t'], body: '', nowSec: NOW };
    for (const target of [...download.targets, '/elsewhere']) {
      const req = { ...download, authorization: authorization({ method: 'GET', target, body: '' }) };
      expect(await verifyRequestAsync(req, creds)).toEqual(verifyRequest(req, creds));
      expect((await verifyRequestAsync(req, creds)).ok).toBe(target !== '/elsewhere');
    }
  });

  it('names what is missing from a malformed header', () => {
    expect(parseAuthorization(undefined)).toMatch(/no Authorization/);
    expect(parseAuthorization('Bearer x')).toMatch(/scheme/);
    expect(parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1"')).toMatch(/serial_no, timestamp, nonce_str, signature/);
  });
});

describe('response signatures', () => {
  it('signs with the WeChat Pay public key or the platform certificate, named by Wechatpay-Serial', () => {
    const pub = wechatpayHeaders('', creds, 'public-key', { timestampSec: NOW, nonce: 'n' });
    expect(pub['Wechatpay-Serial']).toBe(creds.public_key_id);
    expect(creds.public_key_id).toMatch(/^PUB_KEY_ID_\d+$/);
    expect(rsaVerify(`${NOW}\nn\n\n`, pub['Wechatpay-Signature']!, creds.public_key)).toBe(true);
    const plat = wechatpayHeaders('{"a":1}', creds, 'platform-certificate', { timestampSec: NOW, nonce: 'n' });
    expect(plat['Wechatpay-Serial']).toBe(creds.platform_serial);
    expect(rsaVerify(`${NOW}\nn\n{"a":1}\n`, plat['Wechatpay-Signature']!, creds.platform_cert)).toBe(true);
    expect(rsaVerify(`${NOW}\nn\n{"a":1}\n`, plat['Wechatpay-Signature']!, creds.public_key)).toBe(false);
  });

  it('a notification carries the headers WeChat Pay sends with a callback, named as WeChat names them', () => {
    const { headers } = signNotification('{"id":"n1"}', creds, 'public-key', { timestampSec: NOW, requestId: 'ABC123' });
    expect(Object.keys(headers).sort()).toEqual([
      'Content-Type',
      'Request-ID',
      'User-Agent',
      'Wechatpay-Nonce',
      'Wechatpay-Serial',
      'Wechatpay-Signature',
      'Wechatpay-Signature-Type',
      'Wechatpay-Timestamp',
    ]);
    expect(headers).toMatchObject({
      'Content-Type': 'application/json',
      'Request-ID': 'ABC123',
      'User-Agent': 'Mozilla/4.0',
      'Wechatpay-Serial': creds.public_key_id,
      'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
      'Wechatpay-Timestamp': String(NOW),
    });
  });

  it('a forged notification: the genuine body, the named serial, a signature by another key', () => {
    for (const mode of ['public-key', 'platform-certificate'] as const) {
      const genuine = signNotification('{"id":"n1"}', creds, mode, { timestampSec: NOW, requestId: 'R1' });
      const forged = signNotification('{"id":"n1"}', creds, mode, { timestampSec: NOW, probe: 'forged', requestId: 'R2' });
      expect(forged.body).toBe(genuine.body);
      expect(forged.headers['Wechatpay-Serial']).toBe(genuine.headers['Wechatpay-Serial']);
      const signed = `${forged.headers['Wechatpay-Timestamp']}\n${forged.headers['Wechatpay-Nonce']}\n${forged.body}\n`;
      const named = mode === 'public-key' ? creds.public_key : creds.platform_cert;
      const other = mode === 'public-key' ? creds.platform_cert : creds.public_key;
      expect(rsaVerify(signed, forged.headers['Wechatpay-Signature']!, named)).toBe(false);
      expect(rsaVerify(signed, forged.headers['Wechatpay-Signature']!, other)).toBe(true);
    }
  });
});

describe('key material', () => {
  it('mints 40-hex upper-case serials with the top bit clear, a 32-character APIv3 key and PKCS#8 merchant key', () => {
    expect(creds.merchant_serial).toMatch(/^[1-7][0-9A-F]{39}$/);
    expect(creds.platform_serial).toMatch(/^[1-7][0-9A-F]{39}$/);
    expect(creds.apiv3_key).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(creds.merchant_private_key).toContain('-----BEGIN PRIVATE KEY-----');
    expect(creds.mchid).toMatch(/^\d{10}$/);
    expect(creds.appid).toMatch(/^wx[0-9a-f]{16}$/);
  });
});

describe('AEAD_AES_256_GCM', () => {
  it('round-trips and rejects a flipped byte or another associated_data', () => {
    const enc = aeadEncrypt('{"x":"支付"}', creds.apiv3_key, 'transaction', 'abcdefabcdef');
    expect(aeadDecrypt(enc, creds.apiv3_key)).toBe('{"x":"支付"}');
    expect(() => aeadDecrypt({ ...enc, associated_data: 'refund' }, creds.apiv3_key)).toThrow();
    const bytes = Buffer.from(enc.ciphertext, 'base64');
    bytes[0]! ^= 1;
    expect(() => aeadDecrypt({ ...enc, ciphertext: bytes.toString('base64') }, creds.apiv3_key)).toThrow();
  });
});
