/**
 * SetupIntents: saving a card for later payments. No money moves, so there is no domain payment: the
 * intent is the provider's document, its status kept on it, and a confirmation reads the card's outcome
 * from the shared test-card table as a payment would (a declining card declines the setup, a card that
 * requires 3-D Secure sends the buyer to the challenge page, any other is set up). A setup that succeeds
 * attaches the card to the intent's customer. Events: `setup_intent.created | requires_action | succeeded
 * | setup_failed | canceled`, as Stripe sends them.
 */
import { cardBehaviour, cardExpired } from '../../engine/cards.js';
import { PaycliError } from '../../errors.js';
import type { FormObject } from './form-params.js';
import { ACCEPTED, bool, checkAccepted, metadata, nullableStr, oneOf, urlParam } from './params.js';
import { checkOwner, creationParams, customerParam, paymentMethodTypes, returnUrlMissing } from './payment-intents.js';
import { attachPaymentMethod, resolvePaymentMethod } from './payment-methods.js';
import { declineMessage, DECLINE_PARAM, exclusiveParams, invalidRequest, resourceMissing, StripeApiError, stripeDecline } from './stripe-errors.js';
import { emit } from './stripe-events.js';
import { COLLECTIONS, type PaymentMethodDoc, type SetupIntentDoc, type SetupIntentStatus } from './stripe-state.js';
import { authenticatesWithStripe, DECLINES_AFTER_AUTHENTICATION, requestThreeDSecure } from './three-d-secure.js';
import { paymentMethodObject, type OpContext, type WireContext } from './wire-objects.js';

type Json = Record<string, unknown>;

const USAGES = ['off_session', 'on_session'] as const;
const CANCELLATION_REASONS = ['abandoned', 'duplicate', 'requested_by_customer'] as const;
const CONFIRMABLE: SetupIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];
const CANCELABLE: SetupIntentStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

const docUrl = (code: string) => `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;

export function setupIntentObject(ctx: WireContext, si: SetupIntentDoc): Json {
  return {
    id: si.id,
    object: 'setup_intent',
    allowed_payment_method_types: si.automatic_payment_methods?.enabled ? null : si.payment_method_types,
    application: null,
    automatic_payment_methods: si.automatic_payment_methods,
    cancellation_reason: si.cancellation_reason,
    client_secret: si.client_secret,
    created: si.created,
    customer: si.customer,
    customer_account: null,
    description: si.description,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: si.last_setup_error,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: si.metadata,
    next_action:
      si.status === 'requires_action'
        ? { type: 'redirect_to_url', redirect_to_url: { url: `${ctx.baseUrl}/3ds/${si.id}`, return_url: si.return_url } }
        : null,
    on_behalf_of: null,
    payment_method: si.payment_method,
    payment_method_configuration_details: null,
    payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: si.request_three_d_secure } },
    payment_method_types: si.payment_method_types,
    single_use_mandate: null,
    status: si.status,
    usage: si.usage,
  };
}

export function findSetupIntent(ctx: OpContext, id: string, param = 'id'): SetupIntentDoc {
  const si = ctx.unit.get<SetupIntentDoc>(COLLECTIONS.setupIntents, id);
  if (!si || si.merchant_id !== ctx.unit.merchant.id) throw resourceMissing('setupintent', id, param);
  return si;
}

/** Stripe's answer to an operation the intent's status does not allow; the body carries the intent. */
function unexpectedState(ctx: OpContext, si: SetupIntentDoc, verb: 'confirm' | 'cancel' | 'update', allowed: SetupIntentStatus[]): StripeApiError {
  const message =
    verb === 'confirm' && si.status === 'succeeded'
      ? 'You cannot confirm this SetupIntent because it has already succeeded after being previously confirmed.'
      : verb === 'update'
        ? `You cannot update this SetupIntent because it has a status of ${si.status}.`
        : `You cannot ${verb} this SetupIntent because it has a status of ${si.status}. Only a SetupIntent with one of the following statuses may be ${verb === 'confirm' ? 'confirmed' : 'canceled'}: ${allowed.join(', ')}.`;
  const err = invalidRequest(message, { code: 'setup_intent_unexpected_state' });
  (err.body as unknown as Json).setup_intent = setupIntentObject(ctx, si);
  return err;
}

/** `POST /v1/setup_intents`. Everything is checked before anything is stored: a refused request creates nothing. */
export function createSetupIntent(ctx: OpContext, params: FormObject): SetupIntentDoc {
  checkAccepted(params, ACCEPTED.setupIntentCreate);
  const { customer, confirm, returnUrl, apm, returnUrlRequired } = creationParams(ctx, params, 'Setup Intent');
  const types = paymentMethodTypes(params);
  if (apm && types) {
    const named = params.allowed_payment_method_types !== undefined ? 'allowed_payment_method_types' : 'payment_method_types';
    throw exclusiveParams(['automatic_payment_methods', named]);
  }
  const usage = oneOf(params, 'usage', USAGES) ?? 'off_session';
  const threeDs = requestThreeDSecure(params) ?? 'automatic';
  const description = nullableStr(params, 'description') ?? null;
  const meta = metadata(params) ?? {};
  const pm = resolvePaymentMethod(ctx.unit, params);
  checkOwner(pm, customer);
  if (confirm && !pm) throw missingMethod();
  const id = ctx.unit.newId('seti');
  const si: SetupIntentDoc = {
    id,
    object: 'setup_intent',
    merchant_id: ctx.unit.merchant.id,
    customer,
    description,
    metadata: meta,
    usage,
    payment_method: pm?.id ?? null,
    payment_method_types: types && types.length > 0 ? types : ['card'],
    // Without explicit types, current API versions turn automatic payment methods on, as for PaymentIntents.
    automatic_payment_methods: apm ?? (types && types.length > 0 ? null : { enabled: true }),
    ...(returnUrlRequired ? { return_url_required: true as const } : {}),
    request_three_d_secure: threeDs,
    client_secret: `${id}_${ctx.unit.newId('secret')}`,
    return_url: returnUrl,
    status: pm ? 'requires_confirmation' : 'requires_payment_method',
    last_setup_error: null,
    cancellation_reason: null,
    created: Math.floor(ctx.unit.nowMs / 1000),
  };
  ctx.unit.put(COLLECTIONS.setupIntents, si);
  emit(ctx, { type: 'setup_intent.created', object: setupIntentObject(ctx, si) });
  return confirm ? attempt(ctx, si) : si;
}

/** `POST /v1/setup_intents/:id`. */
export function updateSetupIntent(ctx: OpContext, si: SetupIntentDoc, params: FormObject): SetupIntentDoc {
  checkAccepted(params, ACCEPTED.setupIntentUpdate);
  if (si.status === 'canceled') throw unexpectedState(ctx, si, 'update', []);
  const changesMethod = ['payment_method', 'payment_method_data', 'customer', 'payment_method_types', 'allowed_payment_method_types'].filter((k) => params[k] !== undefined);
  if (changesMethod.length > 0 && !CONFIRMABLE.includes(si.status)) {
    throw invalidRequest(`You cannot update ${changesMethod[0]} on a SetupIntent with a status of ${si.status}.`, { param: changesMethod[0], code: 'setup_intent_unexpected_state' });
  }
  const customer = customerParam(ctx, params);
  const description = nullableStr(params, 'description');
  const meta = metadata(params, si.metadata);
  const threeDs = requestThreeDSecure(params);
  const types = paymentMethodTypes(params);
  const pm = resolvePaymentMethod(ctx.unit, params);
  const nextCustomer = customer === undefined ? si.customer : customer;
  if (pm || customer !== undefined) checkOwner(pm ?? paymentMethod(ctx, si.payment_method), nextCustomer);
  const next: SetupIntentDoc = {
    ...si,
    customer: nextCustomer,
    description: description === undefined ? si.description : description,
    metadata: meta ?? si.metadata,
    request_three_d_secure: threeDs ?? si.request_three_d_secure,
    payment_method_types: types && types.length > 0 ? types : si.payment_method_types,
    // A new payment method is set up by the next confirmation.
    ...(pm ? { payment_method: pm.id, status: 'requires_confirmation' as const } : {}),
  };
  ctx.unit.put(COLLECTIONS.setupIntents, next);
  return next;
}

/** `POST /v1/setup_intents/:id/confirm`. */
export function confirmSetupIntent(ctx: OpContext, si: SetupIntentDoc, params: FormObject): SetupIntentDoc {
  checkAccepted(params, ACCEPTED.setupIntentConfirm);
  if (!CONFIRMABLE.includes(si.status)) throw unexpectedState(ctx, si, 'confirm', CONFIRMABLE);
  const returnUrl = urlParam(params, 'return_url');
  if (si.return_url_required && (returnUrl ?? si.return_url) === null && !bool(params, 'use_stripe_sdk')) throw returnUrlMissing('Setup Intent');
  const threeDs = requestThreeDSecure(params);
  const pm = resolvePaymentMethod(ctx.unit, params);
  checkOwner(pm, si.customer);
  // Still waiting for the buyer, with nothing new to try: confirming again changes nothing.
  if (si.status === 'requires_action' && !pm) return si;
  const next: SetupIntentDoc = {
    ...si,
    ...(pm ? { payment_method: pm.id } : {}),
    ...(returnUrl !== undefined ? { return_url: returnUrl } : {}),
    ...(threeDs ? { request_three_d_secure: threeDs } : {}),
  };
  return attempt(ctx, next);
}

/** `POST /v1/setup_intents/:id/cancel`. */
export function cancelSetupIntent(ctx: OpContext, si: SetupIntentDoc, params: FormObject): SetupIntentDoc {
  checkAccepted(params, ACCEPTED.setupIntentCancel);
  const reason = oneOf(params, 'cancellation_reason', CANCELLATION_REASONS) ?? null;
  if (!CANCELABLE.includes(si.status)) throw unexpectedState(ctx, si, 'cancel', CANCELABLE);
  const next: SetupIntentDoc = { ...si, status: 'canceled', cancellation_reason: reason, last_setup_error: null };
  ctx.unit.put(COLLECTIONS.setupIntents, next);
  emit(ctx, { type: 'setup_intent.canceled', object: setupIntentObject(ctx, next) });
  return next;
}

function paymentMethod(ctx: OpContext, id: string | null): PaymentMethodDoc | undefined {
  return id ? ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, id) : undefined;
}

const missingMethod = () =>
  invalidRequest("You cannot confirm this SetupIntent because it's missing a payment method. Update the SetupIntent with a payment method and then confirm it again.", {
    code: 'setup_intent_unexpected_state',
    param: 'payment_method',
  });

/** One confirmation: the card is set up, waits for 3-D Secure, or is declined (402, the intent in the body). */
function attempt(ctx: OpContext, si: SetupIntentDoc): SetupIntentDoc {
  const pm = paymentMethod(ctx, si.payment_method);
  if (!pm) throw missingMethod();
  const card = pm.card_data;
  const behaviour = cardBehaviour(card.number);
  const expired = cardExpired(card.exp_month, card.exp_year, ctx.unit.nowMs);
  // Stripe's chargeCustomerFail card is set up; only its charges are declined.
  const declines = !pm.setup_succeeds && (behaviour.kind === 'decline' || behaviour.kind === 'risk_block');
  if (expired || declines) {
    const failureCode = expired ? 'expired_card' : (behaviour as { failure_code: string }).failure_code;
    return decline(ctx, si, pm, failureCode);
  }
  // Setting a card up is on session: a card that asks until set up asks now.
  if (behaviour.kind === 'authentication_required' || authenticatesWithStripe(pm, false, si.request_three_d_secure)) {
    const waiting: SetupIntentDoc = { ...si, status: 'requires_action', last_setup_error: null };
    ctx.unit.put(COLLECTIONS.setupIntents, waiting);
    emit(ctx, { type: 'setup_intent.requires_action', object: setupIntentObject(ctx, waiting) });
    return waiting;
  }
  return succeed(ctx, si, pm);
}

function succeed(ctx: OpContext, si: SetupIntentDoc, pm: PaymentMethodDoc): SetupIntentDoc {
  // Set up for later: an off-session payment with it is now one the customer agreed to.
  const setUp: PaymentMethodDoc = { ...pm, set_up: true };
  ctx.unit.put(COLLECTIONS.paymentMethods, setUp);
  if (si.customer && !pm.customer) {
    const saved = attachPaymentMethod(ctx.unit, setUp, si.customer);
    emit(ctx, { type: 'payment_method.attached', object: paymentMethodObject(saved) });
  }
  const done: SetupIntentDoc = { ...si, status: 'succeeded', last_setup_error: null };
  ctx.unit.put(COLLECTIONS.setupIntents, done);
  emit(ctx, { type: 'setup_intent.succeeded', object: setupIntentObject(ctx, done) });
  return done;
}

/** A declined attempt, answered as Stripe's 402 card error carrying the intent. */
function decline(ctx: OpContext, si: SetupIntentDoc, pm: PaymentMethodDoc, failureCode: string): never {
  const { failed, error } = declined(ctx, si, pm, failureCode);
  const err = new StripeApiError(402, { ...error, payment_method: paymentMethodObject(pm) });
  (err.body as unknown as Json).setup_intent = setupIntentObject(ctx, failed);
  throw err;
}

/** Stages a declined attempt: the intent back in `requires_payment_method` with `last_setup_error`, and `setup_intent.setup_failed`. */
function declined(ctx: OpContext, si: SetupIntentDoc, pm: PaymentMethodDoc, failureCode: string) {
  const { code, decline_code } = stripeDecline(failureCode);
  const param = DECLINE_PARAM[failureCode];
  const error = {
    type: 'card_error' as const,
    code,
    ...(decline_code ? { decline_code } : {}),
    message: declineMessage(failureCode, null),
    ...(param ? { param } : {}),
    doc_url: docUrl(code),
  };
  const failed: SetupIntentDoc = { ...si, status: 'requires_payment_method', payment_method: null, last_setup_error: { ...error, payment_method: paymentMethodObject(pm) } };
  ctx.unit.put(COLLECTIONS.setupIntents, failed);
  emit(ctx, { type: 'setup_intent.setup_failed', object: setupIntentObject(ctx, failed) });
  return { failed, error };
}

/** The buyer on the challenge page: authenticated (the card is set up) or failed (the intent wants another card). */
export function completeSetupChallenge(ctx: OpContext, si: SetupIntentDoc, action: 'complete' | 'fail'): SetupIntentDoc {
  if (si.status !== 'requires_action') return si;
  const pm = paymentMethod(ctx, si.payment_method);
  if (action === 'complete' && pm) {
    // The issuer may still decline once the buyer has authenticated (Stripe's 4000008400001629).
    return pm.card_data.number === DECLINES_AFTER_AUTHENTICATION ? declined(ctx, si, pm, 'card_declined').failed : succeed(ctx, si, pm);
  }
  const failed: SetupIntentDoc = {
    ...si,
    status: 'requires_payment_method',
    payment_method: null,
    last_setup_error: {
      type: 'invalid_request_error',
      code: 'setup_intent_authentication_failure',
      message:
        'The latest attempt to set up the payment method has failed because authentication failed. Provide a new payment method or retry the SetupIntent with the same one.',
      doc_url: docUrl('setup_intent_authentication_failure'),
      payment_method: pm ? paymentMethodObject(pm) : null,
    },
  };
  ctx.unit.put(COLLECTIONS.setupIntents, failed);
  emit(ctx, { type: 'setup_intent.setup_failed', object: setupIntentObject(ctx, failed) });
  return failed;
}

/**
 * The control API's simulated buyer (`POST /_sandbox/buyer/seti_…/complete|fail`, a scenario's buyer step)
 * at the intent's 3-D Secure, with the challenge page's outcomes: `complete` sets the card up (or the issuer
 * declines after it, 4000008400001629), `fail` fails the authentication, or, with a `failure_code`, is the
 * issuer's decline for that reason. An intent not waiting for the buyer is a 409 naming its status; a
 * SetupIntent never expires by itself (it waits until canceled), so `expire` is a 400.
 */
export function buyerOnSetupIntent(ctx: OpContext, si: SetupIntentDoc, action: 'complete' | 'fail' | 'expire', failureCode?: string): SetupIntentDoc {
  if (action === 'expire') {
    throw new PaycliError('parameter_invalid', `SetupIntent ${si.id} does not expire: it waits for the buyer until canceled. Use complete or fail.`, {
      param: 'action',
      hint: 'The merchant abandons it with POST /v1/setup_intents/{id}/cancel.',
    });
  }
  if (si.status !== 'requires_action') {
    throw new PaycliError('invalid_state', `SetupIntent ${si.id} is ${si.status}, not waiting for the buyer (requires_action).`, {
      param: 'ref',
      hint: 'The buyer acts on a SetupIntent confirmed with a card that asks for 3-D Secure (pm_card_threeDSecure2Required).',
    });
  }
  const pm = paymentMethod(ctx, si.payment_method);
  if (action === 'fail' && failureCode !== undefined && failureCode !== 'authentication_failed' && pm) return declined(ctx, si, pm, failureCode).failed;
  return completeSetupChallenge(ctx, si, action);
}

/** `GET /v1/setup_intents` filters: `customer`, `payment_method` (the merchant's own intents, oldest first). */
export function setupIntentsFor(ctx: OpContext, filter: { customer?: string; payment_method?: string }): SetupIntentDoc[] {
  return ctx.unit
    .list<SetupIntentDoc>(COLLECTIONS.setupIntents)
    .filter((si) => si.merchant_id === ctx.unit.merchant.id && (!filter.customer || si.customer === filter.customer) && (!filter.payment_method || si.payment_method === filter.payment_method));
}
