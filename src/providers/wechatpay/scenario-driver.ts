/**
 * How a scenario acts at WeChat Pay: API v3 calls as the merchant's own back office would make them, JSON
 * bodies, amounts in fen, every request signed `WECHATPAY2-SHA256-RSA2048` with the merchant key of the
 * run's credentials. A payment's ref is its `out_trade_no` (商户订单号), a refund's its `out_refund_no`
 * (商户退款单号).
 *
 * WeChat Pay orders are paid by the payer inside WeChat (a Native QR code here); there are no cards and
 * no separate capture in v3 basic payments, so those steps are refused with a DriverRefusal that says so.
 */
import { createHash } from 'node:crypto';
import type { DriverCall, DriverContext, DriverPaymentInput, ScenarioDriver } from '../../scenarios/psp-driver.js';
import { DriverRefusal } from '../../scenarios/psp-driver.js';
import type { HttpResult } from '../../scenarios/http.js';
import type { WechatpayCredentials } from './credentials.js';
import { WECHATPAY_NOTIFICATION_TYPES } from './notification-types.js';
import { AUTH_SCHEME, newNonce, rsaSign } from './signing.js';


/** out_refund_no (商户退款单号): 1-64 of these characters. */
const OUT_REFUND_NO = /^[0-9A-Za-z_\-*|@]{1,64}$/;

/**
 * The runner's refund number as a valid out_refund_no: kept when it is one, else its other characters
 * replaced and, when too long, shortened with a hash of the whole so that two numbers stay two.
 */
export function outRefundNo(refundNo: string): string {
  if (OUT_REFUND_NO.test(refundNo)) return refundNo;
  const cleaned = refundNo.replace(/[^0-9A-Za-z_\-*|@]/g, '-') || 'refund';
  return cleaned.length <= 64 ? cleaned : `${cleaned.slice(0, 55)}-${createHash('sha256').update(refundNo).digest('hex').slice(0, 8)}`;
}

/** WeChat Pay's `attach` holds at most 128 characters. */
const ATTACH_MAX = 128;

function credentials(ctx: DriverContext): WechatpayCredentials {
  const c = ctx.creds as Partial<WechatpayCredentials>;
  for (const k of ['mchid', 'appid', 'merchant_private_key', 'merchant_serial'] as const) {
    if (typeof c[k] !== 'string' || c[k] === '') throw new DriverRefusal(`the run's WeChat Pay credentials lack ${k}`);
  }
  return c as WechatpayCredentials;
}

/** The Authorization header for one request: RSA-SHA256 over `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`. */
export function authorization(creds: WechatpayCredentials, method: string, target: string, body: string, timestampSec: number, nonce = newNonce()): string {
  const signature = rsaSign(`${method}\n${target}\n${timestampSec}\n${nonce}\n${body}\n`, creds.merchant_private_key);
  return `${AUTH_SCHEME} mchid="${creds.mchid}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestampSec}",serial_no="${creds.merchant_serial}"`;
}

async function call(ctx: DriverContext, method: 'GET' | 'POST', target: string, payload?: unknown): Promise<DriverCall> {
  const creds = credentials(ctx);
  const body = payload === undefined ? '' : JSON.stringify(payload);
  // WeChat Pay checks a request's timestamp against its own wall clock (±5 min), and the sandbox does the
  // same even when a scenario runs on virtual time; so the timestamp is real time, not ctx.now().
  const timestampSec = Math.floor(Date.now() / 1000);
  const res = await fetch(ctx.url.replace(/\/+$/, '') + target, {
    method,
    headers: {
      ...ctx.runnerHeaders,
      accept: 'application/json',
      authorization: authorization(creds, method, target, body, timestampSec),
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: payload === undefined ? undefined : body,
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { request: `${method} ${target.split('?')[0]}`, status: res.status, json, text };
}

const enc = encodeURIComponent;
const ok = (c: HttpResult) => c.status >= 200 && c.status < 300;

/** Refuses a card or another wallet: a WeChat Pay order is paid inside WeChat. */
function checkMethod(input: Pick<DriverPaymentInput, 'card' | 'wallet'>): void {
  if (input.card) {
    throw new DriverRefusal('WeChat Pay takes no cards: the payer pays inside WeChat. Use wallet: wechat_pay (a Native order with a QR code), then buyer: complete.');
  }
  if (input.wallet !== undefined && input.wallet !== 'wechat_pay') {
    throw new DriverRefusal(`a WeChat Pay order is paid with WeChat Pay, not ${input.wallet}: use wallet: wechat_pay`);
  }
}

function orderBody(creds: WechatpayCredentials, input: DriverPaymentInput): Record<string, unknown> {
  checkMethod(input);
  if (input.capture_method === 'manual') {
    throw new DriverRefusal('WeChat Pay v3 basic payments have no separate capture: an order is paid in full when the payer pays. Leave capture_method out.');
  }
  if (input.notify_url === null) {
    throw new DriverRefusal('WeChat Pay requires a notify_url on every order; leave notify_url out to use the app\'s');
  }
  let attach: string | undefined;
  if (input.metadata && Object.keys(input.metadata).length > 0) {
    attach = JSON.stringify(input.metadata);
    if (attach.length > ATTACH_MAX) throw new DriverRefusal(`metadata becomes the order's attach, which holds at most ${ATTACH_MAX} characters (this is ${attach.length})`);
  }
  return {
    appid: creds.appid,
    mchid: creds.mchid,
    description: input.description ?? `Order ${input.merchant_order_id}`,
    out_trade_no: input.merchant_order_id,
    notify_url: input.notify_url,
    amount: { total: input.amount, currency: input.currency.toUpperCase() },
    ...(attach !== undefined ? { attach } : {}),
    // WeChat's own order fields (time_expire, scene_info, …), passed through.
    ...(input.payment_method ?? {}),
  };
}

/** 查询订单 by 商户订单号. */
function readPayment(ctx: DriverContext, ref: string): Promise<DriverCall> {
  return call(ctx, 'GET', `/v3/pay/transactions/out-trade-no/${enc(ref)}?mchid=${enc(credentials(ctx).mchid)}`);
}

export const wechatpayScenarioDriver: ScenarioDriver = {
  provider: 'wechatpay',
  notificationTypes: WECHATPAY_NOTIFICATION_TYPES,

  async createPayment(ctx, input) {
    const creds = credentials(ctx);
    const c = await call(ctx, 'POST', '/v3/pay/transactions/native', orderBody(creds, input));
    return { call: c, ref: ok(c) ? input.merchant_order_id : null };
  },

  async capture() {
    throw new DriverRefusal('WeChat Pay v3 basic payments have no separate capture: an order is paid in full when the payer pays (buyer: complete).');
  },

  async cancel(ctx, ref) {
    // 关闭订单: answers 204 with no body.
    return call(ctx, 'POST', `/v3/pay/transactions/out-trade-no/${enc(ref)}/close`, { mchid: credentials(ctx).mchid });
  },

  async refund(ctx, paymentRef, input) {
    // A refund names the order's total; read it first, as a merchant's back office would from its own records.
    const order = await readPayment(ctx, paymentRef);
    const total = (order.json as { amount?: { total?: unknown } } | null)?.amount?.total;
    if (!ok(order) || typeof total !== 'number') return { call: order, ref: null };
    const refundNo = outRefundNo(input.refundNo);
    const body = {
      out_trade_no: paymentRef,
      out_refund_no: refundNo,
      ...(input.reason ? { reason: input.reason } : {}),
      // Without an amount, the whole order: WeChat Pay has no "refund the rest".
      amount: { refund: input.amount ?? total, total, currency: 'CNY' },
    };
    const c = await call(ctx, 'POST', '/v3/refund/domestic/refunds', body);
    return { call: c, ref: ok(c) ? refundNo : null };
  },

  readPayment,

  readRefund(ctx, _paymentRef, refundRef) {
    return call(ctx, 'GET', `/v3/refund/domestic/refunds/${enc(refundRef)}`);
  },

  errorCode(c) {
    if (ok(c)) return null;
    const code = (c.json as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : null;
  },

  appPaymentMethod(input) {
    checkMethod(input);
    // What the app's checkout route is told: the payer will pay in WeChat (the app places a Native order).
    return input.payment_method ?? { type: 'wallet', wallet: 'wechat_pay' };
  },

  refFromAppAnswer(json) {
    const ref = (json as { out_trade_no?: unknown } | null)?.out_trade_no;
    return typeof ref === 'string' && ref !== '' ? ref : null;
  },
};
