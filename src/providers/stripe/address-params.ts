/**
 * Address and shipping hashes, as customers and PaymentIntents take them: every key optional in an
 * address, a shipping's `name` and `address` required, an empty value unsetting the whole hash.
 */
import type { FormObject, FormValue } from './form-params.js';
import { checkAccepted, nullableStr, obj, str } from './params.js';
import { invalidRequest, missingParam } from './stripe-errors.js';
import type { CustomerAddress, Shipping } from './stripe-state.js';

const ADDRESS_KEYS = ['city', 'country', 'line1', 'line2', 'postal_code', 'state'] as const;
const CUSTOMER_SHIPPING_KEYS = new Set(['address', 'name', 'phone']);
/** A PaymentIntent's shipping also names the carrier and the tracking number. */
const INTENT_SHIPPING_KEYS = new Set([...CUSTOMER_SHIPPING_KEYS, 'carrier', 'tracking_number']);

/** A hash parameter, or null when sent empty (Stripe's "unset"), or undefined when absent. */
export function hash(params: FormObject, name: string): FormObject | null | undefined {
  if (params[name] === '') return null;
  const value = obj(params, name);
  return value === undefined ? undefined : value;
}

export function addressParam(params: FormObject, name: string, param: string): CustomerAddress | null | undefined {
  const o = hash(params, name);
  if (!o) return o;
  checkAccepted(o, new Set(ADDRESS_KEYS), param);
  const field = (key: (typeof ADDRESS_KEYS)[number]): string | null => {
    const v: FormValue | undefined = o[key];
    if (v !== undefined && typeof v !== 'string') throw invalidRequest(`Invalid string: ${param}[${key}] must be a string.`, { param: `${param}[${key}]` });
    return v === undefined || v === '' ? null : v;
  };
  return { city: field('city'), country: field('country'), line1: field('line1'), line2: field('line2'), postal_code: field('postal_code'), state: field('state') };
}

/** A customer's `shipping` (`intent`: a PaymentIntent's, with `carrier` and `tracking_number`). */
export function shippingParam(params: FormObject, of: 'customer' | 'intent' = 'customer'): Shipping | null | undefined {
  const o = hash(params, 'shipping');
  if (!o) return o;
  checkAccepted(o, of === 'intent' ? INTENT_SHIPPING_KEYS : CUSTOMER_SHIPPING_KEYS, 'shipping');
  const address = addressParam(o, 'address', 'shipping[address]');
  if (!address) throw missingParam('shipping[address]');
  const name = str(o, 'name');
  if (!name) throw missingParam('shipping[name]');
  const shipping: Shipping = { address, name, phone: nullableStr(o, 'phone') ?? null };
  if (of === 'intent') {
    shipping.carrier = nullableStr(o, 'carrier') ?? null;
    shipping.tracking_number = nullableStr(o, 'tracking_number') ?? null;
  }
  return shipping;
}
