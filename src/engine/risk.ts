/**
 * Risk control: rules that block a payment before it reaches the issuer. Card-specific blocks (the
 * fraudulent test card) live in the card table; rules here depend on the merchant's settings.
 */
import type { Merchant } from './types.js';

export type RiskDecision = { blocked: false } | { blocked: true; failure_code: string; message: string };

/** `input` is the payment being created (only what the rules read, so this module needs nothing of payments.ts). */
export function assessRisk(merchant: Merchant, input: { amount: number }): RiskDecision {
  if (merchant.risk_max_amount !== null && input.amount > merchant.risk_max_amount) {
    return {
      blocked: true,
      failure_code: 'risk_blocked',
      message: `The payment was blocked by risk control: amount ${input.amount} is over the merchant's limit of ${merchant.risk_max_amount}.`,
    };
  }
  return { blocked: false };
}
