/**
 * Stripe as scenarios drive it: PaymentIntents created and confirmed at once (a test card number, or a
 * `pm_card_*` alias through `payment_method: { id }`), captured, canceled and refunded through `/v1/…`,
 * form-encoded with the secret key as a Bearer token, exactly as stripe-node sends them. Stripe has no
 * per-payment notification URL: the run forwards the account's events to the app (see `forwardsNotifications`).
 */
import { errorCode as nativeErrorCode, httpJson } from '../../scenarios/http.js';
import { DriverRefusal, type DriverCall, type DriverContext, type ScenarioDriver } from '../../scenarios/psp-driver.js';
import { STRIPE_EVENT_TYPES } from './stripe-events.js';
import { TEST_CARD_ALIASES } from './test-payment-methods.js';

const enc = encodeURIComponent;
const ok = (c: DriverCall) => c.status >= 200 && c.status < 300;

/** stripe-node's encoding: nested objects as `a[b]=v`, arrays indexed `a[0]=v`, brackets left as they are. */
export function stripeForm(params: Record<string, unknown>): string {
  const pairs: string[] = [];
  const visit = (key: string, v: unknown) => {
    if (v === undefined) return;
    if (v === null) pairs.push(`${key}=`);
    else if (Array.isArray(v)) v.forEach((item, i) => visit(`${key}[${i}]`, item));
    else if (typeof v === 'object') for (const [k, item] of Object.entries(v)) visit(`${key}[${k}]`, item);
    else pairs.push(`${key.replace(/[^[\]]+/g, (s) => enc(s))}=${enc(String(v))}`);
  };
  for (const [k, v] of Object.entries(params)) visit(k, v);
  return pairs.join('&');
}

async function call(ctx: DriverContext, method: string, path: string, params?: Record<string, unknown>): Promise<DriverCall> {
  const headers = { authorization: `Bearer ${String(ctx.creds.secret_key ?? '')}`, ...ctx.runnerHeaders };
  const r = await httpJson(method, ctx.url + path, { ...(params ? { form: stripeForm(params) } : {}), headers });
  return { request: `${method} ${path.split('?')[0]}`, ...r };
}

/** The PaymentIntent an answer is about: the intent itself, or the one a card error carries. */
function intentIdOf(c: DriverCall): string | null {
  const json = c.json as { id?: unknown; object?: unknown; error?: { payment_intent?: { id?: unknown } } } | null;
  if (ok(c) && json?.object === 'payment_intent' && typeof json.id === 'string') return json.id;
  const fromError = json?.error?.payment_intent?.id;
  return typeof fromError === 'string' ? fromError : null;
}

export const stripeScenarioDriver: ScenarioDriver = {
  provider: 'stripe',
  notificationTypes: STRIPE_EVENT_TYPES,
  notifyBy: 'forward',
  hints: {
    tampered: "Verify with stripe.webhooks.constructEvent(rawBody, req.headers['stripe-signature'], endpointSecret) on the body exactly as received (express.raw on the webhook route), and answer 400 when it throws.",
    forged: 'Verify with the signing secret of this endpoint (whsec_…): a Stripe-Signature made with another secret over the genuine body must make constructEvent throw; answer 400.',
    stale: 'Keep constructEvent\'s timestamp check (a tolerance of 300 s): a Stripe-Signature older than that may be a replay; answer 400.',
    unchanged: 'Deduplicate on event.id: Stripe sends an event again (same id) until it is acknowledged, and sometimes twice; answer 200 to a repeat without processing it again.',
  },
  async createPayment(ctx, input) {
    if (input.wallet) throw new DriverRefusal(`Stripe scenarios pay by card: use card, or payment_method: { id: pm_card_visa }, not wallet ${input.wallet}`);
    const { id: pmId, ...pmData } = input.payment_method ?? {};
    const method =
      typeof pmId === 'string'
        ? { payment_method: pmId }
        : input.payment_method
          ? { payment_method_data: pmData }
          : { payment_method_data: { type: 'card', card: input.card } };
    const c = await call(ctx, 'POST', '/v1/payment_intents', {
      amount: input.amount,
      currency: input.currency.toLowerCase(),
      confirm: true,
      payment_method_types: ['card'],
      ...method,
      ...(input.capture_method === 'manual' ? { capture_method: 'manual' } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      metadata: { order_id: input.merchant_order_id, ...(input.metadata ?? {}) },
    });
    return { call: c, ref: intentIdOf(c) };
  },
  capture: (ctx, ref, amount) => call(ctx, 'POST', `/v1/payment_intents/${enc(ref)}/capture`, amount !== undefined ? { amount_to_capture: amount } : {}),
  cancel: (ctx, ref, reason) => call(ctx, 'POST', `/v1/payment_intents/${enc(ref)}/cancel`, reason ? { cancellation_reason: reason } : {}),
  async refund(ctx, paymentRef, input) {
    const c = await call(ctx, 'POST', '/v1/refunds', { payment_intent: paymentRef, ...(input.amount !== undefined ? { amount: input.amount } : {}), ...(input.reason ? { reason: input.reason } : {}) });
    const id = (c.json as { id?: unknown } | null)?.id;
    return { call: c, ref: ok(c) && typeof id === 'string' ? id : null };
  },
  readPayment: (ctx, ref) => call(ctx, 'GET', `/v1/payment_intents/${enc(ref)}`),
  readRefund: (ctx, _paymentRef, refundRef) => call(ctx, 'GET', `/v1/refunds/${enc(refundRef)}`),
  errorCode: (r) => nativeErrorCode(r.json),
  appPaymentMethod(input) {
    const id = input.payment_method?.id;
    if (typeof id === 'string') return id;
    if (input.card) {
      const alias = TEST_CARD_ALIASES.find((a) => a.number === input.card!.number);
      if (alias) return `pm_card_${alias.suffix}`;
      throw new DriverRefusal(`card ${input.card.number} has no pm_card_* test alias to send the app; use payment_method: { id: pm_card_… } (see the README's Stripe test payment methods)`);
    }
    throw new DriverRefusal('a Stripe checkout takes a PaymentMethod: use card, or payment_method: { id: pm_card_visa }');
  },
  refFromAppAnswer(json) {
    const pi = (json as { payment_intent?: unknown } | null)?.payment_intent;
    return typeof pi === 'string' ? pi : null;
  },
};
