/**
 * wechatpay-axios-plugin, the strictest consumer (it verifies every 2xx response, 204s included), against
 * the WeChat Pay emulation in both signing modes.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SigningMode } from '../../../src/providers/wechatpay/credentials.js';
import { startReceiver, waitFor, type ReceivedRequest, type Receiver } from '../../helpers/sandbox.js';
import { axiosClient, axiosPlugin, merchantCerts, signedRequest, startHarness, type Harness } from './harness.js';

const { Formatter, Rsa, Aes } = axiosPlugin;

let seq = 0;
const outTradeNo = () => `T${Date.now()}${++seq}`;

/** How the axios-plugin docs verify and decrypt a notification. */
function verifyAndDecrypt(h: Harness, signing: SigningMode, req: ReceivedRequest): Record<string, any> {
  const serial = String(req.headers['wechatpay-serial']);
  const certs = merchantCerts(h.creds, signing);
  if (!(serial in certs)) throw new Error(`unknown serial ${serial}`);
  const ts = Number(req.headers['wechatpay-timestamp']);
  if (Math.abs(Formatter.timestamp() - ts) > 300) throw new Error('stale');
  const ok = Rsa.verify(Formatter.joinedByLineFeed(ts, req.headers['wechatpay-nonce'], req.body), String(req.headers['wechatpay-signature']), Rsa.from(certs[serial]!, Rsa.KEY_TYPE_PUBLIC));
  if (!ok) throw new Error('bad signature');
  const { resource, ...envelope } = JSON.parse(req.body);
  return { ...envelope, resource: JSON.parse(Aes.AesGcm.decrypt(resource.ciphertext, h.creds.apiv3_key, resource.nonce, resource.associated_data)) };
}

describe.each<SigningMode>(['public-key', 'platform-certificate'])('wechatpay-axios-plugin, %s mode', (signing) => {
  let h: Harness;
  let receiver: Receiver;
  let wxpay: any;

  beforeAll(async () => {
    h = await startHarness(signing);
    receiver = await startReceiver();
    wxpay = axiosClient(h, signing);
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  const order = (extra: Record<string, unknown> = {}) => ({
    appid: h.creds.appid,
    mchid: h.creds.mchid,
    description: 'paycli test order',
    out_trade_no: outTradeNo(),
    notify_url: receiver.url,
    amount: { total: 100, currency: 'CNY' },
    ...extra,
  });

  it('places native, jsapi, app and h5 orders', async () => {
    const native = await wxpay.v3.pay.transactions.native.post(order());
    expect(native.status).toBe(200);
    expect(native.data.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=\w{7}$/);
    expect(native.headers['wechatpay-serial']).toBe(Object.keys(merchantCerts(h.creds, signing))[0]);
    expect(native.headers['request-id']).toMatch(/^[0-9A-F]{32}$/);
    const jsapi = await wxpay.v3.pay.transactions.jsapi.post(order({ payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } }));
    expect(jsapi.data.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{22}$/);
    const app = await wxpay.v3.pay.transactions.app.post(order());
    expect(app.data.prepay_id).toMatch(/^wx/);
    const h5 = await wxpay.v3.pay.transactions.h5.post(order({ scene_info: { payer_client_ip: '127.0.0.1', h5_info: { type: 'Wap' } } }));
    expect(h5.data.h5_url).toMatch(new RegExp(`^${h.url}/pay/\\w{7}\\?trade_type=MWEB$`));
  });

  it('answers a repeated identical order with the same code_url and a conflicting one with INVALID_REQUEST', async () => {
    const body = order();
    const first = await wxpay.v3.pay.transactions.native.post(body);
    const again = await wxpay.v3.pay.transactions.native.post(body);
    expect(again.data.code_url).toBe(first.data.code_url);
    const err = await wxpay.v3.pay.transactions.native.post({ ...body, amount: { total: 999, currency: 'CNY' } }).catch((e: any) => e);
    expect(err.response.status).toBe(400);
    expect(err.response.data.code).toBe('INVALID_REQUEST');
    // WeChat names a body parameter by its JSON Pointer.
    expect(err.response.data.detail).toMatchObject({ field: '/out_trade_no', location: 'body' });
  });

  it('pays an order: query by both ids, TRANSACTION.SUCCESS verified and decrypted, a tampered copy rejected', async () => {
    const body = order({ attach: 'cart=42' });
    await wxpay.v3.pay.transactions.native.post(body);
    const before = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: body.out_trade_no });
    expect(before.data).toMatchObject({ trade_state: 'NOTPAY', out_trade_no: body.out_trade_no, amount: { total: 100 } });
    expect(before.data.transaction_id).toBeUndefined();

    const seen = receiver.requests.length;
    await h.buyer(body.out_trade_no, 'complete');
    await waitFor(() => receiver.requests.length > seen);
    const note = receiver.requests[seen]!;
    const decrypted = verifyAndDecrypt(h, signing, note);
    expect(decrypted).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', resource_type: 'encrypt-resource', summary: '支付成功' });
    expect(decrypted.resource).toMatchObject({ out_trade_no: body.out_trade_no, trade_state: 'SUCCESS', attach: 'cart=42', amount: { total: 100, payer_total: 100 } });
    expect(JSON.stringify(JSON.parse(note.body))).toBe(note.body);

    const tamperedBody = note.body.replace(/"ciphertext":"(.)/, (_m, c: string) => `"ciphertext":"${c === 'A' ? 'B' : 'A'}`);
    expect(() => verifyAndDecrypt(h, signing, { ...note, body: tamperedBody })).toThrow('bad signature');
    const { resource } = JSON.parse(tamperedBody);
    expect(() => Aes.AesGcm.decrypt(resource.ciphertext, h.creds.apiv3_key, resource.nonce, resource.associated_data)).toThrow(/authenticate/);

    const byId = await wxpay.v3.pay.transactions.id._transaction_id_.get({ params: { mchid: h.creds.mchid }, transaction_id: decrypted.resource.transaction_id });
    expect(byId.data).toMatchObject({ trade_state: 'SUCCESS', transaction_id: decrypted.resource.transaction_id, payer: { openid: expect.any(String) } });
  });

  it('refunds in part: PROCESSING, then SUCCESS with REFUND.SUCCESS; refund query; over-refund refused', async () => {
    const body = order({ amount: { total: 500, currency: 'CNY' } });
    await wxpay.v3.pay.transactions.native.post(body);
    await h.buyer(body.out_trade_no, 'complete');
    const paid = (await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: body.out_trade_no })).data;
    const refundNo = `R${body.out_trade_no}`;
    const created = await wxpay.v3.refund.domestic.refunds.post({ out_trade_no: body.out_trade_no, out_refund_no: refundNo, notify_url: receiver.url, amount: { refund: 200, total: 500, currency: 'CNY' } });
    expect(created.data).toMatchObject({ status: 'PROCESSING', out_refund_no: refundNo, transaction_id: paid.transaction_id, amount: { refund: 200, total: 500 } });

    const over = await wxpay.v3.refund.domestic.refunds.post({ transaction_id: paid.transaction_id, out_refund_no: `${refundNo}x`, amount: { refund: 301, total: 500, currency: 'CNY' } }).catch((e: any) => e);
    expect(over.response.status).toBe(400);
    expect(over.response.data).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: '/amount/refund', location: 'body' } });

    const seen = receiver.requests.length;
    await h.settleRefunds();
    await waitFor(() => receiver.requests.length > seen);
    const note = verifyAndDecrypt(h, signing, receiver.requests[seen]!);
    expect(note).toMatchObject({ event_type: 'REFUND.SUCCESS', resource: { out_refund_no: refundNo, refund_status: 'SUCCESS', amount: { refund: 200, total: 500 } } });

    const queried = await wxpay.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: refundNo });
    expect(queried.data).toMatchObject({ status: 'SUCCESS', refund_id: created.data.refund_id, success_time: expect.stringMatching(/\+08:00$/) });
    const order2 = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: body.out_trade_no });
    expect(order2.data.trade_state).toBe('REFUND');
  });

  it('a payer who fails leaves the order NOTPAY; close answers a signed 204 and the order is CLOSED', async () => {
    const body = order();
    await wxpay.v3.pay.transactions.native.post(body);
    await h.buyer(body.out_trade_no, 'fail');
    const q = () => wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: body.out_trade_no });
    expect((await q()).data.trade_state).toBe('NOTPAY');
    const closed = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ mchid: h.creds.mchid }, { out_trade_no: body.out_trade_no });
    expect(closed.status).toBe(204);
    expect(closed.headers['wechatpay-signature']).toMatch(/=$/);
    expect((await q()).data.trade_state).toBe('CLOSED');
  });

  it('an unknown order is 404 ORDER_NOT_EXIST; a wrong merchant key is 401 SIGN_ERROR', async () => {
    const missing = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: 'NO_SUCH_ORDER' }).catch((e: any) => e);
    expect(missing.response.status).toBe(404);
    expect(missing.response.data.code).toBe('ORDER_NOT_EXIST');
    const foreign = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: '1900000109' }, out_trade_no: 'NO_SUCH_ORDER' }).catch((e: any) => e);
    expect(foreign.response.status).toBe(400);
    expect(foreign.response.data).toMatchObject({ code: 'MCH_NOT_EXISTS', detail: { field: 'mchid', value: '1900000109', location: 'query' } });
    const other = await testCredentialsOtherKey();
    const wrong = axiosClient(h, signing, other);
    const err = await wrong.v3.pay.transactions.native.post(order()).catch((e: any) => e);
    expect(err.response.status).toBe(401);
    expect(err.response.data.code).toBe('SIGN_ERROR');
  });

  it('bad input is PARAM_ERROR whose detail names the body parameter by its JSON Pointer, as WeChat does', async () => {
    const refused = async (body: Record<string, unknown>) => (await wxpay.v3.pay.transactions.native.post(body).catch((e: any) => e)).response;
    const cases: [Record<string, unknown>, string][] = [
      [order({ amount: { total: 0, currency: 'CNY' } }), '/amount/total'],
      [order({ amount: { total: -5, currency: 'CNY' } }), '/amount/total'],
      [order({ amount: { total: 1.5, currency: 'CNY' } }), '/amount/total'],
      [order({ amount: { total: 100, currency: 'USD' } }), '/amount/currency'],
      [order({ description: 'x'.repeat(128) }), '/description'],
      [order({ out_trade_no: 'A'.repeat(33) }), '/out_trade_no'],
      [order({ out_trade_no: 'has space#1' }), '/out_trade_no'],
      [{ ...order(), description: undefined }, '/description'],
      [order({ amount: null }), '/amount'],
    ];
    for (const [body, field] of cases) {
      const res = await refused(body);
      expect(res.status).toBe(400);
      expect(res.data).toMatchObject({ code: 'PARAM_ERROR', detail: { field, location: 'body', issue: expect.any(String) } });
      expect(res.data.detail.issue).not.toMatch(/Invalid input/);
    }
  });

  it('another HTTP method is 405 naming the one the API takes; a body that is not application/json is INVALID_REQUEST, not SIGN_ERROR', async () => {
    const wrongMethod = await wxpay.v3.pay.transactions.native.get().catch((e: any) => e);
    expect(wrongMethod.response.status).toBe(405);
    expect(wrongMethod.response.headers.allow).toBe('POST');
    expect(wrongMethod.response.data).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('use POST') });
    const postToQuery = await signedRequest(h, 'POST', '/v3/pay/transactions/out-trade-no/NO_SUCH_ORDER', JSON.stringify({ mchid: h.creds.mchid }));
    expect(postToQuery.status).toBe(405);
    expect(postToQuery.headers.get('allow')).toBe('GET, HEAD');
    expect(postToQuery.headers.get('wechatpay-signature')).toBeTruthy();

    // Validly signed bytes under another Content-Type: the answer names the header, not the signature.
    const body = JSON.stringify(order());
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const refused = await signedRequest(h, 'POST', '/v3/pay/transactions/native', body, type);
      expect(refused.status).toBe(400);
      expect(refused.json).toMatchObject({ code: 'INVALID_REQUEST', detail: { field: 'Content-Type', value: type, location: 'header' } });
    }
    const placed = await signedRequest(h, 'POST', '/v3/pay/transactions/native', body, 'application/json; charset=utf-8');
    expect(placed.status).toBe(200);
    expect(placed.json.code_url).toMatch(/^weixin:/);
  });

  it('a path that does not percent-decode is PARAM_ERROR located in the path, never a 500', async () => {
    for (const [method, target] of [['GET', '/v3/refund/domestic/refunds/R%E0%A4%A'], ['GET', `/v3/pay/transactions/out-trade-no/A%E0%A4%A?mchid=${h.creds.mchid}`]] as const) {
      const res = await signedRequest(h, method, target);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ code: 'PARAM_ERROR', detail: { location: 'path' } });
    }
    const close = await signedRequest(h, 'POST', '/v3/pay/transactions/out-trade-no/A%E0%A4%A/close', JSON.stringify({ mchid: h.creds.mchid }));
    expect(close.status).toBe(400);
  });

  it('a Wechatpay-Serial request header must name WeChat\'s key (platform certificate or public key), not the merchant\'s', async () => {
    for (const serial of [h.creds.platform_serial, h.creds.platform_serial.toLowerCase(), h.creds.public_key_id]) {
      const placed = await wxpay.v3.pay.transactions.native.post(order(), { headers: { 'Wechatpay-Serial': serial } });
      expect(placed.status).toBe(200);
    }
    const merchantSerial = await wxpay.v3.pay.transactions.native.post(order(), { headers: { 'Wechatpay-Serial': h.creds.merchant_serial } }).catch((e: any) => e);
    expect(merchantSerial.response.status).toBe(400);
    expect(merchantSerial.response.data).toMatchObject({
      code: 'PARAM_ERROR',
      detail: { field: 'Wechatpay-Serial', value: h.creds.merchant_serial, location: 'header', issue: expect.stringContaining('not the merchant certificate serial') },
    });
  });

  it('payment codes (付款码) answer synchronously from the test-card table', async () => {
    const codepay = (auth_code: string) => ({
      appid: h.creds.appid, mchid: h.creds.mchid, description: 'counter sale', out_trade_no: outTradeNo(),
      amount: { total: 880, currency: 'CNY' }, payer: { auth_code }, scene_info: { store_info: { out_id: 'store-1' } },
    });
    const paid = await wxpay.v3.pay.transactions.codepay.post(codepay('134567890123454242'));
    expect(paid.data).toMatchObject({ trade_state: 'SUCCESS', trade_type: 'MICROPAY', amount: { total: 880 } });
    // An openid as WeChat's are (28 characters, like oUpF8uMuAJO_M2pxb1Q9zNjWeS6o), as for the other trade types.
    expect(paid.data.payer.openid).toMatch(/^o[\w-]{27}$/);
    const poorBody = codepay('134567890123459995');
    const poor = await wxpay.v3.pay.transactions.codepay.post(poorBody).catch((e: any) => e);
    expect(poor.response.status).toBe(403);
    expect(poor.response.data.code).toBe('NOT_ENOUGH');
    const q = await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: poorBody.out_trade_no });
    expect(q.data.trade_state).toBe('PAYERROR');
    // In WeChat's words, as a merchant shows it, not a card decline's.
    expect(q.data.trade_state_desc).toBe('用户余额不足，请用户更换支付方式');
    // A 202 is a 2xx: the plugin verifies its signature too.
    const waitingBody = codepay('134567890123453184');
    const waiting = await wxpay.v3.pay.transactions.codepay.post(waitingBody);
    expect(waiting.status).toBe(202);
    expect(waiting.data.code).toBe('USERPAYING');
    const queryState = async (no: string) => (await wxpay.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: h.creds.mchid }, out_trade_no: no })).data.trade_state;
    expect(await queryState(waitingBody.out_trade_no)).toBe('USERPAYING');
    await h.buyer(waitingBody.out_trade_no, 'complete');
    expect(await queryState(waitingBody.out_trade_no)).toBe('SUCCESS');

    // …5126 pays, and its refunds fail: REFUND.ABNORMAL.
    const refundsFail = codepay('134567890123455126');
    expect((await wxpay.v3.pay.transactions.codepay.post(refundsFail)).data.trade_state).toBe('SUCCESS');
    const seen = receiver.requests.length;
    await wxpay.v3.refund.domestic.refunds.post({ out_trade_no: refundsFail.out_trade_no, out_refund_no: `R${refundsFail.out_trade_no}`, notify_url: receiver.url, amount: { refund: 880, total: 880, currency: 'CNY' } });
    await h.settleRefunds();
    await waitFor(() => receiver.requests.length > seen);
    expect(verifyAndDecrypt(h, signing, receiver.requests[seen]!)).toMatchObject({ event_type: 'REFUND.ABNORMAL', resource: { refund_status: 'ABNORMAL' } });
    const refund = await wxpay.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: `R${refundsFail.out_trade_no}` });
    expect(refund.data.status).toBe('ABNORMAL');

    const bad = await wxpay.v3.pay.transactions.codepay.post(codepay('99')).catch((e: any) => e);
    expect(bad.response.data).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/payer/auth_code', location: 'body' } });
  });

  it('serves the trade bill with a matching SHA1, plain and GZIP, in the layout Formatter.castCsvBill reads', async () => {
    const body = order({ amount: { total: 1234, currency: 'CNY' } });
    await wxpay.v3.pay.transactions.native.post(body);
    await h.buyer(body.out_trade_no, 'complete');
    const bill_date = h.today();
    const offer = await wxpay.v3.bill.tradebill.get({ params: { bill_date, bill_type: 'ALL' } });
    expect(offer.data).toMatchObject({ hash_type: 'SHA1', download_url: expect.stringContaining(`${h.url}/v3/billdownload/file?token=`) });
    // As the plugin's README downloads a bill: the download_url's query as params.
    const file = await wxpay.v3.billdownload.file.get({ params: Object.fromEntries(new URL(offer.data.download_url).searchParams), responseType: 'arraybuffer' });
    const bytes = Buffer.from(file.data);
    expect(createHash('sha1').update(bytes).digest('hex')).toBe(offer.data.hash_value);
    const { rows, summary } = Formatter.castCsvBill(bytes);
    const row = rows.find((r) => r['商户订单号'] === body.out_trade_no)!;
    // 0.6 % of 12.34 yuan, charged in whole fen as WeChat's bills show it (29.90 yuan: `0.18000).
    expect(row).toMatchObject({ 交易状态: 'SUCCESS', 应结订单金额: '12.34', 手续费: '0.07000', 费率: '0.60%' });
    expect(Number(summary['总交易单数'])).toBe(rows.length);

    const gz = await wxpay.v3.bill.tradebill.get({ params: { bill_date, tar_type: 'GZIP' } });
    const gzFile = await wxpay.v3.billdownload.file.get({ params: { token: new URL(gz.data.download_url).searchParams.get('token') }, responseType: 'arraybuffer' });
    const unzipped = gunzipSync(Buffer.from(gzFile.data));
    expect(createHash('sha1').update(unzipped).digest('hex')).toBe(gz.data.hash_value);
  });

  it('a day without trades has no bill (NO_STATEMENT_EXIST); a date not a calendar day or over three months back is PARAM_ERROR', async () => {
    const daysAgo = (n: number) => new Date(Date.parse(`${h.today()}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
    const quiet = await wxpay.v3.bill.tradebill.get({ params: { bill_date: daysAgo(10) } }).catch((e: any) => e);
    expect(quiet.response.status).toBe(400);
    expect(quiet.response.data).toMatchObject({ code: 'NO_STATEMENT_EXIST', message: expect.stringContaining('请求的账单文件不存在') });
    const quietFunds = await wxpay.v3.bill.fundflowbill.get({ params: { bill_date: daysAgo(10) } }).catch((e: any) => e);
    expect(quietFunds.response.data.code).toBe('NO_STATEMENT_EXIST');
    // Today has trades (the orders above) in the basic account, none in the operation account.
    const operation = await wxpay.v3.bill.fundflowbill.get({ params: { bill_date: h.today(), account_type: 'OPERATION' } }).catch((e: any) => e);
    expect(operation.response.data.code).toBe('NO_STATEMENT_EXIST');
    expect((await wxpay.v3.bill.fundflowbill.get({ params: { bill_date: h.today() } })).data.hash_type).toBe('SHA1');

    for (const bill_date of [daysAgo(100), '2026-02-30', '2026-13-01', '20261130']) {
      const bad = await wxpay.v3.bill.tradebill.get({ params: { bill_date } }).catch((e: any) => e);
      expect(bad.response.status).toBe(400);
      expect(bad.response.data).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'bill_date', location: 'query' } });
    }
    const tooOld = await wxpay.v3.bill.tradebill.get({ params: { bill_date: daysAgo(100) } }).catch((e: any) => e);
    expect(tooOld.response.data.detail.issue).toMatch(/three months/);
  });
});

let otherKey: Promise<string> | null = null;
/** A merchant key that is not this merchant's. */
function testCredentialsOtherKey(): Promise<string> {
  otherKey ??= import('node:crypto').then(
    ({ generateKeyPairSync }) => generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey,
  );
  return otherKey;
}
