/** The provider contract suite, driven through the native API (/v1, Standard Webhooks). */
import { Webhook } from 'standardwebhooks';
import { describeProviderContract, type ContractStatus, type WireDriver } from '../../src/providers/provider-contract.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { contractEnv } from './contract-env.js';

async function call(s: Sandbox, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(s.url + path, {
    method,
    headers: { authorization: `Bearer ${s.merchant.secret_key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as Record<string, any> };
}

const STATUS: Record<string, ContractStatus> = { pending: 'waiting', requires_action: 'waiting', succeeded: 'succeeded', failed: 'failed', canceled: 'canceled' };

const paycli: WireDriver = {
  provider: 'paycli',
  async createWaiting(s, o) {
    const headers: Record<string, string> = o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {};
    const body = { amount: o.amount, currency: 'usd', merchant_order_id: o.orderNo, notify_url: o.notifyUrl, payment_method: { type: 'wallet', wallet: 'alipay' } };
    const res = await call(s, 'POST', '/v1/payments', body, headers);
    return { status: res.status, ref: String(res.json.id) };
  },
  async createDeclined(s, o) {
    const card = { number: '4000000000009995', exp_month: 12, exp_year: 2034 };
    const res = await call(s, 'POST', '/v1/payments', { amount: o.amount, currency: 'usd', merchant_order_id: o.orderNo, notify_url: o.notifyUrl, payment_method: { type: 'card', card } });
    return { status: STATUS[res.json.status]!, failureCode: res.json.failure_code };
  },
  async query(s, ref) {
    const p = (await call(s, 'GET', `/v1/payments/${ref}`)).json;
    return { status: STATUS[p.status]!, amount: p.amount, refunded: p.amount_refunded };
  },
  async refund(s, ref, amount) {
    return { status: (await call(s, 'POST', '/v1/refunds', { payment_id: ref, amount })).json.status };
  },
  async badCreate(s) {
    const res = await call(s, 'POST', '/v1/payments', { amount: 100, currency: 'usd', payment_method: { type: 'wallet', wallet: 'alipay' } });
    return { status: res.status, body: res.text, field: 'merchant_order_id' };
  },
  parse(s, req) {
    const body = JSON.parse(req.body) as { id: string; type: string; data: { object: { merchant_order_id: string } } };
    let verified = true;
    try {
      new Webhook(s.merchant.webhook_secret).verify(req.body, req.headers as Record<string, string>);
    } catch {
      verified = false;
    }
    const outcome = body.type === 'payment.succeeded' ? 'succeeded' : body.type === 'payment.failed' ? 'failed' : body.type === 'refund.succeeded' ? 'refunded' : 'other';
    return { outcome, orderNo: body.data.object.merchant_order_id, verified, id: body.id };
  },
  ack: { status: 200, body: 'ok' },
};

describeProviderContract('paycli (native)', paycli, contractEnv());
