/**
 * WeChat Pay's notification types as trigger fixtures: each is the real flow at the WeChat Pay provider's
 * API v3 (requests signed `WECHATPAY2-SHA256-RSA2048` with the merchant's `apiclient_key.pem`, as the SDKs
 * sign them) and the payer paying through the control API, so what follows are the genuine encrypted and
 * signed notifications WeChat Pay posts to `notify_url` (and `paycli listen` forwards).
 *
 * A refund is `PROCESSING` first and settles a moment later, as on WeChat Pay: the refund notification
 * comes then. `REFUND.ABNORMAL` needs a payment whose refunds fail, which only a payment code (付款码)
 * ending like the "refunds fail" test card makes; `REFUND.CLOSED` is never produced by the sandbox.
 */
import { createSign, randomBytes } from 'node:crypto';
import type { ProviderFixture, ProviderTriggerContext, ProviderTriggerStep, ProviderTriggers } from '../trigger-contract.js';

const DEFAULT_AMOUNT_FEN = 2000;
/** A payer's payment code whose payment succeeds and whose refunds fail (the test card …5126's digits). */
const REFUNDS_FAIL_AUTH_CODE = '130000000000005126';

interface WechatFixture extends ProviderFixture {
  flow: 'pay' | 'refund' | 'refund_fails';
}

const FIXTURES: readonly WechatFixture[] = [
  { name: 'TRANSACTION.SUCCESS', description: 'A Native (QR) order the payer pays', events: ['TRANSACTION.SUCCESS'], requires: ['notifyUrl'], flow: 'pay' },
  { name: 'REFUND.SUCCESS', description: 'A paid Native order, then refunded in full; the refund settles after PROCESSING', events: ['TRANSACTION.SUCCESS', 'REFUND.SUCCESS'], requires: ['notifyUrl'], flow: 'refund' },
  {
    name: 'REFUND.ABNORMAL',
    description: 'A payment-code (付款码) order whose refund fails after PROCESSING',
    events: ['TRANSACTION.SUCCESS', 'REFUND.ABNORMAL'],
    flow: 'refund_fails',
  },
];

function creds(ctx: ProviderTriggerContext): { mchid: string; appid: string; key: string; serial: string } {
  const { mchid, appid, merchant_private_key: key, merchant_serial: serial } = ctx.creds;
  if (typeof mchid !== 'string' || typeof appid !== 'string' || typeof key !== 'string' || typeof serial !== 'string') {
    throw new Error('The WeChat Pay provider has no merchant id, app id, private key or certificate serial for this merchant.');
  }
  return { mchid, appid, key, serial };
}

/** One API v3 call, signed as the SDKs sign it; the answer's JSON (or null for 204). */
async function call(ctx: ProviderTriggerContext, method: 'POST' | 'GET', path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const c = creds(ctx);
  const text = body === undefined ? '' : JSON.stringify(body);
  const timestamp = String(Math.floor(ctx.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const signature = createSign('RSA-SHA256').update(`${method}\n${path}\n${timestamp}\n${nonce}\n${text}\n`, 'utf8').sign(c.key, 'base64');
  const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${c.mchid}",serial_no="${c.serial}",timestamp="${timestamp}",nonce_str="${nonce}",signature="${signature}"`;
  const res = await fetch(ctx.url + path, {
    method,
    headers: { authorization, accept: 'application/json', 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: text } : {}),
  });
  const answer = await res.text();
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path} answered ${res.status}: ${answer.slice(0, 300)}`);
  return { status: res.status, json: answer ? (JSON.parse(answer) as Record<string, unknown>) : null };
}

export const wechatpayTriggers: ProviderTriggers = {
  title: 'WeChat Pay',
  options: ['amount', 'notifyUrl'],
  fixtures: FIXTURES,
  async run(fixture, ctx) {
    const { flow } = fixture as WechatFixture;
    const { mchid, appid } = creds(ctx);
    const total = ctx.options.amount ?? DEFAULT_AMOUNT_FEN;
    const outTradeNo = ctx.orderId();
    const notifyUrl = ctx.options.notifyUrl;
    const steps: ProviderTriggerStep[] = [];
    const step = async (name: string, path: string, body: unknown, idField: string) => {
      const { status, json } = await call(ctx, 'POST', path, body);
      const id = json?.[idField];
      steps.push({ name, request: `POST ${path}`, status, id: typeof id === 'string' ? id : null });
    };
    const order = { appid, mchid, description: 'paycli trigger', out_trade_no: outTradeNo, amount: { total, currency: 'CNY' } };

    if (flow === 'refund_fails') {
      await step('order', '/v3/pay/transactions/codepay', { ...order, payer: { auth_code: REFUNDS_FAIL_AUTH_CODE }, scene_info: { store_info: { out_id: 'paycli-trigger' } } }, 'transaction_id');
    } else {
      if (!notifyUrl) throw new Error('A WeChat Pay order needs a notify_url.');
      await step('order', '/v3/pay/transactions/native', { ...order, notify_url: notifyUrl }, 'code_url');
      const path = `/_sandbox/buyer/${encodeURIComponent(outTradeNo)}/complete`;
      const paid = await ctx.control.request<{ id?: string }>('POST', path, {});
      steps.push({ name: 'payer', request: `POST ${path}`, status: 200, id: paid.id ?? null });
    }
    if (flow !== 'pay') {
      await step(
        'refund',
        '/v3/refund/domestic/refunds',
        { out_trade_no: outTradeNo, out_refund_no: `${outTradeNo}_r1`, reason: 'paycli trigger', ...(notifyUrl ? { notify_url: notifyUrl } : {}), amount: { refund: total, total, currency: 'CNY' } },
        'refund_id',
      );
    }
    return { steps, payment_ref: outTradeNo };
  },
};
