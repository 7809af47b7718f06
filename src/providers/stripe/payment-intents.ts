/**
 * PaymentIntent operations. The intent is the provider's document; each confirmation is one domain payment
 * whose outcome (success, decline, 3-D Secure, manual capture) the shared engine decides. A decline hands
 * the intent back in `requires_payment_method` with `last_payment_error` and answers 402, as Stripe does.
 */
import type { Payment } from '../../engine/types.js';
import { shippingParam } from './address-params.js';
import { formatAmount, minimumAmount } from './currencies.js';
import type { FormObject } from './form-params.js';
import { ACCEPTED, ACCEPTED_NESTED, bool, checkAccepted, currency, int, metadata, nullableStr, oneOf, strArray, urlParam } from './params.js';
import { attachPaymentMethod, resolvePaymentMethod } from './payment-methods.js';
import { cardError, exclusiveParams, invalidRequest, missingParam, resourceMissing, StripeApiError } from './stripe-errors.js';
import { authenticatesWithStripe, requestThreeDSecure, type ThreeDSecureRequest } from './three-d-secure.js';
import { emit } from './stripe-events.js';
import { attemptOrderId, chargeIdOf, COLLECTIONS, INTENT_METADATA_KEY, type CustomerDoc, type PaymentIntentDoc, type PaymentMethodDoc } from './stripe-state.js';
import { intentStatus, latestAttempt, paymentIntentObject, paymentMethodObject, UNAUTHORISED_CANCEL_REASONS, type IntentStatus, type OpContext } from './wire-objects.js';

const MAX_AMOUNT = 99_999_999;
const CAPTURE_METHODS = ['automatic', 'automatic_async', 'manual'] as const;
const FUTURE_USAGES = ['off_session', 'on_session'] as const;
const CANCELLATION_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'] as const;

function amountParam(params: FormObject, name: string): number | undefined {
  const n = int(params, name);
  if (n === undefined) return undefined;
  if (n < 1) throw invalidRequest('This value must be greater than or equal to 1.', { param: name });
  if (n > MAX_AMOUNT) throw invalidRequest(`Amount must be no more than ${MAX_AMOUNT}`, { param: name, code: 'amount_too_large' });
  return n;
}

export function customerParam(ctx: OpContext, params: FormObject): string | null | undefined {
  const id = nullableStr(params, 'customer');
  if (id === undefined || id === null) return id;
  const c = ctx.unit.get<CustomerDoc>(COLLECTIONS.customers, id);
  if (!c || c.deleted || c.merchant_id !== ctx.unit.merchant.id) throw resourceMissing('customer', id, 'customer');
  return id;
}

export function automaticPaymentMethods(params: FormObject): PaymentIntentDoc['automatic_payment_methods'] | undefined {
  const apm = params.automatic_payment_methods;
  if (apm === undefined) return undefined;
  if (typeof apm !== 'object' || Array.isArray(apm)) throw invalidRequest('Invalid object: automatic_payment_methods', { param: 'automatic_payment_methods' });
  checkAccepted(apm, ACCEPTED_NESTED.automaticPaymentMethods, 'automatic_payment_methods');
  const enabled = bool(apm, 'enabled');
  if (enabled === undefined) throw missingParam('automatic_payment_methods[enabled]');
  const allow = oneOf(apm, 'allow_redirects', ['always', 'never'] as const);
  return { enabled, ...(allow ? { allow_redirects: allow } : {}) };
}

/** `allowed_payment_method_types` (current API versions) or its older name `payment_method_types`. */
export function paymentMethodTypes(params: FormObject): string[] | undefined {
  return strArray(params, 'allowed_payment_method_types') ?? strArray(params, 'payment_method_types');
}

/** The intent's stored 3-D Secure request: only a request beyond `automatic` is kept. */
function threeDsField(request: ThreeDSecureRequest | undefined): Pick<PaymentIntentDoc, 'request_three_d_secure'> {
  return request === 'any' || request === 'challenge' ? { request_three_d_secure: request } : {};
}

/** A change of `request_three_d_secure` (update, confirm): the intent with the new value, or as it was. */
function withThreeDs(pi: PaymentIntentDoc, request: ThreeDSecureRequest | undefined): PaymentIntentDoc {
  if (request === undefined) return pi;
  const { request_three_d_secure: _old, ...rest } = pi;
  return { ...rest, ...threeDsField(request) };
}

/** Stripe refuses an intent below the currency's minimum charge amount when it is created or changed. */
function checkMinimum(amount: number, cur: string): void {
  const min = minimumAmount(cur);
  if (min !== undefined && amount < min) {
    throw invalidRequest(`Amount must be at least ${formatAmount(min, cur)} ${cur}`, { param: 'amount', code: 'amount_too_small' });
  }
}

/** A payment method saved to a customer pays only for that customer, as on Stripe. */
export function checkOwner(pm: PaymentMethodDoc | undefined, customer: string | null): void {
  if (!pm?.customer || pm.customer === customer) return;
  throw invalidRequest(
    customer
      ? `The provided PaymentMethod (${pm.id}) belongs to a different Customer than the one provided (${customer}). Please provide the Customer ID that the PaymentMethod belongs to.`
      : `The provided PaymentMethod (${pm.id}) belongs to a Customer, but you did not provide a Customer ID. Please provide the Customer ID that the PaymentMethod belongs to.`,
    { param: 'payment_method' },
  );
}

export function findIntent(ctx: OpContext, id: string, param = 'id'): PaymentIntentDoc {
  const pi = ctx.unit.get<PaymentIntentDoc>(COLLECTIONS.paymentIntents, id);
  if (!pi || pi.merchant_id !== ctx.unit.merchant.id) throw resourceMissing('payment_intent', id, param);
  return pi;
}

/** Stripe's answer to an operation the intent's status does not allow; the body carries the intent. */
function unexpectedState(ctx: OpContext, pi: PaymentIntentDoc, status: IntentStatus, verb: 'confirm' | 'capture' | 'cancel', allowed: IntentStatus[]): StripeApiError {
  const past = { confirm: 'confirmed', capture: 'captured', cancel: 'canceled' }[verb];
  const lead = verb === 'capture' ? 'This PaymentIntent could not be captured' : `You cannot ${verb} this PaymentIntent`;
  const err = invalidRequest(
    `${lead} because it has a status of ${status}. Only a PaymentIntent with one of the following statuses may be ${past}: ${allowed.join(', ')}.`,
    { code: 'payment_intent_unexpected_state' },
  );
  err.body.payment_intent = paymentIntentObject(ctx, pi);
  return err;
}

export function currentStatus(ctx: OpContext, pi: PaymentIntentDoc): IntentStatus {
  return intentStatus(pi, latestAttempt(ctx, pi));
}

/** `POST /v1/payment_intents`. */
export function createIntent(ctx: OpContext, params: FormObject): PaymentIntentDoc {
  checkAccepted(params, ACCEPTED.paymentIntentCreate);
  const amount = amountParam(params, 'amount');
  if (amount === undefined) throw missingParam('amount');
  const cur = currency(params);
  if (cur === undefined) throw missingParam('currency');
  checkMinimum(amount, cur);
  // Checked before anything is stored: Stripe creates no intent for this request.
  const { customer, confirm, returnUrl, apm, returnUrlRequired } = creationParams(ctx, params, 'Payment Intent');
  const threeDs = requestThreeDSecure(params);
  const pm = resolvePaymentMethod(ctx.unit, params);
  checkOwner(pm, customer);
  const types = paymentMethodTypes(params);
  if (apm && types) {
    const named = params.allowed_payment_method_types !== undefined ? 'allowed_payment_method_types' : 'payment_method_types';
    throw exclusiveParams(['automatic_payment_methods', named]);
  }
  const now = Math.floor(ctx.unit.nowMs / 1000);
  const id = ctx.unit.newId('pi');
  const pi: PaymentIntentDoc = {
    id,
    object: 'payment_intent',
    merchant_id: ctx.unit.merchant.id,
    ...(returnUrlRequired ? { return_url_required: true } : {}),
    amount,
    currency: cur,
    capture_method: oneOf(params, 'capture_method', CAPTURE_METHODS) ?? 'automatic_async',
    confirmation_method: oneOf(params, 'confirmation_method', ['automatic', 'manual'] as const) ?? 'automatic',
    customer,
    description: nullableStr(params, 'description') ?? null,
    metadata: metadata(params) ?? {},
    receipt_email: nullableStr(params, 'receipt_email') ?? null,
    setup_future_usage: oneOf(params, 'setup_future_usage', FUTURE_USAGES) ?? null,
    statement_descriptor: nullableStr(params, 'statement_descriptor') ?? null,
    statement_descriptor_suffix: nullableStr(params, 'statement_descriptor_suffix') ?? null,
    shipping: shippingParam(params, 'intent') ?? null,
    transfer_group: nullableStr(params, 'transfer_group') ?? null,
    payment_method: pm?.id ?? null,
    payment_method_types: types && types.length > 0 ? types : ['card'],
    // Without explicit types, current API versions turn automatic payment methods on.
    automatic_payment_methods: apm ?? (types && types.length > 0 ? null : { enabled: true }),
    ...threeDsField(threeDs),
    client_secret: `${id}_${ctx.unit.newId('secret')}`,
    return_url: returnUrl,
    attempts: [],
    canceled: false,
    canceled_at: null,
    cancellation_reason: null,
    checkout_session: null,
    created: now,
  };
  ctx.unit.put(COLLECTIONS.paymentIntents, pi);
  emit(ctx, { type: 'payment_intent.created', object: paymentIntentObject(ctx, pi) });
  if (!confirm) return pi;
  return confirmAttempt(ctx, pi, params);
}

/** `POST /v1/payment_intents/:id`. */
export function updateIntent(ctx: OpContext, pi: PaymentIntentDoc, params: FormObject): PaymentIntentDoc {
  checkAccepted(params, ACCEPTED.paymentIntentUpdate);
  const status = currentStatus(ctx, pi);
  const changesPayment = ['amount', 'currency', 'payment_method', 'payment_method_data', 'capture_method', 'payment_method_types'].filter((k) => params[k] !== undefined);
  const editable = status === 'requires_payment_method' || status === 'requires_confirmation' || status === 'requires_action';
  if (changesPayment.length > 0 && !editable) {
    throw invalidRequest(`You cannot update ${changesPayment[0]} on a PaymentIntent with a status of ${status}.`, { param: changesPayment[0], code: 'payment_intent_unexpected_state' });
  }
  const amount = amountParam(params, 'amount') ?? pi.amount;
  const cur = currency(params) ?? pi.currency;
  if (params.amount !== undefined || params.currency !== undefined) checkMinimum(amount, cur);
  const threeDs = requestThreeDSecure(params);
  const pm = resolvePaymentMethod(ctx.unit, params);
  const types = paymentMethodTypes(params);
  const next: PaymentIntentDoc = {
    ...withThreeDs(pi, threeDs),
    amount,
    currency: cur,
    capture_method: oneOf(params, 'capture_method', CAPTURE_METHODS) ?? pi.capture_method,
    customer: customerParam(ctx, params) === undefined ? pi.customer : (customerParam(ctx, params) ?? null),
    description: nullableStr(params, 'description') === undefined ? pi.description : (nullableStr(params, 'description') ?? null),
    receipt_email: nullableStr(params, 'receipt_email') === undefined ? pi.receipt_email : (nullableStr(params, 'receipt_email') ?? null),
    metadata: metadata(params, pi.metadata) ?? pi.metadata,
    ...shippingAndGroup(params, pi),
    payment_method: pm ? pm.id : pi.payment_method,
    payment_method_types: types && types.length > 0 ? types : pi.payment_method_types,
  };
  if (pm || params.customer !== undefined) {
    checkOwner(next.payment_method ? ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, next.payment_method) : undefined, next.customer);
  }
  ctx.unit.put(COLLECTIONS.paymentIntents, next);
  return next;
}

/** `shipping` and `transfer_group` as an update or a confirmation sends them (empty: unset), else as they were. */
function shippingAndGroup(params: FormObject, pi: PaymentIntentDoc): Pick<PaymentIntentDoc, 'shipping' | 'transfer_group'> {
  const shipping = shippingParam(params, 'intent');
  const group = nullableStr(params, 'transfer_group');
  return { shipping: shipping === undefined ? (pi.shipping ?? null) : shipping, transfer_group: group === undefined ? (pi.transfer_group ?? null) : group };
}

/**
 * Stripe's answer to confirming, without a `return_url`, an intent whose automatic payment methods may
 * redirect the buyer: an integration that passes here would fail there, so it is refused here too. (Left to
 * the account's defaults, as when `automatic_payment_methods` is not sent, Stripe's answer depends on the
 * payment methods enabled in its Dashboard, which the sandbox does not have: those confirmations pass.)
 */
/**
 * What a PaymentIntent's and a SetupIntent's creation share: the customer, whether to confirm at once,
 * `return_url` (only with `confirm`, and required then when automatic payment methods may redirect), and
 * `automatic_payment_methods`. Throws Stripe's errors for the combinations it refuses.
 */
export function creationParams(ctx: OpContext, params: FormObject, intent: 'Payment Intent' | 'Setup Intent') {
  const customer = customerParam(ctx, params) ?? null;
  const confirm = bool(params, 'confirm') ?? false;
  const returnUrl = urlParam(params, 'return_url') ?? null;
  if (returnUrl !== null && !confirm) throw invalidRequest('You can only pass return_url when confirm=true.', { param: 'return_url' });
  const apm = automaticPaymentMethods(params);
  const returnUrlRequired = apm?.enabled === true && apm.allow_redirects !== 'never';
  if (confirm && returnUrlRequired && returnUrl === null && !bool(params, 'use_stripe_sdk')) throw returnUrlMissing(intent);
  return { customer, confirm, returnUrl, apm, returnUrlRequired };
}

export function returnUrlMissing(intent = 'Payment Intent'): Error {
  return invalidRequest(
    `A \`return_url\` must be specified because this ${intent} is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set \`automatic_payment_methods[enabled]\` to \`true\` and \`automatic_payment_methods[allow_redirects]\` to \`never\` when creating Setup Intents and Payment Intents.`,
  );
}

const CONFIRMABLE: IntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

/** `POST /v1/payment_intents/:id/confirm`. */
export function confirmIntent(ctx: OpContext, pi: PaymentIntentDoc, params: FormObject): PaymentIntentDoc {
  checkAccepted(params, ACCEPTED.paymentIntentConfirm);
  const status = currentStatus(ctx, pi);
  if (!CONFIRMABLE.includes(status)) throw unexpectedState(ctx, pi, status, 'confirm', CONFIRMABLE);
  const returnUrl = urlParam(params, 'return_url');
  if (pi.return_url_required && (returnUrl ?? pi.return_url) === null && !bool(params, 'use_stripe_sdk')) throw returnUrlMissing();
  const threeDs = requestThreeDSecure(params);
  const pm = resolvePaymentMethod(ctx.unit, params);
  checkOwner(pm, pi.customer);
  let next: PaymentIntentDoc = {
    ...withThreeDs(pi, threeDs),
    ...(params.shipping !== undefined ? { shipping: shippingAndGroup(params, pi).shipping } : {}),
    ...(pm ? { payment_method: pm.id } : {}),
    ...(returnUrl !== undefined ? { return_url: returnUrl } : {}),
    ...(params.capture_method !== undefined ? { capture_method: oneOf(params, 'capture_method', CAPTURE_METHODS) ?? pi.capture_method } : {}),
    ...(params.setup_future_usage !== undefined ? { setup_future_usage: oneOf(params, 'setup_future_usage', FUTURE_USAGES) ?? null } : {}),
  };
  if (status === 'requires_action') {
    if (!pm) return pi; // still waiting for the buyer: confirming again changes nothing
    const waiting = latestAttempt(ctx, pi);
    if (waiting) ctx.unit.cancelPayment(waiting.id, 'unauthenticated');
  }
  if (status === 'requires_payment_method' && !pm) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with cus_, specify a payment method attached to this customer along with the customer ID.",
      { code: 'payment_intent_unexpected_state', param: 'payment_method' },
    );
  }
  next = confirmAttempt(ctx, next, params);
  return next;
}

/** Runs one confirmation attempt as a domain payment and answers a decline with Stripe's 402. */
function confirmAttempt(ctx: OpContext, pi: PaymentIntentDoc, params: FormObject): PaymentIntentDoc {
  if (!pi.payment_method) {
    throw invalidRequest('You cannot confirm this PaymentIntent because it\'s missing a payment method. Update the PaymentIntent with a payment method and then confirm it again.', {
      code: 'payment_intent_unexpected_state',
      param: 'payment_method',
    });
  }
  const pmDoc = ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, pi.payment_method);
  if (!pmDoc) throw resourceMissing('PaymentMethod', pi.payment_method, 'payment_method');
  const offSession = bool(params, 'off_session') ?? false;
  const errorOnAction = bool(params, 'error_on_requires_action') ?? false;
  const payment = ctx.unit.createPayment({
    amount: pi.amount,
    currency: pi.currency.toUpperCase(),
    merchant_order_id: attemptOrderId(pi),
    payment_method: { type: 'card', card: { ...pmDoc.card_data } },
    capture_method: pi.capture_method === 'manual' ? 'manual' : 'automatic',
    description: pi.description,
    notify_url: null,
    return_url: pi.return_url,
    metadata: { ...pi.metadata, [INTENT_METADATA_KEY]: pi.id },
    ...(authenticatesWithStripe(pmDoc, offSession, pi.request_three_d_secure) ? { request_authentication: true } : {}),
  });
  const next: PaymentIntentDoc = { ...pi, attempts: [...pi.attempts, payment.id] };
  ctx.unit.put(COLLECTIONS.paymentIntents, next);
  if (payment.status === 'requires_action' && (offSession || errorOnAction)) {
    // Nobody is there to authenticate: Stripe fails the attempt with authentication_required.
    ctx.unit.cancelPayment(payment.id, 'unauthenticated');
    throw cardError('authentication_required', 'Your card was declined. This transaction requires authentication.', {
      payment_intent: paymentIntentObject(ctx, next),
      payment_method: paymentMethodObject(pmDoc),
    });
  }
  saveForLater(ctx, next, payment);
  if (payment.status === 'failed') {
    throw cardError(payment.failure_code ?? 'card_declined', payment.failure_message, {
      charge: chargeIdOf(payment.id),
      payment_intent: paymentIntentObject(ctx, next),
      payment_method: paymentMethodObject(pmDoc),
    });
  }
  return next;
}

/**
 * Saving the card for later is what `setup_future_usage` asks: Stripe attaches it to the intent's customer
 * once the payment goes through (at confirmation, or after the buyer's 3-D Secure challenge).
 */
export function saveForLater(ctx: OpContext, pi: PaymentIntentDoc, payment: Payment): void {
  if (payment.status !== 'succeeded' && payment.status !== 'requires_capture') return;
  const pmDoc = pi.payment_method ? ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, pi.payment_method) : undefined;
  if (!pi.setup_future_usage || !pi.customer || !pmDoc || pmDoc.customer) return;
  const saved = attachPaymentMethod(ctx.unit, pmDoc, pi.customer);
  emit(ctx, { type: 'payment_method.attached', object: paymentMethodObject(saved) });
}

/** `POST /v1/payment_intents/:id/capture`. */
export function captureIntent(ctx: OpContext, pi: PaymentIntentDoc, params: FormObject): PaymentIntentDoc {
  checkAccepted(params, ACCEPTED.paymentIntentCapture);
  const amount = amountParam(params, 'amount_to_capture');
  const status = currentStatus(ctx, pi);
  if (status !== 'requires_capture') throw unexpectedState(ctx, pi, status, 'capture', ['requires_capture']);
  if (amount !== undefined && amount > pi.amount) {
    throw invalidRequest(`The amount to capture (${amount}) is greater than the amount capturable (${pi.amount}).`, { param: 'amount_to_capture', code: 'amount_too_large' });
  }
  const attempt = latestAttempt(ctx, pi);
  if (!attempt) throw unexpectedState(ctx, pi, status, 'capture', ['requires_capture']);
  const meta = metadata(params, pi.metadata);
  const next = meta ? { ...pi, metadata: meta } : pi;
  if (meta) ctx.unit.put(COLLECTIONS.paymentIntents, next);
  ctx.unit.capturePayment(attempt.id, amount);
  return next;
}

/**
 * `POST /v1/payment_intents/:id/increment_authorization`. Stripe increments only an intent that asked for
 * it (`payment_method_options[card][request_incremental_authorization]`) on a card that supports it; the
 * sandbox emulates no incremental authorisation, so every well-formed request gets the refusal Stripe gives
 * an intent that did not ask (its words, from a recorded test-mode answer; the body carries the intent).
 */
export function incrementAuthorization(ctx: OpContext, pi: PaymentIntentDoc, params: FormObject): never {
  checkAccepted(params, ACCEPTED.paymentIntentIncrementAuthorization);
  if (amountParam(params, 'amount') === undefined) throw missingParam('amount');
  metadata(params);
  const err = invalidRequest(
    'This PaymentIntent is not eligible for incremental authorization because you did not request support using `request_incremental_authorization` when you created or confirmed it.',
  );
  err.body.payment_intent = paymentIntentObject(ctx, pi);
  throw err;
}

const CANCELABLE: IntentStatus[] = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];

/** `POST /v1/payment_intents/:id/cancel`. */
export function cancelIntent(ctx: OpContext, pi: PaymentIntentDoc, params: FormObject): PaymentIntentDoc {
  checkAccepted(params, ACCEPTED.paymentIntentCancel);
  const reason = oneOf(params, 'cancellation_reason', CANCELLATION_REASONS) ?? null;
  const status = currentStatus(ctx, pi);
  if (!CANCELABLE.includes(status)) throw unexpectedState(ctx, pi, status, 'cancel', CANCELABLE);
  const next: PaymentIntentDoc = { ...pi, canceled: true, canceled_at: Math.floor(ctx.unit.nowMs / 1000), cancellation_reason: reason };
  ctx.unit.put(COLLECTIONS.paymentIntents, next);
  const attempt = latestAttempt(ctx, pi);
  if (attempt && (attempt.status === 'requires_action' || attempt.status === 'pending' || attempt.status === 'requires_capture')) {
    // Releasing an authorisation is a merchant cancel; abandoning 3-D Secure never reached the issuer.
    const domainReason = attempt.status === 'requires_capture' ? 'requested_by_merchant' : 'unauthenticated';
    ctx.unit.cancelPayment(attempt.id, domainReason);
  } else {
    emit(ctx, { type: 'payment_intent.canceled', object: paymentIntentObject(ctx, next) });
  }
  return next;
}

export { UNAUTHORISED_CANCEL_REASONS };
