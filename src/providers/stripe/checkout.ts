/**
 * Checkout Sessions: a session priced from `line_items[i][price_data]`, paid on the sandbox's hosted page
 * at `url` with a test card. Paying creates the session's PaymentIntent and confirms it like any other;
 * success completes the session and sends the buyer to `success_url` (with `{CHECKOUT_SESSION_ID}` filled
 * in), a decline keeps them on the page, 3-D Secure goes through the challenge page first. A session in
 * `mode=setup` saves a card instead (checkout-setup.ts).
 */
import { shippingParam } from './address-params.js';
import { checkoutSessionObject, completedView, successLocation } from './checkout-objects.js';
import { formatAmount, minimumAmount } from './currencies.js';
import type { FormObject } from './form-params.js';
import { ACCEPTED, ACCEPTED_NESTED, bool, checkAccepted, currency as currencyParam, int, metadata, nullableStr, oneOf, urlParam } from './params.js';
import { confirmIntent, createIntent, currentStatus } from './payment-intents.js';
import { invalidRequest, missingParam, resourceMissing, StripeApiError } from './stripe-errors.js';
import { COLLECTIONS, type CheckoutSessionDoc, type CustomerDoc, type LineItemDoc, type PaymentIntentDoc, type SessionOptions } from './stripe-state.js';
import { emit } from './stripe-events.js';
import { cardParams, setupSessionParams } from './checkout-setup.js';
import type { OpContext } from './wire-objects.js';

/** Stripe's default: a session can be paid for 24 hours. */
const SESSION_LIFETIME_SEC = 24 * 3600;

function lineItems(ctx: OpContext, params: FormObject): { items: LineItemDoc[]; currency: string } {
  const raw = params.line_items;
  if (raw === undefined) throw missingParam('line_items');
  if (!Array.isArray(raw) || raw.length === 0) throw invalidRequest('Invalid array: line_items must be a non-empty array.', { param: 'line_items' });
  let currency: string | undefined;
  const items = raw.map((item, i): LineItemDoc => {
    const p = `line_items[${i}]`;
    if (typeof item !== 'object' || Array.isArray(item)) throw invalidRequest(`Invalid object: ${p}`, { param: p });
    checkAccepted(item, ACCEPTED_NESTED.lineItem, p);
    if (typeof item.price === 'string') throw resourceMissing('price', item.price, `${p}[price]`);
    const pd = item.price_data;
    if (!pd || typeof pd !== 'object' || Array.isArray(pd)) throw missingParam(`${p}[price_data]`);
    checkAccepted(pd, ACCEPTED_NESTED.priceData, `${p}[price_data]`);
    const cur = currencyParam(pd, 'currency', `${p}[price_data][currency]`);
    if (!cur) throw missingParam(`${p}[price_data][currency]`);
    if (currency && cur !== currency) throw invalidRequest('All line items must use the same currency.', { param: `${p}[price_data][currency]` });
    currency = cur;
    const unit = int(pd, 'unit_amount', { min: 0, param: `${p}[price_data][unit_amount]` });
    if (unit === undefined) throw missingParam(`${p}[price_data][unit_amount]`);
    const product = pd.product_data;
    if (product && typeof product === 'object' && !Array.isArray(product)) checkAccepted(product, ACCEPTED_NESTED.productData, `${p}[price_data][product_data]`);
    const name = product && typeof product === 'object' && !Array.isArray(product) && typeof product.name === 'string' ? product.name : undefined;
    if (!name) throw missingParam(`${p}[price_data][product_data][name]`);
    const quantity = int(item, 'quantity', { min: 1, param: `${p}[quantity]` });
    if (quantity === undefined) throw missingParam(`${p}[quantity]`);
    return { id: ctx.unit.newId('li'), description: name, quantity, unit_amount: unit, currency: cur, product_name: name, price: null };
  });
  return { items, currency: currency ?? 'usd' };
}

/** What `payment_intent_data` gives the session's PaymentIntent as it is (checked now, as Stripe checks it). */
const PASSED_TO_INTENT = ['receipt_email', 'setup_future_usage', 'shipping', 'statement_descriptor', 'statement_descriptor_suffix', 'transfer_group'] as const;

function intentPassThrough(pidObj: FormObject): { pass_through?: FormObject } {
  const named = Object.fromEntries(PASSED_TO_INTENT.filter((k) => pidObj[k] !== undefined).map((k) => [k, pidObj[k]!]));
  if (Object.keys(named).length === 0) return {};
  try {
    for (const k of ['receipt_email', 'statement_descriptor', 'statement_descriptor_suffix', 'transfer_group'] as const) nullableStr(named, k);
    oneOf(named, 'setup_future_usage', ['on_session', 'off_session'] as const);
    shippingParam(named, 'intent');
  } catch (err) {
    // Named inside payment_intent_data, where the session took it: `shipping[name]` → `payment_intent_data[shipping][name]`.
    if (err instanceof StripeApiError && err.body.param) err.body.param = err.body.param.replace(/^([^[]+)/, 'payment_intent_data[$1]');
    throw err;
  }
  return { pass_through: named };
}

/** The page options a session is created with, checked as Stripe checks them, answered as sent. */
function sessionOptions(params: FormObject): SessionOptions {
  const options: SessionOptions = {
    locale: nullableStr(params, 'locale') ?? null,
    submit_type: oneOf(params, 'submit_type', ['auto', 'book', 'donate', 'pay', 'subscribe'] as const) ?? null,
    billing_address_collection: oneOf(params, 'billing_address_collection', ['auto', 'required'] as const) ?? null,
    allow_promotion_codes: bool(params, 'allow_promotion_codes') ?? null,
    customer_creation: oneOf(params, 'customer_creation', ['always', 'if_required'] as const) ?? null,
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== null)) as SessionOptions;
}

/** `POST /v1/checkout/sessions`. */
export function createSession(ctx: OpContext, params: FormObject): CheckoutSessionDoc {
  checkAccepted(params, ACCEPTED.sessionCreate);
  const mode = oneOf(params, 'mode', ['payment', 'setup', 'subscription'] as const);
  if (!mode) throw missingParam('mode');
  if (mode === 'subscription') throw invalidRequest('The sandbox simulates Checkout in payment and setup modes; mode=subscription is not emulated.', { param: 'mode' });
  // Stripe's values since 2026-03-25.dahlia (`hosted`, `embedded` and `custom` are refused since); only the
  // hosted page is simulated.
  const uiMode = oneOf(params, 'ui_mode', ['elements', 'embedded_page', 'form', 'hosted_page'] as const);
  if (uiMode !== undefined && uiMode !== 'hosted_page') {
    throw invalidRequest(`The sandbox simulates Checkout on its hosted page; ui_mode=${uiMode} is not emulated.`, { param: 'ui_mode' });
  }
  // Setup mode saves a card: no line items, no amount (checkout-setup.ts).
  const setup = mode === 'setup' ? setupSessionParams(params) : null;
  const { items, currency } = setup ? { items: [], currency: setup.currency } : lineItems(ctx, params);
  const total = items.reduce((sum, li) => sum + li.unit_amount * li.quantity, 0);
  const min = currency === null || setup ? undefined : minimumAmount(currency);
  if (min !== undefined && total < min) {
    throw invalidRequest(`The Checkout Session's total amount due must add up to at least ${formatAmount(min, currency as string)} ${currency}`, { param: 'line_items', code: 'amount_too_small' });
  }
  const customer = nullableStr(params, 'customer') ?? null;
  if (customer) {
    const c = ctx.unit.get<CustomerDoc>(COLLECTIONS.customers, customer);
    if (!c || c.deleted || c.merchant_id !== ctx.unit.merchant.id) throw resourceMissing('customer', customer, 'customer');
  }
  const pid = params.payment_intent_data;
  const pidObj = pid && typeof pid === 'object' && !Array.isArray(pid) ? pid : {};
  checkAccepted(pidObj, ACCEPTED_NESTED.sessionPaymentIntentData, 'payment_intent_data');
  const now = Math.floor(ctx.unit.nowMs / 1000);
  const expiresAt = int(params, 'expires_at') ?? now + SESSION_LIFETIME_SEC;
  if (expiresAt < now + 1800 || expiresAt > now + SESSION_LIFETIME_SEC) {
    throw invalidRequest('The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', { param: 'expires_at' });
  }
  const cs: CheckoutSessionDoc = {
    id: ctx.unit.newId('cs_test'),
    object: 'checkout.session',
    merchant_id: ctx.unit.merchant.id,
    mode,
    status: 'open',
    payment_status: setup ? 'no_payment_required' : 'unpaid',
    currency,
    amount_total: total,
    line_items: items,
    success_url: urlParam(params, 'success_url') ?? null,
    cancel_url: urlParam(params, 'cancel_url') ?? null,
    client_reference_id: nullableStr(params, 'client_reference_id') ?? null,
    customer,
    customer_email: nullableStr(params, 'customer_email') ?? null,
    metadata: metadata(params) ?? {},
    payment_intent: null,
    payment_intent_data: {
      ...(oneOf(pidObj, 'capture_method', ['automatic', 'manual'] as const) ? { capture_method: oneOf(pidObj, 'capture_method', ['automatic', 'manual'] as const) } : {}),
      ...(typeof pidObj.description === 'string' ? { description: pidObj.description } : {}),
      ...(metadata(pidObj) ? { metadata: metadata(pidObj) } : {}),
      ...intentPassThrough(pidObj),
    },
    ...(setup ? { setup_intent: null, setup_intent_data: setup.data } : {}),
    options: sessionOptions(params),
    created: now,
    expires_at: expiresAt,
  };
  ctx.unit.put(COLLECTIONS.checkoutSessions, cs);
  return cs;
}

export function findSession(ctx: OpContext, id: string): CheckoutSessionDoc {
  const cs = ctx.unit.get<CheckoutSessionDoc>(COLLECTIONS.checkoutSessions, id);
  if (!cs || cs.merchant_id !== ctx.unit.merchant.id) throw resourceMissing('checkout.session', id, 'session');
  return cs;
}

/** `POST /v1/checkout/sessions/:id/expire`. */
export function expireSession(ctx: OpContext, cs: CheckoutSessionDoc, params: FormObject): CheckoutSessionDoc {
  checkAccepted(params, ACCEPTED.sessionExpire);
  if (cs.status !== 'open') {
    throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${cs.status}".`, { param: 'session' });
  }
  const next: CheckoutSessionDoc = { ...cs, status: 'expired' };
  ctx.unit.put(COLLECTIONS.checkoutSessions, next);
  emit(ctx, { type: 'checkout.session.expired', object: checkoutSessionObject(ctx, next), previous_attributes: { status: 'open' } });
  return next;
}

/**
 * Records the completion of an open session whose intent has been paid. Its `checkout.session.completed`
 * event comes with the payment's own events (stripe-events.ts), so a buyer completing through the control
 * API completes the session too; this only brings the stored session up to date.
 */
export function completeSessionIfPaid(ctx: OpContext, cs: CheckoutSessionDoc): CheckoutSessionDoc {
  if (!cs.payment_intent) return cs;
  const pi = ctx.unit.get<PaymentIntentDoc>(COLLECTIONS.paymentIntents, cs.payment_intent);
  const next = pi ? completedView(cs, currentStatus(ctx, pi)) : null;
  if (!next) return cs;
  ctx.unit.put(COLLECTIONS.checkoutSessions, next);
  return next;
}

export type PayOutcome = { kind: 'redirect'; location: string } | { kind: 'declined'; message: string };

export { successLocation };

/**
 * The buyer pays an open session with a test payment method (`pm_card_visa`…) or a raw test card number:
 * the session's intent is created on the first try and confirmed on every try.
 */
export function paySession(ctx: OpContext, cs: CheckoutSessionDoc, card: string): PayOutcome {
  if (cs.status !== 'open') throw invalidRequest(`This Checkout Session is ${cs.status}.`, { param: 'session' });
  if (cs.mode !== 'payment') throw invalidRequest(`This Checkout Session is in ${cs.mode} mode: nothing is paid.`, { param: 'session' });
  const pmParams = cardParams(card);
  let session = cs;
  try {
    if (!cs.payment_intent) {
      const pd = cs.payment_intent_data;
      const pi = createIntent(
        ctx,
        {
          amount: String(cs.amount_total),
          currency: cs.currency as string,
          ...(pd.capture_method ? { capture_method: pd.capture_method } : {}),
          ...(pd.description ? { description: pd.description } : {}),
          ...(pd.metadata ? { metadata: pd.metadata } : {}),
          ...pd.pass_through,
          ...(cs.customer ? { customer: cs.customer } : {}),
          payment_method_types: ['card'],
        },
      );
      ctx.unit.put(COLLECTIONS.paymentIntents, { ...pi, checkout_session: cs.id });
      session = { ...cs, payment_intent: pi.id };
      ctx.unit.put(COLLECTIONS.checkoutSessions, session);
    }
    const pi = ctx.unit.get<PaymentIntentDoc>(COLLECTIONS.paymentIntents, session.payment_intent as string) as PaymentIntentDoc;
    confirmIntent(ctx, pi, pmParams);
  } catch (err) {
    if (err instanceof StripeApiError && err.status === 402) return { kind: 'declined', message: err.body.message };
    throw err;
  }
  const pi = ctx.unit.get<PaymentIntentDoc>(COLLECTIONS.paymentIntents, session.payment_intent as string) as PaymentIntentDoc;
  if (currentStatus(ctx, pi) === 'requires_action') return { kind: 'redirect', location: `${ctx.baseUrl}/3ds/${pi.id}` };
  const done = completeSessionIfPaid(ctx, session);
  return { kind: 'redirect', location: successLocation(done) ?? `${ctx.baseUrl}/c/pay/${cs.id}` };
}
