/**
 * Stripe's test payment methods (docs.stripe.com/testing): the `pm_card_*` and `tok_*` aliases a merchant's
 * tests pass instead of card numbers, each standing for one test card. Outcomes come from the shared card
 * table (src/engine/cards.ts); aliases whose Stripe card has no row there use the number with that outcome.
 */

export interface TestCardAlias {
  /** The alias after `pm_card_` (also valid as `tok_<suffix>`). */
  suffix: string;
  /** The card number the shared domain decides with. */
  number: string;
  /** What Stripe's docs say it does, for the README. */
  description: string;
  /** Stripe's card that attaches and is set up, but whose every charge is declined (the number's outcome). */
  setupSucceeds?: true;
  /**
   * Stripe's own number for the card when the sandbox decides with another one that has its outcome (the
   * shared card table has no row for it): typed in, it stands for this alias.
   */
  stripeNumber?: string;
}

export const TEST_CARD_ALIASES: readonly TestCardAlias[] = [
  { suffix: 'visa', number: '4242424242424242', description: 'Visa, succeeds' },
  { suffix: 'visa_debit', number: '4000056655665556', description: 'Visa debit, succeeds' },
  { suffix: 'mastercard', number: '5555555555554444', description: 'Mastercard, succeeds' },
  { suffix: 'mastercard_debit', number: '5200828282828210', description: 'Mastercard debit, succeeds' },
  { suffix: 'mastercard_prepaid', number: '5105105105105100', description: 'Mastercard prepaid, succeeds' },
  { suffix: 'amex', number: '378282246310005', description: 'American Express, succeeds' },
  { suffix: 'discover', number: '6011111111111117', description: 'Discover, succeeds' },
  { suffix: 'jcb', number: '3566002020360505', description: 'JCB, succeeds' },
  { suffix: 'unionpay', number: '6200000000000005', description: 'UnionPay, succeeds' },
  { suffix: 'visa_chargeDeclined', number: '4000000000000002', description: 'Declined: `card_declined` / `generic_decline`' },
  { suffix: 'visa_chargeDeclinedInsufficientFunds', number: '4000000000009995', description: 'Declined: `card_declined` / `insufficient_funds`' },
  { suffix: 'visa_chargeDeclinedLostCard', number: '4000000000009987', description: 'Declined: `card_declined` / `lost_card`' },
  { suffix: 'visa_chargeDeclinedStolenCard', number: '4000000000009979', description: 'Declined: `card_declined` / `stolen_card`' },
  { suffix: 'chargeDeclinedExpiredCard', number: '4000000000000069', description: 'Declined: `expired_card`' },
  { suffix: 'chargeDeclinedIncorrectCvc', number: '4000000000000127', description: 'Declined: `incorrect_cvc`' },
  { suffix: 'chargeDeclinedProcessingError', number: '4000000000000119', description: 'Fails: `processing_error`' },
  { suffix: 'visa_chargeDeclinedVelocityLimitExceeded', number: '4000000000006975', description: 'Declined: `card_declined` / `card_velocity_exceeded`' },
  { suffix: 'radarBlock', number: '4100000000000019', description: 'Blocked: `card_declined` / `fraudulent`' },
  { suffix: 'visa_chargeDeclinedFraudulent', number: '4100000000000019', description: 'Declined: `card_declined` / `fraudulent`' },
  // Stripe's 0341 card attaches and then fails every charge: the generic decline card's outcome.
  { suffix: 'chargeCustomerFail', number: '4000000000000002', description: 'Attaches and sets up; every charge declined (`generic_decline`)', setupSucceeds: true, stripeNumber: '4000000000000341' },
  { suffix: 'authenticationRequired', number: '4000002760003184', description: '3-D Secure required (`requires_action`)' },
  { suffix: 'threeDSecure2Required', number: '4000000000003220', description: '3-D Secure required (`requires_action`)' },
  // Stripe's 3155 card: not in the shared table (it pays), the provider asks for 3-D Secure (three-d-secure.ts).
  { suffix: 'authenticationRequiredOnSetup', number: '4000002500003155', description: 'Asks for 3-D Secure until set up; then off-session payments pass without it' },
  { suffix: 'refundFail', number: '4000000000005126', description: 'Succeeds; refunds fail' },
  { suffix: 'threeDSecureRequired', number: '4000000000003063', description: '3-D Secure required (`requires_action`)' },
  { suffix: 'threeDSecureRequiredChargeDeclined', number: '4000008400001629', description: '3-D Secure required, then `card_declined` once authenticated' },
  { suffix: 'authenticationRequiredChargeDeclinedInsufficientFunds', number: '4000008260003178', description: '3-D Secure required, then `card_declined` / `insufficient_funds` once authenticated' },
  { suffix: 'threeDSecureRequiredProcessingError', number: '4000008400001280', description: '3-D Secure required, then `processing_error` once authenticated' },
  { suffix: 'threeDSecureOptional', number: '4000000000003055', description: 'Authentication supported but not required: succeeds without it' },
  { suffix: 'amex_threeDSecureNotSupported', number: '378282246310005', description: 'American Express whose issuer takes no part in authentication, succeeds' },
  // Stripe's Radar test cards: the highest risk level is blocked as a generic decline (Stripe's default rule),
  // with the generic decline card's outcome; an elevated risk and failed address checks still pay.
  { suffix: 'riskLevelHighest', number: '4000000000000002', description: 'Blocked at the highest risk level: `card_declined` / `generic_decline`', stripeNumber: '4000000000004954' },
  { suffix: 'riskLevelElevated', number: '4000000000009235', description: 'Elevated risk level, succeeds' },
  { suffix: 'cvcCheckFail', number: '4000000000000127', description: 'CVC check fails: declined `incorrect_cvc`', stripeNumber: '4000000000000101' },
  { suffix: 'avsFail', number: '4000000000000010', description: 'Address checks fail (not simulated), succeeds' },
  { suffix: 'avsLine1Fail', number: '4000000000000028', description: 'Address line 1 check fails (not simulated), succeeds' },
  { suffix: 'avsZipFail', number: '4000000000000036', description: 'Postal code check fails (not simulated), succeeds' },
  { suffix: 'avsUnchecked', number: '4000000000000044', description: 'Address checks unavailable, succeeds' },
  // Disputes and early fraud warnings are not emulated: the payments these cards make go through as Stripe's do.
  { suffix: 'createDispute', number: '4000000000000259', description: 'Succeeds (the dispute that follows on Stripe is not emulated)' },
  { suffix: 'createDisputeProductNotReceived', number: '4000000000002685', description: 'Succeeds (the dispute that follows on Stripe is not emulated)' },
  { suffix: 'createDisputeInquiry', number: '4000000000001976', description: 'Succeeds (the inquiry that follows on Stripe is not emulated)' },
  { suffix: 'createIssuerFraudRecord', number: '4000000000005423', description: 'Succeeds (the early fraud warning is not emulated)' },
  { suffix: 'pendingRefund', number: '4000000000007726', description: 'Succeeds; its refunds are `pending` at first, then `succeeded` (refund.updated)' },
  { suffix: 'bypassPending', number: '4000000000000077', description: 'Succeeds; its funds are available immediately, like every sandbox charge\'s' },
  { suffix: 'domesticPricing', number: '4000000000000093', description: 'Succeeds' },
];

const BY_ID = new Map<string, TestCardAlias>();
for (const a of TEST_CARD_ALIASES) {
  BY_ID.set(`pm_card_${a.suffix}`, a);
  BY_ID.set(`tok_${a.suffix}`, a);
}
// Stripe's historic names without the brand prefix, which it still answers as tokens and payment methods
// (`tok_chargeDeclined`, `pm_card_chargeDeclinedFraudulent`, `pm_card_chargeDeclinedInsufficientFunds`).
for (const [legacy, suffix] of [
  ['chargeDeclined', 'visa_chargeDeclined'],
  ['chargeDeclinedInsufficientFunds', 'visa_chargeDeclinedInsufficientFunds'],
  ['chargeDeclinedFraudulent', 'visa_chargeDeclinedFraudulent'],
  ['chargeDeclinedVelocityLimitExceeded', 'visa_chargeDeclinedVelocityLimitExceeded'],
  ['chargeDeclinedLostCard', 'visa_chargeDeclinedLostCard'],
  ['chargeDeclinedStolenCard', 'visa_chargeDeclinedStolenCard'],
] as const) {
  const alias = TEST_CARD_ALIASES.find((a) => a.suffix === suffix);
  if (alias) for (const prefix of ['tok_', 'pm_card_']) BY_ID.set(`${prefix}${legacy}`, alias);
}

const BY_STRIPE_NUMBER = new Map(TEST_CARD_ALIASES.filter((a) => a.stripeNumber).map((a) => [a.stripeNumber!, a]));

/** The alias a Stripe test card number the sandbox decides with another number stands for, or undefined. */
export function standInFor(number: string): TestCardAlias | undefined {
  return BY_STRIPE_NUMBER.get(number);
}

/** The test card behind a `pm_card_*` / `tok_*` id, or undefined. */
export function testCardFor(id: string): TestCardAlias | undefined {
  return BY_ID.get(id);
}

/** The README's table of test payment methods, one row per alias (a test keeps the README in step). */
export function testPaymentMethodRows(): string[] {
  return TEST_CARD_ALIASES.map((a) => `| \`pm_card_${a.suffix}\` | ${a.description} (${a.stripeNumber ? `Stripe's ${a.stripeNumber}, decided as ${a.number}` : a.number}) |`);
}
