/**
 * How a card shows: the payment method object, and the card details of a charge made with it. Brand, funding
 * and the last four digits come from the test card number.
 */
import type { CardDetails } from '../../engine/types.js';
import type { PaymentMethodDoc } from './stripe-state.js';

type Json = Record<string, unknown>;

export function paymentMethodObject(pm: PaymentMethodDoc): Json {
  const n = pm.card_data.number;
  return {
    id: pm.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: pm.billing_details,
    card: {
      brand: brandOf(n),
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: pm.card_data.cvc ? 'pass' : null },
      country: 'US',
      display_brand: brandOf(n),
      exp_month: pm.card_data.exp_month,
      exp_year: pm.card_data.exp_year,
      fingerprint: `fp${n.slice(-8)}`,
      funding: fundingOf(n),
      generated_from: null,
      last4: n.slice(-4),
      networks: { available: [brandOf(n)], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: pm.created,
    customer: pm.customer,
    customer_account: null,
    livemode: false,
    metadata: pm.metadata,
    type: 'card',
  };
}

/** Stripe's debit and prepaid test cards; every other test card is a credit card. */
const FUNDING: Readonly<Record<string, string>> = { '4000056655665556': 'debit', '5200828282828210': 'debit', '5105105105105100': 'prepaid' };
const fundingOf = (n: string) => FUNDING[n] ?? 'credit';

function brandOf(n: string): string {
  if (n.startsWith('4')) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(n)) return 'mastercard';
  if (/^3[47]/.test(n)) return 'amex';
  if (/^6(011|5)/.test(n)) return 'discover';
  if (n.startsWith('35')) return 'jcb';
  if (n.startsWith('62')) return 'unionpay';
  return 'unknown';
}

/**
 * A charge's `payment_method_details.card`: what the domain payment recorded of the card, with what the
 * payment method adds (funding, the CVC check); `authorized` is the amount authorised, null when declined.
 */
export function chargeCardDetails(card: CardDetails, pmDoc: PaymentMethodDoc | undefined, authorized: number | null): Json {
  return {
    amount_authorized: authorized,
    authorization_code: null,
    brand: card.brand,
    checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: pmDoc?.card_data.cvc ? 'pass' : null },
    country: 'US',
    electronic_commerce_indicator: null,
    exp_month: card.exp_month,
    exp_year: card.exp_year,
    funding: fundingOf(pmDoc?.card_data.number ?? ''),
    installments: null,
    last4: card.last4,
    mandate: null,
    network: card.brand,
    network_transaction_id: null,
    regulated_status: 'unregulated',
    three_d_secure: null,
    transaction_link_id: null,
    wallet: null,
  };
}
