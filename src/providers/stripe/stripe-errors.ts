/**
 * Stripe's error shape: `{error: {type, code, decline_code, message, param, payment_intent, charge, doc_url}}`.
 * stripe-node picks the error class from the HTTP status alone (402 → StripeCardError, 400/404 →
 * StripeInvalidRequestError unless `type` is `idempotency_error`, 401 → StripeAuthenticationError), so the
 * status carries the meaning and the body carries the detail merchants log and branch on.
 */
import { PaycliError } from '../../errors.js';

export type StripeErrorType = 'card_error' | 'invalid_request_error' | 'idempotency_error' | 'api_error' | 'authentication_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
  /** The type of the payment method that failed (`card`), beside it. */
  payment_method_type?: string;
  request_log_url?: string;
}

/** An error answered in Stripe's shape, with Stripe's status. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
    this.name = 'StripeApiError';
  }
}

const docUrl = (code: string) => `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;

export function invalidRequest(message: string, opts: { param?: string; code?: string; status?: number } = {}): StripeApiError {
  return new StripeApiError(opts.status ?? 400, {
    type: 'invalid_request_error',
    message,
    ...(opts.code ? { code: opts.code, doc_url: docUrl(opts.code) } : {}),
    ...(opts.param ? { param: opts.param } : {}),
  });
}

export const missingParam = (param: string) =>
  invalidRequest(`Missing required param: ${param}.`, { param, code: 'parameter_missing' });

export const invalidParam = (param: string, message: string) => invalidRequest(message, { param });

/** `Received unknown parameter: foo`, as Stripe names a parameter it does not know (code `parameter_unknown`). */
export const unknownParam = (param: string) => invalidRequest(`Received unknown parameter: ${param}`, { param, code: 'parameter_unknown' });

/** Two parameters that exclude each other, as Stripe words it (code `parameters_exclusive`). */
export const exclusiveParams = (names: string[]) =>
  invalidRequest(`You may only specify one of these parameters: ${names.join(', ')}.`, { param: names[0], code: 'parameters_exclusive' });

/** 404 for an id that names nothing, with Stripe's wording (`No such payment_intent: 'pi_x'`). */
export function resourceMissing(kind: string, id: string, param = 'id'): StripeApiError {
  return invalidRequest(`No such ${kind}: '${id}'`, { param, code: 'resource_missing', status: 404 });
}

export function authenticationError(message: string): StripeApiError {
  return new StripeApiError(401, { type: 'invalid_request_error', message });
}

/**
 * The same key again with other parameters, or (`endpoints`) on another endpoint, which Stripe words
 * differently: "…can only be used for the same endpoint they were first used for ('/v1/a' vs '/v1/b')…".
 */
export function idempotencyError(key: string, endpoints?: { first: string; now: string }): StripeApiError {
  const lead = endpoints
    ? `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${endpoints.first}' vs '${endpoints.now}').`
    : 'Keys for idempotent requests can only be used with the same parameters they were first used with.';
  return new StripeApiError(400, { type: 'idempotency_error', message: `${lead} Try using a key other than '${key}' if you meant to execute a different request.` });
}

/** Failure codes of the domain that Stripe reports as `code: card_declined` with the failure as `decline_code`. */
const DECLINE_CODES = new Set(['card_declined', 'generic_decline', 'insufficient_funds', 'lost_card', 'stolen_card', 'card_velocity_exceeded', 'fraudulent', 'risk_blocked']);

/** Stripe's `(code, decline_code)` pair for a domain failure code. */
export function stripeDecline(failureCode: string): { code: string; decline_code?: string } {
  if (failureCode === 'card_declined') return { code: 'card_declined', decline_code: 'generic_decline' };
  if (failureCode === 'risk_blocked') return { code: 'card_declined', decline_code: 'fraudulent' };
  if (DECLINE_CODES.has(failureCode)) return { code: 'card_declined', decline_code: failureCode };
  if (failureCode === 'authentication_failed') return { code: 'payment_intent_authentication_failure' };
  // expired_card, incorrect_cvc, processing_error: Stripe sends these as the code, with the same decline_code.
  return { code: failureCode, decline_code: failureCode };
}

/**
 * What Stripe tells the buyer for each decline (its `message` is meant to be shown): lost, stolen and
 * fraudulent cards read as a generic decline so the reason is not revealed.
 */
const DECLINE_MESSAGES: Readonly<Record<string, string>> = {
  card_declined: 'Your card was declined.',
  generic_decline: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  lost_card: 'Your card was declined.',
  stolen_card: 'Your card was declined.',
  fraudulent: 'Your card was declined.',
  risk_blocked: 'Your card was declined.',
  card_velocity_exceeded: 'Your card was declined for making repeated attempts too frequently or exceeding its amount limit.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: "Your card's security code is incorrect.",
  processing_error: 'An error occurred while processing your card. Try again in a little bit.',
};

/** Stripe's message for a domain failure code; the domain's own words for a failure Stripe has none for. */
export function declineMessage(failureCode: string, fallback: string | null): string {
  return DECLINE_MESSAGES[failureCode] ?? fallback ?? 'Your card was declined.';
}

/** The card field a decline points at, as Stripe's `param` does (`cvc` for a wrong code). */
export const DECLINE_PARAM: Readonly<Record<string, string>> = { expired_card: 'exp_month', incorrect_cvc: 'cvc' };

/** The 402 a confirmation that ends in a decline answers, carrying the intent and charge. */
export function cardError(failureCode: string, message: string | null, extra: { charge?: string; payment_intent?: unknown; payment_method?: unknown }): StripeApiError {
  const { code, decline_code } = stripeDecline(failureCode);
  const param = DECLINE_PARAM[failureCode];
  return new StripeApiError(402, {
    type: 'card_error',
    code,
    ...(decline_code ? { decline_code } : {}),
    message: declineMessage(failureCode, message),
    ...(param ? { param } : {}),
    doc_url: docUrl(code),
    ...(extra.charge ? { charge: extra.charge } : {}),
    ...(extra.payment_intent ? { payment_intent: extra.payment_intent } : {}),
    ...(extra.payment_method ? { payment_method: extra.payment_method, payment_method_type: 'card' } : {}),
  });
}

/** Maps a domain error (raised by the shared engine) to Stripe's answer for the same situation. */
export function fromPaycliError(err: PaycliError): StripeApiError {
  switch (err.code) {
    case 'resource_missing':
      return invalidRequest(err.message, { code: 'resource_missing', status: 404, param: err.param });
    case 'refund_exceeds_captured':
      // Stripe distinguishes "nothing left" from "more than what is left".
      return invalidRequest(err.message, { code: /already fully refunded/.test(err.message) ? 'charge_already_refunded' : 'amount_too_large', param: 'amount' });
    case 'capture_exceeds_authorized':
      return invalidRequest(err.message, { code: 'amount_too_large', param: 'amount_to_capture' });
    case 'invalid_state':
      return invalidRequest(err.message, { code: 'payment_intent_unexpected_state' });
    case 'parameter_invalid':
    case 'parameter_missing':
    case 'invalid_card_number':
      return invalidRequest(err.message, { code: err.code === 'invalid_card_number' ? 'invalid_number' : err.code, param: err.param });
    case 'data_file_unwritable':
      return new StripeApiError(503, { type: 'api_error', message: err.message });
    default:
      return new StripeApiError(err.status >= 500 ? 500 : err.status, {
        type: err.status >= 500 ? 'api_error' : 'invalid_request_error',
        message: err.message,
      });
  }
}

/** Anything thrown, as the response Stripe would give. */
export function toStripeError(err: unknown): StripeApiError {
  if (err instanceof StripeApiError) return err;
  if (err instanceof PaycliError) return fromPaycliError(err);
  return new StripeApiError(500, { type: 'api_error', message: 'An unexpected error occurred in the sandbox.' });
}

/** A card detail Stripe rejects before any charge (`incorrect_number`, `invalid_expiry_month`…): a 402 card error. */
export function cardValidationError(code: string, message: string, param: string): StripeApiError {
  return new StripeApiError(402, { type: 'card_error', code, message, param, doc_url: docUrl(code) });
}
