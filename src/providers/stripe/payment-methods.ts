/**
 * PaymentMethods: Stripe's test aliases (`pm_card_visa`, `tok_visa`, …), raw test card numbers through
 * `card[number]` / `payment_method_data[card][number]`, and stored `pm_…` objects.
 */
import { luhnValid, normaliseCardNumber } from '../../engine/cards.js';
import type { FormObject } from './form-params.js';
import { ACCEPTED, ACCEPTED_NESTED, checkAccepted, metadata } from './params.js';
import { cardValidationError, invalidRequest, missingParam, resourceMissing } from './stripe-errors.js';
import { COLLECTIONS, type CardData, type CustomerDoc, type PaymentMethodDoc, type StripeUnit } from './stripe-state.js';
import { standInFor, testCardFor } from './test-payment-methods.js';

/** Test cards never expire in Stripe's aliases. */
const ALIAS_EXPIRY = { exp_month: 12, exp_year: 2034 };

/**
 * Card details as given; an expired card is a decline at confirmation (the shared engine decides), not an
 * error here. Stripe's test numbers the shared card table lacks (4000000000000341…) stand for their alias.
 */
function cardFromParams(card: FormObject, prefix: string): CardData & { setupSucceeds?: true } {
  checkAccepted(card, ACCEPTED_NESTED.card, prefix);
  if (typeof card.token === 'string') {
    const alias = testCardFor(card.token);
    if (!alias) throw resourceMissing('token', card.token, `${prefix}[token]`);
    return { number: alias.number, ...ALIAS_EXPIRY };
  }
  const rawNumber = card.number;
  if (typeof rawNumber !== 'string' || rawNumber === '') throw missingParam(`${prefix}[number]`);
  const number = normaliseCardNumber(rawNumber);
  if (!luhnValid(number)) {
    throw cardValidationError('incorrect_number', 'Your card number is incorrect.', `${prefix}[number]`);
  }
  const month = Number(card.exp_month);
  let year = Number(card.exp_year);
  if (card.exp_month === undefined) throw missingParam(`${prefix}[exp_month]`);
  if (card.exp_year === undefined) throw missingParam(`${prefix}[exp_year]`);
  if (!Number.isInteger(month) || month < 1 || month > 12) throw cardValidationError('invalid_expiry_month', "Your card's expiration month is invalid.", `${prefix}[exp_month]`);
  if (!Number.isInteger(year)) throw cardValidationError('invalid_expiry_year', "Your card's expiration year is invalid.", `${prefix}[exp_year]`);
  if (year < 100) year += 2000;
  const standIn = standInFor(number);
  return {
    number: standIn?.number ?? number,
    exp_month: month,
    exp_year: year,
    ...(typeof card.cvc === 'string' ? { cvc: card.cvc } : {}),
    ...(standIn?.setupSucceeds ? { setupSucceeds: true as const } : {}),
  };
}

function billingDetails(params: FormObject | undefined, current?: PaymentMethodDoc['billing_details']): PaymentMethodDoc['billing_details'] {
  const s = (k: 'email' | 'name' | 'phone') => {
    const v = params?.[k];
    if (typeof v === 'string') return v === '' ? null : v;
    return current ? current[k] : null;
  };
  return { email: s('email'), name: s('name'), phone: s('phone'), address: current?.address ?? null };
}

function store(unit: StripeUnit, given: CardData & { setupSucceeds?: true }, extra: { billing?: FormObject; metadata?: Record<string, string>; customer?: string | null; setupSucceeds?: true }): PaymentMethodDoc {
  const { setupSucceeds, ...card } = given;
  const pm: PaymentMethodDoc = {
    id: unit.newId('pm'),
    object: 'payment_method',
    merchant_id: unit.merchant.id,
    type: 'card',
    card_data: card,
    billing_details: billingDetails(extra.billing),
    customer: extra.customer ?? null,
    metadata: extra.metadata ?? {},
    created: Math.floor(unit.nowMs / 1000),
    ...(extra.setupSucceeds || setupSucceeds ? { setup_succeeds: true as const } : {}),
  };
  unit.put(COLLECTIONS.paymentMethods, pm);
  return pm;
}

/** `POST /v1/payment_methods` with `type=card` and `card[...]`. */
export function createPaymentMethod(unit: StripeUnit, params: FormObject, meta: Record<string, string> | undefined): PaymentMethodDoc {
  const type = params.type;
  if (type === undefined) throw missingParam('type');
  if (type !== 'card') throw invalidRequest(`The payment method type ${String(type)} is not simulated by the sandbox; use type=card.`, { param: 'type' });
  const card = params.card;
  if (!card || typeof card !== 'object' || Array.isArray(card)) throw missingParam('card');
  return store(unit, cardFromParams(card, 'card'), { billing: asObj(params.billing_details), metadata: meta });
}

const asObj = (v: unknown): FormObject | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as FormObject) : undefined);

/**
 * The payment method an intent will use, from `payment_method` (a stored `pm_…` or a test alias, which
 * mints a new PaymentMethod as Stripe does) or `payment_method_data`. Undefined when neither is given.
 */
export function resolvePaymentMethod(unit: StripeUnit, params: FormObject): PaymentMethodDoc | undefined {
  const pmData = asObj(params.payment_method_data);
  if (pmData) {
    checkAccepted(pmData, ACCEPTED_NESTED.paymentMethodData, 'payment_method_data');
    if (pmData.type !== 'card') throw invalidRequest('Only payment_method_data[type]=card is simulated by the sandbox.', { param: 'payment_method_data[type]' });
    const card = asObj(pmData.card);
    if (!card) throw missingParam('payment_method_data[card]');
    return store(unit, cardFromParams(card, 'payment_method_data[card]'), { billing: asObj(pmData.billing_details) });
  }
  const id = params.payment_method;
  if (id === undefined || id === '') return undefined;
  if (typeof id !== 'string') throw invalidRequest('Invalid string: payment_method', { param: 'payment_method' });
  return paymentMethodById(unit, id, 'payment_method');
}

export function paymentMethodById(unit: StripeUnit, id: string, param = 'id'): PaymentMethodDoc {
  const alias = testCardFor(id);
  if (alias) return store(unit, { number: alias.number, ...ALIAS_EXPIRY }, alias.setupSucceeds ? { setupSucceeds: true } : {});
  const pm = unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, id);
  if (!pm || pm.merchant_id !== unit.merchant.id) throw resourceMissing('PaymentMethod', id, param);
  return pm;
}

/** `POST /v1/payment_methods/:id/attach`. */
export function attachPaymentMethod(unit: StripeUnit, pm: PaymentMethodDoc, customerId: string): PaymentMethodDoc {
  const customer = unit.get<CustomerDoc>(COLLECTIONS.customers, customerId);
  if (!customer || customer.deleted || customer.merchant_id !== unit.merchant.id) throw resourceMissing('customer', customerId, 'customer');
  if (pm.customer && pm.customer !== customerId) {
    throw invalidRequest('The payment method you provided has already been attached to a customer.', { param: 'payment_method' });
  }
  const next = { ...pm, customer: customerId };
  unit.put(COLLECTIONS.paymentMethods, next);
  return next;
}

/** `POST /v1/payment_methods/:id`: metadata, billing details and a card's expiry. */
export function updatePaymentMethod(unit: StripeUnit, pm: PaymentMethodDoc, params: FormObject): PaymentMethodDoc {
  checkAccepted(params, ACCEPTED.paymentMethodUpdate);
  const card = asObj(params.card);
  if (card) checkAccepted(card, ACCEPTED_NESTED.cardUpdate, 'card');
  const month = card?.exp_month === undefined ? undefined : Number(card.exp_month);
  const year = card?.exp_year === undefined ? undefined : Number(card.exp_year);
  if (month !== undefined && (!Number.isInteger(month) || month < 1 || month > 12)) {
    throw cardValidationError('invalid_expiry_month', "Your card's expiration month is invalid.", 'card[exp_month]');
  }
  if (year !== undefined && !Number.isInteger(year)) throw cardValidationError('invalid_expiry_year', "Your card's expiration year is invalid.", 'card[exp_year]');
  const billing = asObj(params.billing_details);
  const next: PaymentMethodDoc = {
    ...pm,
    card_data: { ...pm.card_data, ...(month !== undefined ? { exp_month: month } : {}), ...(year !== undefined ? { exp_year: year < 100 ? year + 2000 : year } : {}) },
    billing_details: billing ? { ...pm.billing_details, ...billingDetails(billing, pm.billing_details) } : pm.billing_details,
    metadata: metadata(params, pm.metadata) ?? pm.metadata,
  };
  unit.put(COLLECTIONS.paymentMethods, next);
  return next;
}
