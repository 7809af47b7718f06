/**
 * The native API as scenarios drive it: `/v1/payments` and `/v1/refunds` with the merchant's secret key,
 * in JSON. What a scenario without `setup.provider` (or with `paycli`) does at the PSP.
 */
import { EVENT_TYPES } from '../../engine/types.js';
import { errorCode, httpJson } from '../../scenarios/http.js';
import type { DriverCall, DriverContext, DriverPaymentInput, ScenarioDriver } from '../../scenarios/psp-driver.js';

const enc = encodeURIComponent;
const ok = (c: DriverCall) => c.status >= 200 && c.status < 300;

async function call(ctx: DriverContext, method: string, path: string, body?: unknown): Promise<DriverCall> {
  const key = String(ctx.creds.secret_key ?? '');
  const r = await httpJson(method, ctx.url + path, { body, headers: { authorization: `Bearer ${key}`, ...ctx.runnerHeaders } });
  return { request: `${method} ${path.split('?')[0]}`, ...r };
}

function paymentMethod(input: DriverPaymentInput): unknown {
  if (input.payment_method) return input.payment_method;
  if (input.wallet) return { type: 'wallet', wallet: input.wallet };
  return { type: 'card', card: input.card };
}

export const paycliScenarioDriver: ScenarioDriver = {
  provider: 'paycli',
  notificationTypes: EVENT_TYPES,
  async createPayment(ctx, input) {
    const body = {
      amount: input.amount,
      currency: input.currency,
      merchant_order_id: input.merchant_order_id,
      payment_method: paymentMethod(input),
      ...(input.capture_method ? { capture_method: input.capture_method } : {}),
      ...(input.notify_url !== null ? { notify_url: input.notify_url } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
    };
    const c = await call(ctx, 'POST', '/v1/payments', body);
    return { call: c, ref: ok(c) ? (c.json as { id: string }).id : null };
  },
  capture: (ctx, ref, amount) => call(ctx, 'POST', `/v1/payments/${enc(ref)}/capture`, amount !== undefined ? { amount } : {}),
  cancel: (ctx, ref, reason) => call(ctx, 'POST', `/v1/payments/${enc(ref)}/cancel`, reason ? { cancellation_reason: reason } : {}),
  async refund(ctx, paymentRef, input) {
    const c = await call(ctx, 'POST', '/v1/refunds', { payment_id: paymentRef, ...(input.amount !== undefined ? { amount: input.amount } : {}), ...(input.reason ? { reason: input.reason } : {}) });
    return { call: c, ref: ok(c) ? (c.json as { id: string }).id : null };
  },
  readPayment: (ctx, ref) => call(ctx, 'GET', `/v1/payments/${enc(ref)}`),
  readRefund: (ctx, _paymentRef, refundRef) => call(ctx, 'GET', `/v1/refunds/${enc(refundRef)}`),
  errorCode: (r) => errorCode(r.json),
};
