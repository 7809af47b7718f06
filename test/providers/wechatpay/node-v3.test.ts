/**
 * wechatpay-node-v3 through its documented `createHttp()` hook against the WeChat Pay emulation, in both
 * signing modes. node-v3 verifies no API response itself; notifications are verified with its own
 * `verifySign` (which downloads `/v3/certificates` for an unknown platform serial) and `decipher_gcm`.
 */
import { createHash, createVerify } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SigningMode } from '../../../src/providers/wechatpay/credentials.js';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { WxPay, nodeV3Client, startHarness, type Harness } from './harness.js';

let seq = 0;
const outTradeNo = () => `N${Date.now()}${++seq}`;

describe.each<SigningMode>(['public-key', 'platform-certificate'])('wechatpay-node-v3, %s mode', (signing) => {
  let h: Harness;
  let receiver: Receiver;
  let pay: any;

  beforeAll(async () => {
    h = await startHarness(signing);
    receiver = await startReceiver();
    pay = nodeV3Client(h);
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });
  beforeEach(() => {
    // node-v3 caches platform keys in a static map shared by every instance.
    WxPay.certificates = {};
    // node-v3 has no PUB_KEY_ID support: the documented workaround registers the public key by its id.
    if (signing === 'public-key') WxPay.certificates[h.creds.public_key_id] = h.creds.public_key;
  });

  const params = (extra: Record<string, unknown> = {}) => ({ description: 'node-v3 order', out_trade_no: outTradeNo(), notify_url: receiver.url, amount: { total: 300 }, ...extra });

  async function verifiedNotification(index: number) {
    const note = receiver.requests[index]!;
    const headers = note.headers;
    const args = { timestamp: headers['wechatpay-timestamp'], nonce: headers['wechatpay-nonce'], serial: headers['wechatpay-serial'], signature: headers['wechatpay-signature'], apiSecret: h.creds.apiv3_key };
    expect(await pay.verifySign({ ...args, body: note.body })).toBe(true);
    // node-v3 users often pass the parsed body: it re-serialises it, so the body must be compact JSON.
    expect(await pay.verifySign({ ...args, body: JSON.parse(note.body) })).toBe(true);
    const tampered = note.body.replace(/"ciphertext":"(.)/, (_m, c: string) => `"ciphertext":"${c === 'A' ? 'B' : 'A'}`);
    expect(await pay.verifySign({ ...args, body: tampered })).toBe(false);
    const { resource, ...envelope } = JSON.parse(note.body);
    return { ...envelope, resource: pay.decipher_gcm(resource.ciphertext, resource.associated_data, resource.nonce, h.creds.apiv3_key) };
  }

  it('places native, h5, jsapi and app orders; jsapi/app client parameters are signed with the merchant key', async () => {
    const native = await pay.transactions_native(params());
    expect(native).toMatchObject({ status: 200, data: { code_url: expect.stringMatching(/^weixin:\/\//) } });
    const h5 = await pay.transactions_h5(params({ scene_info: { payer_client_ip: '127.0.0.1', h5_info: { type: 'Wap' } } }));
    expect(h5.data.h5_url).toMatch(/^http:\/\//);
    const jsapi = await pay.transactions_jsapi(params({ payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } }));
    expect(jsapi.status).toBe(200);
    const { appId, timeStamp, nonceStr, package: pkg, paySign } = jsapi.data;
    expect(pkg).toMatch(/^prepay_id=wx/);
    expect(createVerify('RSA-SHA256').update(`${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`).verify(h.creds.merchant_cert, paySign, 'base64')).toBe(true);
    const app = await pay.transactions_app(params());
    expect(app.data).toMatchObject({ partnerid: h.creds.mchid, package: 'Sign=WXPay', prepayid: expect.stringMatching(/^wx/) });
  });

  it('refuses a duplicate out_trade_no with different content', async () => {
    const p = params();
    expect((await pay.transactions_native(p)).status).toBe(200);
    const dup = await pay.transactions_native({ ...p, description: 'something else' });
    expect(dup.status).toBe(400);
    expect(JSON.parse(dup.error).code).toBe('INVALID_REQUEST');
  });

  it('pays: TRANSACTION.SUCCESS verified with verifySign (tampered copy rejected), decrypted with decipher_gcm; query by both ids', async () => {
    const p = params();
    await pay.transactions_native(p);
    expect((await pay.query({ out_trade_no: p.out_trade_no })).data.trade_state).toBe('NOTPAY');
    const seen = receiver.requests.length;
    await h.buyer(p.out_trade_no, 'complete');
    await waitFor(() => receiver.requests.length > seen);
    const note = await verifiedNotification(seen);
    expect(note).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', resource: { out_trade_no: p.out_trade_no, trade_state: 'SUCCESS', mchid: h.creds.mchid, appid: h.creds.appid } });
    const byId = await pay.query({ transaction_id: note.resource.transaction_id });
    expect(byId).toMatchObject({ status: 200, data: { trade_state: 'SUCCESS', out_trade_no: p.out_trade_no } });
  });

  it('refunds then REFUND.SUCCESS; find_refunds; over-refund refused', async () => {
    const p = params();
    await pay.transactions_native(p);
    await h.buyer(p.out_trade_no, 'complete');
    const out_refund_no = `R${p.out_trade_no}`;
    const created = await pay.refunds({ out_trade_no: p.out_trade_no, out_refund_no, notify_url: receiver.url, amount: { refund: 300, total: 300, currency: 'CNY' } });
    expect(created).toMatchObject({ status: 200, data: { status: 'PROCESSING' } });
    const over = await pay.refunds({ out_trade_no: p.out_trade_no, out_refund_no: `${out_refund_no}b`, amount: { refund: 1, total: 300, currency: 'CNY' } });
    expect(over.status).toBe(400);
    const seen = receiver.requests.length;
    await h.settleRefunds();
    await waitFor(() => receiver.requests.length > seen);
    const note = await verifiedNotification(seen);
    expect(note).toMatchObject({ event_type: 'REFUND.SUCCESS', resource: { out_refund_no, refund_status: 'SUCCESS' } });
    expect((await pay.find_refunds(out_refund_no)).data).toMatchObject({ status: 'SUCCESS', out_refund_no });
  });

  it('close answers 204; unknown orders are 404; a wrong merchant key is 401 SIGN_ERROR', async () => {
    const p = params();
    await pay.transactions_native(p);
    const closed = await pay.close(p.out_trade_no);
    expect(closed.status).toBe(204);
    expect((await pay.query({ out_trade_no: p.out_trade_no })).data.trade_state).toBe('CLOSED');
    const missing = await pay.query({ out_trade_no: 'NO_SUCH_ORDER' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.error).code).toBe('ORDER_NOT_EXIST');
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const wrong = nodeV3Client({ url: h.url, creds: { ...h.creds, merchant_private_key: privateKey } });
    const denied = await wrong.transactions_native(params());
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.error).code).toBe('SIGN_ERROR');
  });

  it('an order past its time_expire is CLOSED, never reported as failed', async () => {
    const inTenMinutes = new Date(Date.now() + 10 * 60_000 + 8 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
    const p = params({ time_expire: inTenMinutes });
    expect((await pay.transactions_native(p)).status).toBe(200);
    await h.advance(9 * 60_000);
    expect((await pay.query({ out_trade_no: p.out_trade_no })).data.trade_state).toBe('NOTPAY');
    await h.advance(2 * 60_000);
    expect((await pay.query({ out_trade_no: p.out_trade_no })).data.trade_state).toBe('CLOSED');
    const past = await pay.transactions_native(params({ time_expire: '2020-01-01T00:00:00+08:00' }));
    expect(past.status).toBe(400);
    expect(JSON.parse(past.error)).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/time_expire', location: 'body' } });
  });

  it('downloads the trade bill with downloadBill and its SHA1 matches', async () => {
    const p = params();
    await pay.transactions_native(p);
    await h.buyer(p.out_trade_no, 'complete');
    const offer = await pay.tradebill({ bill_date: h.today(), bill_type: 'ALL' });
    expect(offer).toMatchObject({ status: 200, data: { hash_type: 'SHA1' } });
    const file = await pay.downloadBill(offer.data.download_url);
    expect(file.status).toBe(200);
    expect(createHash('sha1').update(file.data, 'utf8').digest('hex')).toBe(offer.data.hash_value);
    expect(file.data).toContain(`\`${p.out_trade_no}`);
  });

  it('decrypts /v3/certificates with get_certificates', async () => {
    const certs = await pay.get_certificates(h.creds.apiv3_key);
    expect(certs).toHaveLength(1);
    expect(certs[0].serial_no).toBe(h.creds.platform_serial);
    expect(certs[0].publicKey).toContain('BEGIN PUBLIC KEY');
  });
});
