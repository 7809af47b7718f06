/**
 * Request parameters as Stripe checks them. The top-level names each endpoint accepts are those of
 * stripe-node's request-parameter declarations (`cjs/resources/*.d.ts`, 23.x), plus the list pagination
 * parameters and the few the API still accepts beyond them (`payment_method_types`; `client_secret` and
 * `expected_payment_method_type`, which Stripe.js sends when it confirms). An accepted name the
 * sandbox does not simulate is ignored; any other name is a 400 naming it, as on Stripe.
 */
import { isStripeCurrency, STRIPE_CURRENCIES } from './currencies.js';
import type { FormObject, FormValue } from './form-params.js';
import { invalidRequest, missingParam, unknownParam } from './stripe-errors.js';

const PAGINATION = ['limit', 'starting_after', 'ending_before'];
const set = (...names: string[][]) => new Set(names.flat());

export const ACCEPTED = {
  paymentIntentCreate: set(
    'amount currency allowed_payment_method_types amount_details application_fee_amount automatic_payment_methods capture_method confirm confirmation_method confirmation_token customer customer_account description error_on_requires_action excluded_payment_method_types expand hooks mandate mandate_data metadata off_session on_behalf_of payment_details payment_method payment_method_configuration payment_method_data payment_method_options payment_method_types radar_options receipt_email return_url setup_future_usage shipping statement_descriptor statement_descriptor_suffix transfer_data transfer_group use_stripe_sdk'.split(' '),
  ),
  paymentIntentUpdate: set(
    'allowed_payment_method_types amount amount_details application_fee_amount capture_method currency customer customer_account description excluded_payment_method_types expand hooks metadata payment_details payment_method payment_method_configuration payment_method_data payment_method_options payment_method_types receipt_email setup_future_usage shipping statement_descriptor statement_descriptor_suffix transfer_data transfer_group'.split(' '),
  ),
  paymentIntentConfirm: set(
    'allowed_payment_method_types amount_details amount_to_confirm capture_method confirmation_token error_on_requires_action excluded_payment_method_types expand hooks mandate mandate_data off_session payment_details payment_method payment_method_data payment_method_options payment_method_types radar_options receipt_email return_url setup_future_usage shipping use_stripe_sdk client_secret expected_payment_method_type'.split(' '),
  ),
  paymentIntentCapture: set('amount_details amount_to_capture application_fee_amount expand final_capture hooks metadata payment_details statement_descriptor statement_descriptor_suffix transfer_data'.split(' ')),
  paymentIntentCancel: set(['cancellation_reason', 'expand']),
  paymentIntentIncrementAuthorization: set('amount amount_details application_fee_amount description expand hooks metadata payment_details statement_descriptor transfer_data'.split(' ')),
  paymentIntentList: set(['created', 'customer', 'customer_account', 'expand'], PAGINATION),
  retrieve: set(['expand', 'client_secret']),
  setupIntentCreate: set(
    'allowed_payment_method_types attach_to_self automatic_payment_methods confirm confirmation_token customer customer_account description excluded_payment_method_types expand flow_directions mandate_data metadata on_behalf_of payment_method payment_method_configuration payment_method_data payment_method_options payment_method_types return_url single_use usage use_stripe_sdk'.split(' '),
  ),
  setupIntentUpdate: set(
    'allowed_payment_method_types attach_to_self customer customer_account description excluded_payment_method_types expand flow_directions metadata payment_method payment_method_configuration payment_method_data payment_method_options payment_method_types'.split(' '),
  ),
  setupIntentConfirm: set('allowed_payment_method_types confirmation_token expand mandate_data payment_method payment_method_data payment_method_options return_url use_stripe_sdk client_secret expected_payment_method_type'.split(' ')),
  setupIntentCancel: set(['cancellation_reason', 'expand']),
  setupIntentList: set(['attach_to_self', 'created', 'customer', 'customer_account', 'expand', 'payment_method'], PAGINATION),
  refundCreate: set('amount charge currency customer expand instructions_email metadata origin payment_intent reason refund_application_fee reverse_transfer'.split(' ')),
  refundUpdate: set(['expand', 'metadata']),
  refundCancel: set(['expand']),
  refundList: set(['charge', 'created', 'expand', 'payment_intent'], PAGINATION),
  customerCreate: set(
    'address balance business_name cash_balance description email expand individual_name invoice_prefix invoice_settings metadata name next_invoice_sequence payment_method phone preferred_locales shipping source tax tax_exempt tax_id_data test_clock validate'.split(' '),
  ),
  customerUpdate: set(
    'address balance business_name cash_balance default_source description email expand individual_name invoice_prefix invoice_settings metadata name next_invoice_sequence phone preferred_locales shipping source tax tax_exempt validate'.split(' '),
  ),
  customerList: set(['created', 'email', 'expand', 'test_clock'], PAGINATION),
  webhookEndpointCreate: set(['enabled_events', 'url', 'api_version', 'connect', 'description', 'expand', 'metadata']),
  webhookEndpointUpdate: set(['description', 'disabled', 'enabled_events', 'expand', 'metadata', 'url']),
  eventList: set(['created', 'delivery_success', 'expand', 'type', 'types'], PAGINATION),
  // With what Stripe.js's createPaymentMethod adds beside the card (as in payment_method_data).
  paymentMethodCreate: set(
    ['type', 'card', 'billing_details', 'customer', 'metadata', 'expand', 'allow_redisplay', 'payment_method', 'radar_options'],
    'payment_user_agent time_on_page guid muid sid referrer pasted_fields client_attribution_metadata'.split(' '),
  ),
  paymentMethodAttach: set(['customer', 'customer_account', 'expand']),
  paymentMethodUpdate: set(['allow_redisplay', 'billing_details', 'card', 'expand', 'metadata', 'us_bank_account']),
  paymentMethodList: set(['allow_redisplay', 'customer', 'customer_account', 'expand', 'type'], PAGINATION),
  customerPaymentMethodList: set(['allow_redisplay', 'expand', 'type'], PAGINATION),
  chargeUpdate: set(['customer', 'description', 'expand', 'fraud_details', 'metadata', 'receipt_email', 'shipping', 'transfer_group']),
  chargeList: set(['created', 'customer', 'expand', 'payment_intent', 'transfer_group'], PAGINATION),
  balanceTransactionList: set(['created', 'currency', 'expand', 'payout', 'source', 'type'], PAGINATION),
  sessionCreate: set(
    'adaptive_pricing after_expiration allow_promotion_codes allowed_payment_method_types automatic_tax billing_address_collection branding_settings cancel_url client_reference_id consent_collection currency custom_fields custom_text customer customer_account customer_creation customer_email customer_update discounts excluded_payment_method_types expand expires_at integration_identifier invoice_creation line_items locale managed_payments metadata mode name_collection optional_items origin_context payment_intent_data payment_method_collection payment_method_configuration payment_method_data payment_method_options payment_method_types permissions phone_number_collection redirect_on_completion return_url saved_payment_method_options setup_intent_data shipping_address_collection shipping_options submit_type subscription_data success_url tax_id_collection ui_mode wallet_options'.split(
      ' ',
    ),
  ),
  sessionList: set(['created', 'customer', 'customer_account', 'customer_details', 'expand', 'payment_intent', 'payment_link', 'status', 'subscription'], PAGINATION),
  sessionExpire: set(['expand']),
  listOnly: set(['expand'], PAGINATION),
} as const;

/** Rejects a parameter the endpoint does not know, naming it as Stripe does (`card[foo]` for a nested one). */
export function checkAccepted(params: FormObject, accepted: ReadonlySet<string>, prefix?: string): void {
  for (const key of Object.keys(params)) if (!accepted.has(key)) throw unknownParam(prefix ? `${prefix}[${key}]` : key);
}

/**
 * The keys of the hashes the sandbox reads, from stripe-node's declarations: a key outside them is a typo
 * Stripe would name (`automatic_payment_methods[enable]`), not an option to ignore.
 */
export const ACCEPTED_NESTED = {
  automaticPaymentMethods: set(['enabled', 'allow_redirects']),
  card: set(['number', 'exp_month', 'exp_year', 'cvc', 'networks', 'token']),
  cardUpdate: set(['exp_month', 'exp_year', 'networks']),
  created: set(['gt', 'gte', 'lt', 'lte']),
  // Every payment method type's details, plus `card` (raw test numbers, which Stripe takes in test mode) and
  // what Stripe.js adds to them (payment_user_agent, time_on_page, guid, muid, sid, referrer, pasted_fields).
  paymentMethodData: set(
    'payment_user_agent time_on_page guid muid sid referrer pasted_fields client_attribution_metadata acss_debit affirm afterpay_clearpay alipay allow_redisplay alma amazon_pay au_becs_debit bacs_debit bancontact billie billing_details bizum blik boleto card cashapp crypto customer_balance eps fpx giropay grabpay ideal interac_present kakao_pay klarna konbini kr_card link mb_way metadata mobilepay multibanco naver_pay nz_bank_account oxxo p24 pay_by_bank payco paynow paypal paypay payto pix promptpay radar_options revolut_pay samsung_pay satispay scalapay sepa_debit sequra sofort sunbit swish twint type upi us_bank_account wechat_pay zip'.split(
      ' ',
    ),
  ),
  lineItem: set(['adjustable_quantity', 'dynamic_tax_rates', 'metadata', 'price', 'price_data', 'quantity', 'tax_rates']),
  priceData: set(['currency', 'product', 'product_data', 'recurring', 'tax_behavior', 'unit_amount', 'unit_amount_decimal']),
  productData: set(['description', 'images', 'metadata', 'name', 'tax_code', 'tax_details', 'unit_label']),
  sessionSetupIntentData: set(['description', 'metadata', 'on_behalf_of']),
  sessionPaymentIntentData: set(
    'application_fee_amount capture_method description metadata on_behalf_of receipt_email setup_future_usage shipping statement_descriptor statement_descriptor_suffix transfer_data transfer_group'.split(' '),
  ),
} as const;

/** Stripe's longest string parameter: 5,000 characters (most are shorter on Stripe, none longer). */
export const MAX_STRING_LENGTH = 5000;

export function str(params: FormObject, name: string): string | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`Invalid string: ${name} must be a string.`, { param: name });
  if (v.length > MAX_STRING_LENGTH) throw invalidRequest(`Invalid string: ${v.slice(0, 20)}...; must be at most ${MAX_STRING_LENGTH} characters`, { param: name });
  return v;
}

export function requiredStr(params: FormObject, name: string): string {
  const v = str(params, name);
  if (v === undefined || v === '') throw missingParam(name);
  return v;
}

/** Stripe's "unset" is an empty value: a nullable string parameter sent as `name=` becomes null. */
export function nullableStr(params: FormObject, name: string): string | null | undefined {
  const v = str(params, name);
  return v === '' ? null : v;
}

/** An integer parameter; `param` names it in errors when it sits inside a hash (`line_items[0][quantity]`). */
export function int(params: FormObject, name: string, opts: { min?: number; max?: number; param?: string } = {}): number | undefined {
  const v = params[name];
  const param = opts.param ?? name;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw invalidRequest(`Invalid integer: ${typeof v === 'string' ? v : param}`, { param, code: 'parameter_invalid_integer' });
  const n = Number(v);
  if (opts.min !== undefined && n < opts.min) throw invalidRequest(`This value must be greater than or equal to ${opts.min}.`, { param });
  if (opts.max !== undefined && n > opts.max) throw invalidRequest(`This value must be less than or equal to ${opts.max}.`, { param });
  return n;
}

/** An absolute http(s) URL, as Stripe requires of `success_url`, `cancel_url` and `return_url`. */
export function urlParam(params: FormObject, name: string): string | null | undefined {
  const v = nullableStr(params, name);
  if (v === undefined || v === null) return v;
  let ok = false;
  try {
    const u = new URL(v);
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) throw invalidRequest('Not a valid URL', { param: name, code: 'url_invalid' });
  return v;
}

export function bool(params: FormObject, name: string): boolean | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalidRequest(`Invalid boolean: ${typeof v === 'string' ? v : name}`, { param: name });
}

/** `a, b, or c`, as Stripe lists an enum's values. */
function oneOfList(values: readonly string[]): string {
  return values.length > 1 ? `${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}` : values.join('');
}

export function oneOf<T extends string>(params: FormObject, name: string, values: readonly T[]): T | undefined {
  const v = str(params, name);
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) {
    throw invalidRequest(`Invalid ${name}: must be one of ${oneOfList(values)}`, { param: name });
  }
  return v as T;
}

export function obj(params: FormObject, name: string): FormObject | undefined {
  const v = params[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidRequest(`Invalid object: ${name} must be an object.`, { param: name });
  return v;
}

export function arr(params: FormObject, name: string): FormValue[] | undefined {
  const v = params[name];
  if (v === undefined || v === '') return v === '' ? [] : undefined;
  if (!Array.isArray(v)) throw invalidRequest(`Invalid array: ${name} must be an array.`, { param: name });
  return v;
}

export function strArray(params: FormObject, name: string): string[] | undefined {
  const a = arr(params, name);
  if (!a) return undefined;
  return a.map((x, i) => {
    if (typeof x !== 'string') throw invalidRequest(`Invalid string: ${name}[${i}] must be a string.`, { param: `${name}[${i}]` });
    return x;
  });
}

/**
 * Merges `metadata`: keys set to '' are removed (Stripe's unset), `metadata=` clears everything. Stripe
 * allows 50 keys of up to 40 characters with values up to 500.
 */
export function metadata(params: FormObject, current: Record<string, string> = {}): Record<string, string> | undefined {
  const v = params.metadata;
  if (v === undefined) return undefined;
  if (v === '') return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidRequest('Invalid object: metadata must be an object.', { param: 'metadata' });
  const out = { ...current };
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw invalidRequest(`Invalid string: metadata[${k}] must be a string.`, { param: `metadata[${k}]` });
    if (k.length > 40) throw invalidRequest(`Invalid metadata key: keys can be at most 40 characters (${k}).`, { param: `metadata[${k}]` });
    if (val.length > 500) throw invalidRequest(`Invalid metadata value: values can be at most 500 characters (metadata[${k}]).`, { param: `metadata[${k}]` });
    if (val === '') delete out[k];
    // Defined, not assigned: a key named `__proto__` is kept like any other.
    else Object.defineProperty(out, k, { value: val, enumerable: true, writable: true, configurable: true });
  }
  if (Object.keys(out).length > 50) throw invalidRequest('Invalid metadata: at most 50 keys.', { param: 'metadata' });
  return out;
}

/** `expand[]` paths, e.g. `['latest_charge', 'data.customer']`. */
export function expandList(params: FormObject): string[] {
  return strArray(params, 'expand') ?? [];
}

/** A three-letter currency code Stripe supports, lower case as Stripe answers it. */
export function currency(params: FormObject, name = 'currency', param = name): string | undefined {
  const v = params[name];
  if (v !== undefined && typeof v !== 'string') throw invalidRequest(`Invalid string: ${param} must be a string.`, { param });
  if (v === undefined || v === '') return undefined;
  const code = v.toLowerCase();
  if (!isStripeCurrency(code)) {
    throw invalidRequest(`Invalid currency: ${code}. Stripe currently supports these currencies: ${STRIPE_CURRENCIES.join(', ')}`, { param });
  }
  return code;
}
