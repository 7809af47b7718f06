/**
 * `payment_method_options[card][request_three_d_secure]` on PaymentIntents and SetupIntents: `automatic`
 * (the default) leaves 3-D Secure to the card, as the test-card table says; `any` and `challenge` ask for
 * it, and on Stripe's test cards that support it (all but the one whose issuer takes no part) the buyer is
 * then sent to the challenge page. Other payment method options are accepted and ignored.
 */
import { supportsThreeDSecure } from '../../engine/cards.js';
import type { FormObject } from './form-params.js';
import { invalidRequest } from './stripe-errors.js';

export type ThreeDSecureRequest = 'any' | 'automatic' | 'challenge';

const VALUES: readonly ThreeDSecureRequest[] = ['any', 'automatic', 'challenge'];
const PARAM = 'payment_method_options[card][request_three_d_secure]';

const isHash = (v: unknown): v is FormObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request's `request_three_d_secure`, undefined when not sent; a wrong value or shape is a 400 naming it. */
export function requestThreeDSecure(params: FormObject): ThreeDSecureRequest | undefined {
  const options = params.payment_method_options;
  if (options === undefined || options === '') return undefined;
  if (!isHash(options)) throw invalidRequest('Invalid object: payment_method_options must be an object.', { param: 'payment_method_options' });
  const card = options.card;
  if (card === undefined || card === '') return undefined;
  if (!isHash(card)) throw invalidRequest('Invalid object: payment_method_options[card] must be an object.', { param: 'payment_method_options[card]' });
  const v = card.request_three_d_secure;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(VALUES as readonly string[]).includes(v)) {
    throw invalidRequest(`Invalid ${PARAM}: must be one of any, automatic, or challenge`, { param: PARAM });
  }
  return v as ThreeDSecureRequest;
}

/**
 * Stripe's "authenticate unless set up" card (4000002500003155, `pm_card_authenticationRequiredOnSetup`):
 * it asks for 3-D Secure on setup and on every on-session payment, but once set up (a SetupIntent
 * succeeded with it) off-session payments pass without it. The shared card table has no such card (it
 * would pay), so the provider asks for authentication itself.
 */
export const AUTHENTICATE_UNLESS_SET_UP = '4000002500003155';

/**
 * Stripe's other cards that always ask for 3-D Secure (4000000000003220, "3D Secure 2 authentication must be
 * completed", 4000000000003063, and those declined after it: 4000008400001629, 4000008260003178 and
 * 4000008400001280): the shared table knows 4000002760003184 only, so the provider asks.
 */
const ALWAYS_AUTHENTICATE = new Set(['4000000000003220', '4000000000003063', '4000008400001629', '4000008260003178', '4000008400001280']);

/** Stripe's 4000008400001629: 3-D Secure is required, and once the buyer authenticates the issuer declines. */
export const DECLINES_AFTER_AUTHENTICATION = '4000008400001629';

/**
 * What the issuer answers a payment once the buyer has authenticated on Stripe's cards that decline after
 * 3-D Secure: `pm_card_threeDSecureRequiredChargeDeclined` (card_declined),
 * `pm_card_authenticationRequiredChargeDeclinedInsufficientFunds` (insufficient_funds) and
 * `pm_card_threeDSecureRequiredProcessingError` (processing_error). Undefined for every other card.
 */
const PAYMENT_DECLINES_AFTER_AUTHENTICATION: ReadonlyMap<string, string> = new Map([
  [DECLINES_AFTER_AUTHENTICATION, 'card_declined'],
  ['4000008260003178', 'insufficient_funds'],
  ['4000008400001280', 'processing_error'],
]);

export function paymentDeclineAfterAuthentication(number: string): string | undefined {
  return PAYMENT_DECLINES_AFTER_AUTHENTICATION.get(number);
}

/** Whether a Stripe test card asks for 3-D Secure beyond what the shared card table says (the provider asks). */
export function providerAuthenticates(number: string): boolean {
  return ALWAYS_AUTHENTICATE.has(number) || number === AUTHENTICATE_UNLESS_SET_UP;
}

/** Whether a confirmation of this payment method asks the buyer for 3-D Secure beyond the shared card table. */
export function authenticatesWithStripe(pm: { card_data: { number: string }; set_up?: true }, offSession: boolean, request: ThreeDSecureRequest | undefined): boolean {
  const n = pm.card_data.number;
  if (ALWAYS_AUTHENTICATE.has(n) || asksForAuthentication(request, n)) return true;
  return n === AUTHENTICATE_UNLESS_SET_UP && !(offSession && pm.set_up);
}

/** Whether a request asks for 3-D Secure on this card beyond what the card itself requires. */
export function asksForAuthentication(request: ThreeDSecureRequest | undefined, cardNumber: string): boolean {
  return (request === 'any' || request === 'challenge') && supportsThreeDSecure(cardNumber);
}
