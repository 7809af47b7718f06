/**
 * The headers of a WeChat Pay callback on the wire: what a merchant's receiver (and its proxy, firewall or
 * logging rules) sees from WeChat Pay, on every attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { axiosClient, axiosPlugin, merchantCerts, startHarness, type Harness } from './harness.js';

const { Formatter, Rsa } = axiosPlugin;
/** Headers Node's HTTP client adds to any request, whoever sends it. */
const TRANSPORT = new Set(['host', 'connection', 'content-length']);

describe('WeChat Pay notification headers', () => {
  let h: Harness;
  // The first attempt of each notification fails, so each is sent twice.
  let receiver: Receiver;
  const failFirst = new Set<string>();

  beforeAll(async () => {
    h = await startHarness('public-key');
    receiver = await startReceiver((req) => {
      const id = (JSON.parse(req.body) as { id: string }).id;
      if (failFirst.has(id)) return { status: 200 };
      failFirst.add(id);
      return { status: 500, body: '{"code":"FAIL","message":"失败"}' };
    });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  it('every attempt carries the Wechatpay-* signature headers, Request-ID, User-Agent and Content-Type, and nothing else', async () => {
    const wxpay = axiosClient(h, 'public-key');
    const outTradeNo = `H${Date.now()}`;
    await wxpay.v3.pay.transactions.native.post({
      appid: h.creds.appid,
      mchid: h.creds.mchid,
      description: 'headers',
      out_trade_no: outTradeNo,
      notify_url: receiver.url,
      amount: { total: 100, currency: 'CNY' },
    });
    await h.buyer(outTradeNo, 'complete');
    await waitFor(() => receiver.requests.length === 1);
    // WeChat's second attempt comes 15 s after a failed first one.
    await h.advance(15_000);
    await waitFor(() => receiver.requests.length === 2);

    const [first, second] = receiver.requests as [(typeof receiver.requests)[0], (typeof receiver.requests)[0]];
    for (const req of [first, second]) {
      expect(Object.keys(req.headers).filter((k) => !TRANSPORT.has(k)).sort()).toEqual([
        'content-type',
        'request-id',
        'user-agent',
        'wechatpay-nonce',
        'wechatpay-serial',
        'wechatpay-signature',
        'wechatpay-signature-type',
        'wechatpay-timestamp',
      ]);
      expect(req.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'Mozilla/4.0',
        'wechatpay-serial': h.creds.public_key_id,
        'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      });
      expect(req.headers['request-id']).toMatch(/^[0-9A-F]{32}$/);
      const certs = merchantCerts(h.creds, 'public-key');
      const message = Formatter.joinedByLineFeed(req.headers['wechatpay-timestamp'], req.headers['wechatpay-nonce'], req.body);
      expect(Rsa.verify(message, String(req.headers['wechatpay-signature']), Rsa.from(certs[h.creds.public_key_id]!, Rsa.KEY_TYPE_PUBLIC))).toBe(true);
    }
    // One notification (same id), two requests: each has its own Request-ID and nonce.
    expect(JSON.parse(second.body).id).toBe(JSON.parse(first.body).id);
    expect(second.headers['request-id']).not.toBe(first.headers['request-id']);
    expect(second.headers['wechatpay-nonce']).not.toBe(first.headers['wechatpay-nonce']);
  });
});
