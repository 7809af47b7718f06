/**
 * The provider contract suite, driven through WeChat Pay API v3: requests signed with the merchant's key
 * (WECHATPAY2-SHA256-RSA2048), notifications verified with the WeChat Pay public key and decrypted with
 * the APIv3 key, as a merchant's integration does.
 */
import { createSign, createVerify } from 'node:crypto';
import type { FakeClock } from '../../src/clock.js';
import { aeadDecrypt } from '../../src/providers/wechatpay/aead.js';
import type { WechatpayCredentials } from '../../src/providers/wechatpay/credentials.js';
import { describeProviderContract, type ContractStatus, type WireDriver } from '../../src/providers/provider-contract.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { contractEnv } from './contract-env.js';

const credsOf = (s: Sandbox) => s.providers.wechatpay!.credentials as WechatpayCredentials;

/** A request signed as the SDKs sign it. */
async function call(s: Sandbox, method: 'GET' | 'POST', path: string, body?: unknown) {
  const c = credsOf(s);
  const payload = body === undefined ? '' : JSON.stringify(body);
  const ts = Math.floor(Date.now() / 1000);
  const nonce = Math.random().toString(36).slice(2, 14);
  const signature = createSign('RSA-SHA256').update(`${method}\n${path}\n${ts}\n${nonce}\n${payload}\n`).sign(c.merchant_private_key, 'base64');
  const res = await fetch(s.providers.wechatpay!.url + path, {
    method,
    headers: {
      authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${c.mchid}",serial_no="${c.merchant_serial}",timestamp="${ts}",nonce_str="${nonce}",signature="${signature}"`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : payload,
  });
  const text = await res.text();
  return { status: res.status, text, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

const STATE: Record<string, ContractStatus> = { NOTPAY: 'waiting', USERPAYING: 'waiting', SUCCESS: 'succeeded', REFUND: 'succeeded', PAYERROR: 'failed', CLOSED: 'canceled', REVOKED: 'canceled' };

const order = (s: Sandbox, o: { orderNo: string; amount: number; notifyUrl: string }) => ({
  appid: credsOf(s).appid,
  mchid: credsOf(s).mchid,
  description: 'contract order',
  out_trade_no: o.orderNo,
  notify_url: o.notifyUrl,
  amount: { total: o.amount, currency: 'CNY' },
});

const wechatpay: WireDriver = {
  provider: 'wechatpay',
  // WeChat has no Idempotency-Key: placing the same out_trade_no with the same content returns the same order.
  async createWaiting(s, o) {
    const res = await call(s, 'POST', '/v3/pay/transactions/native', order(s, o));
    return { status: res.status, ref: o.orderNo };
  },
  async createDeclined(s, o) {
    const { notify_url: _unused, ...rest } = order(s, o);
    const res = await call(s, 'POST', '/v3/pay/transactions/codepay', { ...rest, payer: { auth_code: '134567890123459995' }, scene_info: { store_info: { out_id: 'store-1' } } });
    const q = await call(s, 'GET', `/v3/pay/transactions/out-trade-no/${o.orderNo}?mchid=${credsOf(s).mchid}`);
    return { status: STATE[q.json.trade_state]!, failureCode: res.json.code === 'NOT_ENOUGH' ? 'insufficient_funds' : res.json.code ?? null };
  },
  async query(s, ref) {
    const t = (await call(s, 'GET', `/v3/pay/transactions/out-trade-no/${ref}?mchid=${credsOf(s).mchid}`)).json;
    const refunds = s.store.list<{ id: string; payment_id: string; status: string; amount: number }>('refunds');
    const payment = s.store.list<{ id: string; merchant_order_id: string; provider: string }>('payments').find((p) => p.provider === 'wechatpay' && p.merchant_order_id === ref);
    const refunded = refunds.filter((r) => r.payment_id === payment?.id && r.status === 'succeeded').reduce((n, r) => n + r.amount, 0);
    return { status: STATE[t.trade_state]!, amount: t.amount.total, refunded };
  },
  // WeChat refunds are PROCESSING first; the driver lets the sandbox clock run until the refund settles.
  async refund(s, ref, amount) {
    const total = (await call(s, 'GET', `/v3/pay/transactions/out-trade-no/${ref}?mchid=${credsOf(s).mchid}`)).json.amount.total;
    const created = await call(s, 'POST', '/v3/refund/domestic/refunds', { out_trade_no: ref, out_refund_no: `R${ref}`, amount: { refund: amount, total, currency: 'CNY' } });
    if (created.json.status !== 'PROCESSING') return { status: 'failed' };
    await (s.clock as FakeClock).advance(4000);
    const settled = (await call(s, 'GET', `/v3/refund/domestic/refunds/R${ref}`)).json.status;
    return { status: settled === 'SUCCESS' ? 'succeeded' : settled === 'PROCESSING' ? 'pending' : 'failed' };
  },
  async badCreate(s) {
    const { out_trade_no: _missing, ...body } = order(s, { orderNo: 'x', amount: 100, notifyUrl: 'http://127.0.0.1:9/n' });
    const res = await call(s, 'POST', '/v3/pay/transactions/native', body);
    return { status: res.status, body: res.text, field: 'out_trade_no' };
  },
  parse(s, req) {
    const c = credsOf(s);
    const h = (name: string) => String(req.headers[name] ?? '');
    const verified =
      h('wechatpay-serial') === c.public_key_id &&
      createVerify('RSA-SHA256').update(`${h('wechatpay-timestamp')}\n${h('wechatpay-nonce')}\n${req.body}\n`).verify(c.public_key, h('wechatpay-signature'), 'base64');
    const body = JSON.parse(req.body) as { id: string; event_type: string; resource: { ciphertext: string; associated_data: string; nonce: string } };
    let resource: { out_trade_no?: string } = {};
    try {
      resource = JSON.parse(aeadDecrypt(body.resource, c.apiv3_key));
    } catch {
      return { outcome: 'other', orderNo: '', verified: false, id: body.id };
    }
    const outcome = body.event_type === 'TRANSACTION.SUCCESS' ? 'succeeded' : body.event_type === 'REFUND.SUCCESS' ? 'refunded' : 'other';
    return { outcome, orderNo: resource.out_trade_no ?? '', verified, id: body.id };
  },
  // A payer who fails inside WeChat is never reported: the order stays NOTPAY.
  payerFailureShowsAs: 'waiting',
  ack: { status: 204, body: '' },
};

describeProviderContract('wechatpay', wechatpay, contractEnv());
