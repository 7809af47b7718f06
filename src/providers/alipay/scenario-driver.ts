/**
 * The scenario driver for Alipay: the runner's own PSP-side steps as another system of the merchant would
 * call Alipay, on the v2 gateway (`/gateway.do`), signed RSA2 with the app private key of the run's
 * credentials, over Alipay's sorted `k=v&…` string.
 *
 * How the neutral steps map onto Alipay:
 * - create_payment: `alipay.trade.precreate` (当面付, a QR code waiting for the buyer to scan);
 *   `payment_method: { auth_code }` is a bar-code payment instead (`alipay.trade.pay`, 付款码). The
 *   payment's handle is its `out_trade_no` (the scenario's merchant_order_id). Cards are refused: Alipay
 *   has none.
 * - capture: refused. A face-to-face trade is settled when the buyer pays; the nearest Alipay product,
 *   pre-authorisation (预授权, `alipay.fund.auth.*`), is another API that the sandbox does not emulate.
 * - cancel: `alipay.trade.close`, which closes a trade still waiting for the buyer and refuses a paid one,
 *   as a cancel does elsewhere. (`alipay.trade.cancel`, 撤销, would silently refund a paid trade.)
 * - refund: `alipay.trade.refund` with `out_request_no` = the step's refund number; its handle.
 * - reads: `alipay.trade.query` and `alipay.trade.fastpay.refund.query`, unwrapped from `<method>_response`.
 *
 * Merchant numbers longer than Alipay's 64 characters (runner defaults made from long scenario names) are
 * shortened the same way every run (see alipayNo).
 *
 * A v2 failure comes back as HTTP 200 with `code`/`sub_code` in the body; the driver reports it with the
 * status Alipay's v3 API gives that failure (e.g. 400), so a failed step reads as failed, and `errorCode`
 * is the `sub_code`.
 */
import { createHash } from 'node:crypto';
import { DriverRefusal, type DriverCall, type DriverContext, type DriverPaymentInput, type ScenarioDriver } from '../../scenarios/psp-driver.js';
import { httpJson, type HttpResult } from '../../scenarios/http.js';
import { v3StatusOf } from './codes.js';
import type { AlipayCreds } from './credentials.js';
import { chinaTime, yuan } from './format.js';
import { ALIPAY_NOTIFICATION_TYPES } from './notification-types.js';
import { rsaSign, v2RequestSignContents } from './signing.js';

/** Gateway codes of an accepted call (10003: a bar-code payment waiting for the buyer's password). */
const SUCCESS_CODES = new Set(['10000', '10003']);

function appCreds(ctx: DriverContext): { appId: string; privateKey: string } {
  const creds = ctx.creds as Partial<AlipayCreds>;
  if (typeof creds.app_id !== 'string' || typeof creds.app_private_key_pkcs8 !== 'string') {
    throw new Error('the Alipay scenario driver needs app_id and app_private_key_pkcs8 in the run credentials');
  }
  return { appId: creds.app_id, privateKey: creds.app_private_key_pkcs8 };
}

/** The gateway parameters of one call, signed as alipay-sdk signs them. */
export function signedGatewayParams(
  ctx: DriverContext,
  method: string,
  biz: Record<string, unknown>,
  extra: Record<string, string> = {},
): Record<string, string> {
  const { appId, privateKey } = appCreds(ctx);
  const params: Record<string, string> = {
    app_id: appId,
    method,
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: chinaTime(ctx.now()),
    version: '1.0',
    ...extra,
    biz_content: JSON.stringify(biz),
  };
  params.sign = rsaSign(v2RequestSignContents(params)[0]!, privateKey, 'RSA2');
  return params;
}

/** One gateway call: `json` is the `<method>_response` object; a business failure gets its v3 status. */
export async function gatewayCall(ctx: DriverContext, method: string, biz: Record<string, unknown>, extra: Record<string, string> = {}): Promise<DriverCall> {
  const form = new URLSearchParams(signedGatewayParams(ctx, method, biz, extra)).toString();
  const res = await httpJson('POST', `${ctx.url}/gateway.do`, { form, headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', ...ctx.runnerHeaders } });
  const envelope = res.json as Record<string, unknown> | null;
  const inner = envelope?.[`${method.replaceAll('.', '_')}_response`] ?? envelope?.error_response;
  const content = inner && typeof inner === 'object' && !Array.isArray(inner) ? (inner as Record<string, unknown>) : null;
  let status = res.status;
  if (status === 200 && content && typeof content.code === 'string' && !SUCCESS_CODES.has(content.code)) {
    status = v3StatusOf(typeof content.sub_code === 'string' ? content.sub_code : '', content.code);
  }
  return { request: method, status, json: content, text: res.text };
}

/** Alipay's limit for out_trade_no and out_request_no. */
const MAX_NO_LENGTH = 64;

/**
 * A merchant number Alipay accepts: as given when it fits in 64 characters, else (a runner default made
 * from a long scenario name) its start and a hash of the whole, the same every run. It is the handle the
 * driver returns, so later steps and reads use it.
 */
export function alipayNo(value: string): string {
  if (value.length <= MAX_NO_LENGTH) return value;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 16);
  return `${value.slice(0, MAX_NO_LENGTH - hash.length - 1)}-${hash}`;
}

function refuse(message: string): never {
  throw new DriverRefusal(message);
}

/** `biz_content` of a new trade from the scenario's neutral payment. */
function newTradeBiz(input: DriverPaymentInput): Record<string, unknown> {
  const biz: Record<string, unknown> = {
    out_trade_no: alipayNo(input.merchant_order_id),
    total_amount: yuan(input.amount),
    subject: input.description ?? `Order ${input.merchant_order_id}`,
  };
  if (input.metadata && Object.keys(input.metadata).length > 0) biz.passback_params = encodeURIComponent(JSON.stringify(input.metadata));
  return { ...biz, ...(input.payment_method ?? {}) };
}

function checkPaymentInput(input: DriverPaymentInput): void {
  if (input.card) {
    refuse('Alipay has no card payments: use `wallet: alipay` (a QR code the buyer scans) or the app\'s checkout.');
  }
  if (input.wallet !== undefined && input.wallet !== 'alipay') {
    refuse(`Alipay takes only its own wallet: use \`wallet: alipay\`, not \`${input.wallet}\`.`);
  }
  if (input.currency.toLowerCase() !== 'cny') {
    refuse(`Alipay trades are in CNY (total_amount in yuan): use \`currency: cny\`, not \`${input.currency}\`.`);
  }
  if (input.capture_method === 'manual') {
    refuse('Alipay face-to-face trades have no manual capture: the buyer\'s payment settles the trade (pre-authorisation, 预授权, is another API the sandbox does not emulate).');
  }
}

function outTradeNo(ref: string): Record<string, string> {
  return { out_trade_no: ref };
}

export const alipayScenarioDriver: ScenarioDriver = {
  provider: 'alipay',
  notificationTypes: ALIPAY_NOTIFICATION_TYPES,

  async createPayment(ctx, input) {
    checkPaymentInput(input);
    const biz = newTradeBiz(input);
    const method = typeof biz.auth_code === 'string' ? 'alipay.trade.pay' : 'alipay.trade.precreate';
    const call = await gatewayCall(ctx, method, biz, input.notify_url ? { notify_url: input.notify_url } : {});
    return { call, ref: call.status === 200 ? (biz.out_trade_no as string) : null };
  },

  async capture() {
    refuse(
      'Alipay has no separate capture: a face-to-face trade is settled when the buyer pays (pre-authorisation, 预授权 alipay.fund.auth.*, is not emulated). Use `buyer: { action: complete }` instead.',
    );
  },

  cancel: (ctx, ref) => gatewayCall(ctx, 'alipay.trade.close', outTradeNo(ref)),

  async refund(ctx, paymentRef, input) {
    if (input.amount === undefined) {
      refuse('Alipay refunds name their amount (refund_amount): give `refund.amount` in fen.');
    }
    const outRequestNo = alipayNo(input.refundNo);
    const biz: Record<string, unknown> = { ...outTradeNo(paymentRef), refund_amount: yuan(input.amount), out_request_no: outRequestNo };
    if (input.reason) biz.refund_reason = input.reason;
    const call = await gatewayCall(ctx, 'alipay.trade.refund', biz);
    return { call, ref: call.status === 200 ? outRequestNo : null };
  },

  readPayment: (ctx, ref) => gatewayCall(ctx, 'alipay.trade.query', outTradeNo(ref)),

  readRefund: (ctx, paymentRef, refundRef) => gatewayCall(ctx, 'alipay.trade.fastpay.refund.query', { ...outTradeNo(paymentRef), out_request_no: refundRef }),

  errorCode(call: HttpResult): string | null {
    const subCode = (call.json as { sub_code?: unknown } | null)?.sub_code;
    return typeof subCode === 'string' ? subCode : null;
  },

  refFromAppAnswer(json: unknown): string | null {
    const answer = json as { out_trade_no?: unknown; outTradeNo?: unknown } | null;
    const ref = answer?.out_trade_no ?? answer?.outTradeNo;
    return typeof ref === 'string' && ref !== '' ? ref : null;
  },
};
