/**
 * Stripe Checkout's wire objects: sessions (with the hosted payment page's URL on the provider's own
 * port while open) and their line items.
 */
import type { CheckoutSessionDoc } from './stripe-state.js';
import type { WireContext } from './wire-objects.js';

type Json = Record<string, unknown>;

/** The product a line item's `price_data[product_data]` made, as `expand[]=…price.product` shows it. */
export function productObject(li: CheckoutSessionDoc['line_items'][number], created: number): Json {
  return {
    id: `prod_${li.id.slice(3)}`,
    object: 'product',
    active: true,
    created,
    description: null,
    images: [],
    livemode: false,
    metadata: {},
    name: li.product_name,
    type: 'service',
    updated: created,
    url: null,
  };
}

export function lineItemObject(li: CheckoutSessionDoc['line_items'][number], created: number): Json {
  const total = li.unit_amount * li.quantity;
  return {
    id: li.id,
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: total,
    amount_tax: 0,
    amount_total: total,
    currency: li.currency,
    description: li.description,
    price: {
      id: li.price ?? `price_${li.id.slice(3)}`,
      object: 'price',
      active: true,
      billing_scheme: 'per_unit',
      created,
      currency: li.currency,
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: null,
      product: `prod_${li.id.slice(3)}`,
      recurring: null,
      tax_behavior: 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: 'one_time',
      unit_amount: li.unit_amount,
      unit_amount_decimal: String(li.unit_amount),
    },
    metadata: {},
    quantity: li.quantity,
  };
}

/** Where the buyer goes once the session is complete: `success_url` with `{CHECKOUT_SESSION_ID}` filled in. */
export function successLocation(cs: CheckoutSessionDoc): string | null {
  return cs.success_url ? cs.success_url.replace(/\{CHECKOUT_SESSION_ID\}/g, cs.id) : null;
}

/** The session as it is once its intent has been paid (or authorised), or null while it is not. */
export function completedView(cs: CheckoutSessionDoc, intentStatus: string): CheckoutSessionDoc | null {
  if (cs.status !== 'open' || (intentStatus !== 'succeeded' && intentStatus !== 'requires_capture')) return null;
  return { ...cs, status: 'complete', payment_status: intentStatus === 'succeeded' ? 'paid' : 'unpaid' };
}

/**
 * What a hosted payment session shows for the options the sandbox does not simulate (tax, promotion codes,
 * custom fields, shipping, consent…): present as on Stripe, with their empty or default values.
 */
const UNSIMULATED_SESSION_FIELDS = {
  adaptive_pricing: null,
  after_expiration: null,
  allow_promotion_codes: null,
  allowed_payment_method_types: null,
  automatic_tax: { enabled: false, liability: null, provider: null, status: null },
  billing_address_collection: null,
  client_secret: null,
  collected_information: null,
  consent: null,
  consent_collection: null,
  currency_conversion: null,
  custom_fields: [],
  custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
  customer_account: null,
  discounts: [],
  integration_identifier: null,
  invoice: null,
  invoice_creation: null,
  locale: null,
  managed_payments: null,
  origin_context: null,
  payment_link: null,
  payment_method_configuration_details: null,
  payment_method_options: {},
  permissions: null,
  recovered_from: null,
  saved_payment_method_options: null,
  setup_intent: null,
  shipping_address_collection: null,
  shipping_cost: null,
  shipping_options: [],
  submit_type: null,
  subscription: null,
  total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
  wallet_options: null,
} as const;

export function checkoutSessionObject(ctx: WireContext, cs: CheckoutSessionDoc): Json {
  // A setup session has no amount: nothing is paid.
  const amount = cs.mode === 'setup' ? null : cs.amount_total;
  return {
    ...structuredClone(UNSIMULATED_SESSION_FIELDS),
    id: cs.id,
    object: 'checkout.session',
    amount_subtotal: amount,
    amount_total: amount,
    cancel_url: cs.cancel_url,
    client_reference_id: cs.client_reference_id,
    created: cs.created,
    currency: cs.currency,
    customer: cs.customer,
    // Stripe's default for a payment session: a customer is created only when one is needed.
    customer_creation: cs.options?.customer_creation ?? (cs.mode === 'payment' && cs.customer === null ? 'if_required' : null),
    locale: cs.options?.locale ?? null,
    submit_type: cs.options?.submit_type ?? null,
    billing_address_collection: cs.options?.billing_address_collection ?? null,
    allow_promotion_codes: cs.options?.allow_promotion_codes ?? null,
    // Filled in once the buyer has paid (fulfilment code reads customer_details.email), or from customer_email.
    customer_details:
      cs.status === 'complete' || cs.customer_email
        ? { address: null, email: cs.customer_email, name: null, phone: null, tax_exempt: 'none', tax_ids: [] }
        : null,
    customer_email: cs.customer_email,
    expires_at: cs.expires_at,
    livemode: false,
    metadata: cs.metadata,
    mode: cs.mode,
    payment_intent: cs.payment_intent,
    // Set only in subscription mode, where it defaults to `always`.
    payment_method_collection: cs.mode === 'subscription' ? 'always' : null,
    payment_method_types: ['card'],
    payment_status: cs.payment_status,
    setup_intent: cs.setup_intent ?? null,
    status: cs.status,
    success_url: cs.success_url,
    // Named `hosted_page` since API version 2026-03-25.dahlia (`hosted` before).
    ui_mode: 'hosted_page',
    url: cs.status === 'open' ? `${ctx.baseUrl}/c/pay/${cs.id}` : null,
  };
}
