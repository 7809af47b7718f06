/**
 * Test cards: the de-facto vocabulary every PSP sandbox shares (Stripe's numbers). The table is data:
 * the README's card table is generated from the same rows and a test keeps the two in step.
 */

export type CardBehaviour =
  | { kind: 'success' }
  | { kind: 'decline'; failure_code: string; message: string }
  /** Blocked by risk control before reaching the issuer. */
  | { kind: 'risk_block'; failure_code: string; message: string }
  /** 3-D Secure: the buyer must authenticate before the outcome is known. */
  | { kind: 'authentication_required' }
  /** Succeeds, but every refund of the payment fails. */
  | { kind: 'refund_fails' };

export interface TestCard {
  number: string;
  brand: string;
  description: string;
  behaviour: CardBehaviour;
}

const decline = (failure_code: string, message: string): CardBehaviour => ({ kind: 'decline', failure_code, message });

export const TEST_CARDS: readonly TestCard[] = [
  { number: '4242424242424242', brand: 'visa', description: 'Succeeds', behaviour: { kind: 'success' } },
  { number: '5555555555554444', brand: 'mastercard', description: 'Succeeds', behaviour: { kind: 'success' } },
  { number: '378282246310005', brand: 'amex', description: 'Succeeds', behaviour: { kind: 'success' } },
  { number: '4000000000000002', brand: 'visa', description: 'Declined (generic)', behaviour: decline('card_declined', 'Your card was declined.') },
  { number: '4000000000009995', brand: 'visa', description: 'Declined: insufficient funds', behaviour: decline('insufficient_funds', 'Your card has insufficient funds.') },
  { number: '4000000000009987', brand: 'visa', description: 'Declined: lost card', behaviour: decline('lost_card', 'Your card was declined: reported lost.') },
  { number: '4000000000009979', brand: 'visa', description: 'Declined: stolen card', behaviour: decline('stolen_card', 'Your card was declined: reported stolen.') },
  { number: '4000000000000069', brand: 'visa', description: 'Declined: expired card', behaviour: decline('expired_card', 'Your card has expired.') },
  { number: '4000000000000127', brand: 'visa', description: 'Declined: incorrect CVC', behaviour: decline('incorrect_cvc', "Your card's security code is incorrect.") },
  { number: '4000000000000119', brand: 'visa', description: 'Fails: processing error', behaviour: decline('processing_error', 'An error occurred while processing your card. Try again.') },
  { number: '4000000000006975', brand: 'visa', description: 'Declined: velocity limit exceeded', behaviour: decline('card_velocity_exceeded', 'Your card has exceeded its velocity limit.') },
  {
    number: '4100000000000019',
    brand: 'visa',
    description: 'Blocked by risk control (fraudulent)',
    behaviour: { kind: 'risk_block', failure_code: 'fraudulent', message: 'The payment was blocked by risk control as likely fraudulent.' },
  },
  { number: '4000002760003184', brand: 'visa', description: 'Requires 3-D Secure authentication', behaviour: { kind: 'authentication_required' } },
  { number: '4000000000005126', brand: 'visa', description: 'Succeeds; every refund fails', behaviour: { kind: 'refund_fails' } },
];

const BY_NUMBER = new Map(TEST_CARDS.map((c) => [c.number, c]));

/**
 * Test cards whose issuer takes no part in 3-D Secure (Stripe's 378282246310005: "3D Secure isn't supported
 * on this card and can't be invoked"): a merchant asking for authentication gets none on them.
 */
const NO_THREE_D_SECURE = new Set(['378282246310005']);

/** Whether a card can be asked for 3-D Secure when the merchant requests it (every other test card can). */
export function supportsThreeDSecure(digits: string): boolean {
  return !NO_THREE_D_SECURE.has(digits);
}

/** The Luhn checksum every real card number satisfies. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Strips the spaces and dashes people type in card numbers. */
export function normaliseCardNumber(raw: string): string {
  return raw.replace(/[\s-]/g, '');
}

export function cardBrand(digits: string): string {
  const known = BY_NUMBER.get(digits);
  if (known) return known.brand;
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  if (/^62/.test(digits)) return 'unionpay';
  if (/^35/.test(digits)) return 'jcb';
  if (/^6(011|5)/.test(digits)) return 'discover';
  return 'unknown';
}

/** How a (Luhn-valid) card behaves. Numbers not in the table succeed, like any valid card would. */
export function cardBehaviour(digits: string): CardBehaviour {
  return BY_NUMBER.get(digits)?.behaviour ?? { kind: 'success' };
}

/** A card expires at the end of its expiry month (UTC). */
export function cardExpired(expMonth: number, expYear: number, nowMs: number): boolean {
  const endOfMonth = Date.UTC(expYear, expMonth, 1); // month is 1-based here, so this is the 1st of the next month
  return nowMs >= endOfMonth;
}

/** A buyer's wallet payment code (Alipay bar code, WeChat 付款码): digits only, as scanners read them. */
export const PAYMENT_CODE_PATTERN = /^\d{16,24}$/;

/**
 * How a wallet payment presented by a buyer's payment code turns out, decided at once by the code's last
 * four digits matched against the test cards' declines and risk blocks (…9995: insufficient funds,
 * …0019: fraudulent, …). The same four digits mean the same thing on a card and on a code, so developers
 * learn one table. `…5126` pays and its refunds fail, as on a card; any other code pays.
 */
export function paymentCodeBehaviour(code: string): CardBehaviour {
  const last4 = code.slice(-4);
  for (const card of TEST_CARDS) {
    const kind = card.behaviour.kind;
    if ((kind === 'decline' || kind === 'risk_block' || kind === 'refund_fails') && card.number.endsWith(last4)) return card.behaviour;
  }
  return { kind: 'success' };
}
