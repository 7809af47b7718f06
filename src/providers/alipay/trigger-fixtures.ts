/**
 * Alipay's notification types as trigger fixtures: each is the real flow at the Alipay provider's v2
 * gateway (`/gateway.do`, requests signed RSA2 with the merchant's app private key, as alipay-sdk `exec`
 * signs them) and the buyer paying through the control API, so the notifications that follow are the
 * genuine signed `trade_status_sync` posts Alipay sends to `notify_url` (and `paycli listen` forwards).
 * Alipay notifies refunds as a trade status change: `TRADE_SUCCESS` with `refund_fee` after a partial
 * refund, `TRADE_CLOSED` after a full one.
 */
import type { ProviderFixture, ProviderTriggerContext, ProviderTriggerStep, ProviderTriggers } from '../trigger-contract.js';
import { chinaTime, yuan } from './format.js';
import { rsaSign } from './signing.js';

const DEFAULT_AMOUNT_FEN = 2000;
/** A buyer id (2088…) for `alipay.trade.create`, which opens a trade for a known buyer. */
const BUYER_ID = '2088000000000001';

interface AlipayFixture extends ProviderFixture {
  /** What the merchant does once the trade exists. */
  flow: 'pay' | 'create_close' | 'partial_refund' | 'full_refund';
}

const FIXTURES: readonly AlipayFixture[] = [
  { name: 'TRADE_SUCCESS', description: 'A QR trade (alipay.trade.precreate) the buyer scans and pays', events: ['TRADE_SUCCESS'], flow: 'pay' },
  {
    name: 'TRADE_CLOSED',
    description: 'A trade opened for a buyer (alipay.trade.create), closed unpaid by the merchant (alipay.trade.close)',
    events: ['TRADE_CLOSED'],
    flow: 'create_close',
  },
  {
    name: 'TRADE_SUCCESS.partial_refund',
    description: 'A paid QR trade, then half refunded (alipay.trade.refund): TRADE_SUCCESS with refund_fee',
    events: ['TRADE_SUCCESS', 'TRADE_SUCCESS'],
    flow: 'partial_refund',
  },
  {
    name: 'TRADE_CLOSED.full_refund',
    description: 'A paid QR trade, then refunded in full: TRADE_CLOSED with refund_fee',
    events: ['TRADE_SUCCESS', 'TRADE_CLOSED'],
    flow: 'full_refund',
  },
];

/** The v2 gateway answer's content (`<method>_response`); 10000 is success. */
type Content = Record<string, unknown> & { code?: string; sub_code?: string; sub_msg?: string; msg?: string };

/** Calls a v2 gateway method as alipay-sdk `exec` does: public parameters in the query, `biz_content` in the form. */
async function exec(ctx: ProviderTriggerContext, method: string, biz: Record<string, unknown>, notifyUrl?: string): Promise<{ status: number; content: Content }> {
  const appId = ctx.creds.app_id;
  const key = ctx.creds.app_private_key_pkcs1;
  if (typeof appId !== 'string' || typeof key !== 'string') throw new Error('The Alipay provider has no app id or app private key for this merchant.');
  const params: Record<string, string> = {
    app_id: appId,
    method,
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: chinaTime(ctx.now()),
    version: '1.0',
    ...(notifyUrl ? { notify_url: notifyUrl } : {}),
    biz_content: JSON.stringify(biz),
  };
  const content = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const sign = rsaSign(content, key, 'RSA2');
  const { biz_content: bizContent, ...query } = params;
  const res = await fetch(`${ctx.url}/gateway.do?${new URLSearchParams({ ...query, sign })}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', accept: 'application/json' },
    body: new URLSearchParams({ biz_content: bizContent! }).toString(),
  });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${method} answered ${res.status} with no JSON: ${text.slice(0, 200)}`);
  }
  const answer = (parsed[`${method.replaceAll('.', '_')}_response`] ?? parsed.error_response ?? {}) as Content;
  if (res.status !== 200 || answer.code !== '10000') {
    throw new Error(`${method} answered ${res.status} ${answer.code ?? ''} ${answer.sub_code ?? answer.msg ?? ''}: ${answer.sub_msg ?? text.slice(0, 200)}`);
  }
  return { status: res.status, content: answer };
}

async function buyerPays(ctx: ProviderTriggerContext, outTradeNo: string): Promise<ProviderTriggerStep> {
  const path = `/_sandbox/buyer/${encodeURIComponent(outTradeNo)}/complete`;
  const paid = await ctx.control.request<{ id?: string }>('POST', path, {});
  return { name: 'buyer', request: `POST ${path}`, status: 200, id: paid.id ?? null };
}

export const alipayTriggers: ProviderTriggers = {
  title: 'Alipay',
  options: ['amount', 'notifyUrl'],
  fixtures: FIXTURES,
  async run(fixture, ctx) {
    const { flow } = fixture as AlipayFixture;
    const amount = ctx.options.amount ?? DEFAULT_AMOUNT_FEN;
    const outTradeNo = ctx.orderId();
    const notifyUrl = ctx.options.notifyUrl;
    const steps: ProviderTriggerStep[] = [];
    const call = async (name: string, method: string, biz: Record<string, unknown>, withNotify = false) => {
      const { status, content } = await exec(ctx, method, biz, withNotify ? notifyUrl : undefined);
      const id = typeof content.trade_no === 'string' ? content.trade_no : typeof content.out_trade_no === 'string' ? content.out_trade_no : null;
      steps.push({ name, request: method, status, id });
      return content;
    };
    const trade = { out_trade_no: outTradeNo, total_amount: yuan(amount), subject: 'paycli trigger' };

    if (flow === 'create_close') {
      await call('trade', 'alipay.trade.create', { ...trade, buyer_id: BUYER_ID }, true);
      await call('close', 'alipay.trade.close', { out_trade_no: outTradeNo });
      return { steps, payment_ref: outTradeNo };
    }
    await call('trade', 'alipay.trade.precreate', trade, true);
    steps.push(await buyerPays(ctx, outTradeNo));
    if (flow === 'partial_refund' || flow === 'full_refund') {
      const refund = flow === 'full_refund' ? amount : Math.max(1, Math.floor(amount / 2));
      await call('refund', 'alipay.trade.refund', { out_trade_no: outTradeNo, refund_amount: yuan(refund), out_request_no: `${outTradeNo}_r1`, refund_reason: 'paycli trigger' });
    }
    return { steps, payment_ref: outTradeNo };
  },
};
