/**
 * Stripe's payment wire objects (PaymentIntents, PaymentMethods, charges, refunds, balance transactions),
 * built from the provider's documents and the domain payments behind them (customers and webhook
 * endpoints: account-objects.ts; Checkout: checkout-objects.ts). A
 * PaymentIntent's status, amounts, next action and last error are read from its latest confirmation
 * attempt, so a buyer acting on the control API or a 3-D Secure page moves the intent without the
 * provider having to copy anything.
 */
import type { Payment, Refund } from '../../engine/types.js';
import { chargeCardDetails, paymentMethodObject } from './card-objects.js';
import { DECLINE_PARAM, declineMessage, stripeDecline } from './stripe-errors.js';
import {
  chargeIdOf,
  chargeTxnId,
  type ChargeUpdateDoc,
  refundTxnId,
  type PaymentIntentDoc,
  type PaymentMethodDoc,
  type StripeReader,
  type StripeUnit,
  COLLECTIONS,
} from './stripe-state.js';

type Json = Record<string, unknown>;

/** What rendering wire objects needs: read access and the provider's own base URL (buyer pages live there). */
export interface WireContext {
  unit: StripeReader;
  baseUrl: string;
}

/** Who caused a change, as Stripe events record it (`request.id`, `request.idempotency_key`). */
export interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

/** What an operation needs: a unit of work to stage into and the request it serves. */
export interface OpContext extends WireContext {
  unit: StripeUnit;
  request: RequestInfo;
}

const lower = (c: string) => c.toLowerCase();

export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled';

/** The attempt that decides the intent's state, if any. */
export function latestAttempt(ctx: WireContext, pi: PaymentIntentDoc): Payment | undefined {
  const id = pi.attempts[pi.attempts.length - 1];
  return id ? ctx.unit.payment(id) : undefined;
}

/**
 * An authorisation released outside the Stripe API (canceled from the dashboard or the native API): the
 * charge stays uncaptured and the intent is canceled, as when Stripe releases a lapsed authorisation.
 */
const released = (p: Payment | undefined, pi: PaymentIntentDoc) => !!p && !pi.canceled && p.status === 'canceled' && p.captured_at === null && hasCharge(p);

/** An attempt that ended without money moving hands the intent back to the merchant for a new method. */
const attemptFailed = (p: Payment | undefined, pi: PaymentIntentDoc) => !!p && (p.status === 'failed' || (p.status === 'canceled' && !pi.canceled && !released(p, pi)));

export function intentStatus(pi: PaymentIntentDoc, attempt: Payment | undefined): IntentStatus {
  if (pi.canceled || released(attempt, pi)) return 'canceled';
  if (attempt && !attemptFailed(attempt, pi)) {
    switch (attempt.status) {
      case 'requires_action':
        return 'requires_action';
      case 'pending':
        return 'processing';
      case 'requires_capture':
        return 'requires_capture';
      case 'succeeded':
        return 'succeeded';
      default:
        break;
    }
  }
  if (attemptFailed(attempt, pi)) return 'requires_payment_method';
  return pi.payment_method ? 'requires_confirmation' : 'requires_payment_method';
}

/**
 * Whether an attempt produced a charge. 3-D Secure comes before the issuer is asked for money: an attempt
 * still waiting for it, abandoned there, or failing it has none (Stripe leaves `latest_charge` null).
 */
export const hasCharge = (p: Payment) =>
  p.status !== 'requires_action' &&
  p.status !== 'pending' &&
  !(p.status === 'canceled' && UNAUTHORISED_CANCEL_REASONS.has(p.cancellation_reason ?? '')) &&
  !(p.status === 'failed' && p.failure_code === 'authentication_failed');

// The payment method object lives with the card's other renderings; importers find it here too.
export { paymentMethodObject };

/**
 * Domain cancellation reasons of attempts that never reached the issuer: the buyer walked away from
 * 3-D Secure (`expired`) or the merchant canceled the intent while it waited for them (`unauthenticated`).
 */
export const UNAUTHORISED_CANCEL_REASONS = new Set(['expired', 'unauthenticated']);

export function lastPaymentError(ctx: WireContext, pi: PaymentIntentDoc, attempt: Payment | undefined): Json | null {
  if (!attempt || !attemptFailed(attempt, pi)) return null;
  const pmDoc = pi.payment_method ? ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, pi.payment_method) : undefined;
  const pm = pmDoc ? paymentMethodObject(pmDoc) : null;
  if (attempt.status === 'canceled' && attempt.cancellation_reason === 'unauthenticated') {
    // Confirmed off-session (or with error_on_requires_action) when the card asks for 3-D Secure.
    return {
      type: 'card_error',
      code: 'authentication_required',
      decline_code: 'authentication_required',
      message: 'Your card was declined. This transaction requires authentication.',
      doc_url: 'https://stripe.com/docs/error-codes/authentication-required',
      payment_method: pm,
      ...(pm ? { payment_method_type: 'card' } : {}),
    };
  }
  if (attempt.status === 'canceled' || attempt.failure_code === 'authentication_failed') {
    return {
      type: 'invalid_request_error',
      code: 'payment_intent_authentication_failure',
      message: 'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
      doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
      payment_method: pm,
      ...(pm ? { payment_method_type: 'card' } : {}),
    };
  }
  const { code, decline_code } = stripeDecline(attempt.failure_code ?? 'card_declined');
  return {
    type: 'card_error',
    code,
    ...(decline_code ? { decline_code } : {}),
    message: declineMessage(attempt.failure_code ?? 'card_declined', attempt.failure_message),
    ...(DECLINE_PARAM[attempt.failure_code ?? ''] ? { param: DECLINE_PARAM[attempt.failure_code ?? ''] } : {}),
    charge: chargeIdOf(attempt.id),
    doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`,
    payment_method: pm,
    // Since API version 2026-09-30.endive, the type of the payment method that failed.
    ...(pm ? { payment_method_type: 'card' } : {}),
  };
}

export function paymentIntentObject(ctx: WireContext, pi: PaymentIntentDoc): Json {
  const attempt = latestAttempt(ctx, pi);
  const status = intentStatus(pi, attempt);
  const failed = attemptFailed(attempt, pi);
  const charged = attempt && hasCharge(attempt) ? attempt : [...pi.attempts].reverse().map((id) => ctx.unit.payment(id)).find((p) => p && hasCharge(p));
  return {
    id: pi.id,
    object: 'payment_intent',
    amount: pi.amount,
    amount_capturable: status === 'requires_capture' ? pi.amount : 0,
    amount_details: { tip: {} },
    amount_received: status === 'succeeded' && attempt ? attempt.amount_captured : 0,
    allowed_payment_method_types: pi.automatic_payment_methods?.enabled ? null : pi.payment_method_types,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: pi.automatic_payment_methods,
    canceled_at: released(attempt, pi) ? attempt!.canceled_at : pi.canceled_at,
    cancellation_reason: pi.cancellation_reason,
    capture_method: pi.capture_method,
    client_secret: pi.client_secret,
    confirmation_method: pi.confirmation_method,
    created: pi.created,
    currency: pi.currency,
    customer: pi.customer,
    customer_account: null,
    description: pi.description,
    excluded_payment_method_types: null,
    last_payment_error: lastPaymentError(ctx, pi, attempt),
    latest_charge: charged ? chargeIdOf(charged.id) : null,
    livemode: false,
    managed_payments: null,
    metadata: pi.metadata,
    next_action:
      status === 'requires_action'
        ? { type: 'redirect_to_url', redirect_to_url: { url: `${ctx.baseUrl}/3ds/${pi.id}`, return_url: pi.return_url } }
        : null,
    on_behalf_of: null,
    payment_method: failed ? null : pi.payment_method,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: pi.request_three_d_secure ?? 'automatic' } },
    payment_method_types: pi.payment_method_types,
    payment_record: null,
    processing: null,
    receipt_email: pi.receipt_email,
    review: null,
    setup_future_usage: pi.setup_future_usage,
    shipping: intentShipping(pi),
    source: null,
    statement_descriptor: pi.statement_descriptor,
    statement_descriptor_suffix: pi.statement_descriptor_suffix,
    status,
    transfer_data: null,
    transfer_group: pi.transfer_group ?? null,
  };
}

/** A PaymentIntent's shipping as Stripe renders it (and copies it to its charges), every key present. */
function intentShipping(pi: PaymentIntentDoc | undefined): Json | null {
  const s = pi?.shipping;
  return s ? { address: s.address, carrier: s.carrier ?? null, name: s.name, phone: s.phone, tracking_number: s.tracking_number ?? null } : null;
}

/** A refund; `pi` is the intent of its charge (its customer and payment method are the refund's too). */
export function refundObject(refund: Refund, pi: PaymentIntentDoc | undefined): Json {
  return {
    id: refund.id,
    object: 'refund',
    amount: refund.amount,
    balance_transaction: refund.status === 'succeeded' ? refundTxnId(refund.id) : null,
    charge: chargeIdOf(refund.payment_id),
    created: refund.created,
    currency: lower(refund.currency),
    customer: pi?.customer ?? null,
    customer_account: null,
    destination_details: { card: { reference_status: 'available', reference_type: 'acquirer_reference_number', type: 'refund' }, type: 'card' },
    failure_reason: refund.status === 'failed' ? refund.failure_reason : undefined,
    metadata: refund.metadata,
    payment_intent: pi?.id ?? null,
    payment_method: pi?.payment_method ?? null,
    reason: refund.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: refund.status,
    transfer_reversal: null,
  };
}

/**
 * A charge. Its `refunds` list is not part of it (since API version 2022-11-15 Stripe includes it only when
 * `expand[]` asks for it: `chargeRefunds`), so an integration that reads it without asking fails here too.
 */
export function chargeObject(ctx: WireContext, payment: Payment, pi: PaymentIntentDoc | undefined): Json {
  const succeeded = payment.status === 'succeeded' || payment.status === 'requires_capture' || (payment.status === 'canceled' && hasCharge(payment));
  const pmDoc = pi?.payment_method ? ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, pi.payment_method) : undefined;
  const card = payment.payment_method.type === 'card' ? payment.payment_method.card : null;
  const decline = payment.failure_code ? stripeDecline(payment.failure_code) : null;
  const updates = ctx.unit.get<ChargeUpdateDoc>(COLLECTIONS.chargeUpdates, chargeIdOf(payment.id));
  return {
    id: chargeIdOf(payment.id),
    object: 'charge',
    amount: payment.amount,
    amount_captured: payment.amount_captured,
    // Releasing an authorisation, wholly (cancel) or the rest of a partial capture, refunds nothing: since
    // API version 2025-03-31.basil Stripe makes no Refund for it and leaves amount_refunded as it was.
    amount_refunded: payment.amount_refunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: payment.captured_at !== null ? chargeTxnId(payment.id) : null,
    billing_details: { ...(pmDoc?.billing_details ?? { address: null, email: null, name: null, phone: null }), tax_id: null },
    calculated_statement_descriptor: 'PAYCLI SANDBOX',
    captured: payment.captured_at !== null,
    created: payment.created,
    currency: lower(payment.currency),
    customer: pi?.customer ?? null,
    description: updates?.description !== undefined ? updates.description : payment.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: decline?.code ?? null,
    failure_message: payment.failure_code ? declineMessage(payment.failure_code, payment.failure_message) : payment.failure_message,
    fraud_details: {},
    livemode: false,
    metadata: updates?.metadata ?? pi?.metadata ?? {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      ...(payment.failure_code
        ? { network_status: 'declined_by_network', reason: decline?.decline_code ?? null, risk_level: 'normal', seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' }
        : { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' }),
    },
    paid: succeeded,
    payment_intent: pi?.id ?? null,
    payment_method: pi?.payment_method ?? null,
    payment_method_details: card ? { card: chargeCardDetails(card, pmDoc, succeeded ? payment.amount : null), type: 'card' } : { type: payment.payment_method.type },
    receipt_email: updates?.receipt_email !== undefined ? updates.receipt_email : (pi?.receipt_email ?? null),
    receipt_number: null,
    // Stripe hosts a receipt page; the sandbox has none to link to.
    receipt_url: null,
    refunded: payment.amount_captured > 0 && payment.amount_refunded >= payment.amount_captured,
    review: null,
    shipping: intentShipping(pi),
    source: null,
    source_transfer: null,
    statement_descriptor: pi?.statement_descriptor ?? null,
    statement_descriptor_suffix: pi?.statement_descriptor_suffix ?? null,
    status: payment.status === 'failed' ? 'failed' : succeeded ? 'succeeded' : 'pending',
    transfer_data: null,
    transfer_group: pi?.transfer_group ?? null,
  };
}

/** A charge's refunds as the list `expand[]=refunds` puts on it, newest first. */
export function chargeRefunds(ctx: WireContext, payment: Payment, pi: PaymentIntentDoc | undefined): Json {
  const data = ctx.unit.refundsOf(payment.id).map((r) => refundObject(r, pi)).reverse();
  return { object: 'list', data, has_more: false, total_count: data.length, url: `/v1/charges/${chargeIdOf(payment.id)}/refunds` };
}

function balanceTxn(id: string, amount: number, fee: number, currency: string, created: number, type: string, source: string, availableDays = 2): Json {
  return {
    id,
    object: 'balance_transaction',
    amount,
    available_on: created + availableDays * 86_400,
    balance_type: 'payments',
    created,
    currency: lower(currency),
    description: null,
    exchange_rate: null,
    fee,
    fee_details: fee ? [{ amount: fee, application: null, currency: lower(currency), description: 'Stripe processing fees', type: 'stripe_fee' }] : [],
    net: amount - fee,
    reporting_category: type,
    source,
    status: 'available',
    type,
  };
}

export function chargeBalanceTransaction(payment: Payment): Json {
  return balanceTxn(chargeTxnId(payment.id), payment.amount_captured, payment.fee, payment.currency, payment.captured_at ?? payment.created, 'charge', chargeIdOf(payment.id));
}

export function refundBalanceTransaction(refund: Refund): Json {
  return balanceTxn(refundTxnId(refund.id), -refund.amount, 0, refund.currency, refund.created, 'refund', refund.id);
}
