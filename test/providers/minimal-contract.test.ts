/** The provider contract suite, driven through the test-only minimal provider's wire protocol. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describeProviderContract, type ContractStatus, type WireDriver } from '../../src/providers/provider-contract.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { contractEnv } from './contract-env.js';
import { minimalProvider, type MinimalCredentials } from './minimal/index.js';

const creds = (s: Sandbox) => s.providers.minimal!.credentials as MinimalCredentials;

async function call(s: Sandbox, method: string, path: string, fields?: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(s.providers.minimal!.url + path, {
    method,
    headers: { 'x-api-key': creds(s).api_key, ...(fields ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...headers },
    body: fields ? new URLSearchParams(fields).toString() : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as Record<string, any> };
}

const STATUS: Record<string, ContractStatus> = { PENDING: 'waiting', SUCCEEDED: 'succeeded', FAILED: 'failed', CANCELED: 'canceled' };
const OUTCOME: Record<string, 'succeeded' | 'failed' | 'refunded'> = { ORDER_PAID: 'succeeded', ORDER_FAILED: 'failed', REFUND_DONE: 'refunded' };

const minimal: WireDriver = {
  provider: 'minimal',
  extraProvider: minimalProvider,
  async createWaiting(s, o) {
    const res = await call(s, 'POST', '/orders', { order_no: o.orderNo, amount: String(o.amount), currency: 'cny', notify_url: o.notifyUrl }, o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {});
    return { status: res.status, ref: String(res.json().order) };
  },
  async createDeclined(s, o) {
    const res = (await call(s, 'POST', '/orders', { order_no: o.orderNo, amount: String(o.amount), currency: 'cny', notify_url: o.notifyUrl, payment_code: '284712345678909995' })).json();
    return { status: STATUS[res.status]!, failureCode: res.failure };
  },
  async query(s, ref) {
    const o = (await call(s, 'GET', `/orders/${ref}`)).json();
    return { status: STATUS[o.status]!, amount: o.amount, refunded: o.refunded };
  },
  async refund(s, ref, amount) {
    const r = (await call(s, 'POST', `/orders/${ref}/refund`, { amount: String(amount) })).json();
    return { status: String(r.status).toLowerCase() as 'succeeded' };
  },
  async badCreate(s) {
    const res = await call(s, 'POST', '/orders', { amount: '100', currency: 'cny' });
    return { status: res.status, body: res.text, field: 'order_no' };
  },
  parse(s, req) {
    const form = new URLSearchParams(req.body);
    const mac = Buffer.from(createHmac('sha256', creds(s).notify_secret).update(req.body).digest('hex'));
    const given = Buffer.from(String(req.headers['x-minimal-signature'] ?? ''));
    return { outcome: OUTCOME[form.get('type') ?? ''] ?? 'other', orderNo: form.get('order_no') ?? '', verified: given.length === mac.length && timingSafeEqual(given, mac), id: form.get('id') ?? '' };
  },
  ack: { status: 200, body: 'OK' },
};

describeProviderContract('minimal (test-only)', minimal, contractEnv());
