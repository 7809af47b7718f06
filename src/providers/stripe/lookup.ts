/**
 * Finding wire objects by id (for retrieve routes and `expand[]`), and Stripe's list envelope with cursor
 * pagination.
 */
import type { Payment } from '../../engine/types.js';
import { customerObject } from './account-objects.js';
import { setupIntentObject } from './setup-intents.js';
import { lineItemObject, productObject } from './checkout-objects.js';
import type { FormObject } from './form-params.js';
import { ACCEPTED_NESTED, checkAccepted, int, str } from './params.js';
import { STRIPE } from './stripe-reader.js';
import { invalidRequest, resourceMissing } from './stripe-errors.js';
import {
  COLLECTIONS,
  intentIdOf,
  paymentIdOfCharge,
  type CheckoutSessionDoc,
  type CustomerDoc,
  type PaymentIntentDoc,
  type PaymentMethodDoc,
  type SetupIntentDoc,
} from './stripe-state.js';
import {
  chargeBalanceTransaction,
  chargeObject,
  chargeRefunds,
  hasCharge,
  paymentIntentObject,
  paymentMethodObject,
  refundBalanceTransaction,
  refundObject,
  type WireContext,
} from './wire-objects.js';

type Json = Record<string, unknown>;

export function intentOfPayment(ctx: WireContext, payment: Payment): PaymentIntentDoc | undefined {
  const piId = intentIdOf(payment);
  return piId ? ctx.unit.get<PaymentIntentDoc>(COLLECTIONS.paymentIntents, piId) : undefined;
}

/** The domain payment behind a charge id, if it is this merchant's and was charged. */
export function chargedPayment(ctx: WireContext, chargeId: string): Payment | undefined {
  if (!chargeId.startsWith('ch_')) return undefined;
  const p = ctx.unit.payment(paymentIdOfCharge(chargeId));
  return p && p.merchant_id === ctx.unit.merchant.id && p.provider === STRIPE && hasCharge(p) ? p : undefined;
}

export function chargeById(ctx: WireContext, id: string, param = 'id'): Json {
  const p = chargedPayment(ctx, id);
  if (!p) throw resourceMissing('charge', id, param);
  return chargeObject(ctx, p, intentOfPayment(ctx, p));
}

export function refundById(ctx: WireContext, id: string): Json {
  const r = ctx.unit.refund(id);
  if (!r || r.merchant_id !== ctx.unit.merchant.id) throw resourceMissing('refund', id);
  const p = ctx.unit.payment(r.payment_id);
  return refundObject(r, p ? intentOfPayment(ctx, p) : undefined);
}

export function balanceTransactionById(ctx: WireContext, id: string): Json {
  // A charge's is `txn_<payment suffix>`, a refund's `txn_r<refund suffix>`; a random payment suffix may
  // itself begin with `r`, so a `txn_r…` id that names no refund may still be a charge's.
  if (id.startsWith('txn_r')) {
    const r = ctx.unit.refund(`re_${id.slice(5)}`);
    if (r && r.merchant_id === ctx.unit.merchant.id && r.status === 'succeeded') return refundBalanceTransaction(r);
  }
  if (id.startsWith('txn_')) {
    const p = ctx.unit.payment(`pay_${id.slice(4)}`);
    if (p && p.merchant_id === ctx.unit.merchant.id && p.provider === STRIPE && p.captured_at !== null) return chargeBalanceTransaction(p);
  }
  throw resourceMissing('balance_transaction', id);
}

/** Any object an id names, as its wire object (or undefined for an unknown prefix). */
export function objectById(ctx: WireContext, id: string): Json | undefined {
  const own = <T extends { id: string; merchant_id: string }>(collection: Parameters<typeof ctx.unit.get>[0]) => {
    const doc = ctx.unit.get<T>(collection, id);
    if (!doc || doc.merchant_id !== ctx.unit.merchant.id) throw resourceMissing(id.slice(0, id.indexOf('_')), id);
    return doc;
  };
  if (id.startsWith('pi_')) return paymentIntentObject(ctx, own<PaymentIntentDoc>(COLLECTIONS.paymentIntents));
  if (id.startsWith('seti_')) return setupIntentObject(ctx, own<SetupIntentDoc>(COLLECTIONS.setupIntents));
  if (id.startsWith('ch_')) return chargeById(ctx, id);
  if (id.startsWith('pm_')) return paymentMethodObject(own<PaymentMethodDoc>(COLLECTIONS.paymentMethods));
  if (id.startsWith('cus_')) return customerObject(own<CustomerDoc>(COLLECTIONS.customers));
  if (id.startsWith('re_')) return refundById(ctx, id);
  if (id.startsWith('txn_')) return balanceTransactionById(ctx, id);
  if (id.startsWith('prod_')) return productById(ctx, id);
  return undefined;
}

/** The product behind a Checkout line item (`prod_<line item id>`): found through the merchant's sessions. */
function productById(ctx: WireContext, id: string): Json {
  const liId = `li_${id.slice(5)}`;
  for (const cs of ctx.unit.list<CheckoutSessionDoc>(COLLECTIONS.checkoutSessions)) {
    if (cs.merchant_id !== ctx.unit.merchant.id) continue;
    const li = cs.line_items.find((x) => x.id === liId);
    if (li) return productObject(li, cs.created);
  }
  throw resourceMissing('product', id);
}

/**
 * Fields Stripe leaves out unless `expand[]` asks for them: a Checkout Session's `line_items` (the first page
 * of the list, as Stripe includes it) and a charge's `refunds`.
 */
function includable(ctx: WireContext, target: Json, field: string): Json | undefined {
  if (typeof target.id !== 'string') return undefined;
  if (target.object === 'charge' && field === 'refunds') {
    const p = chargedPayment(ctx, target.id);
    return p ? chargeRefunds(ctx, p, intentOfPayment(ctx, p)) : undefined;
  }
  if (target.object !== 'checkout.session' || field !== 'line_items') return undefined;
  const cs = ctx.unit.get<CheckoutSessionDoc>(COLLECTIONS.checkoutSessions, target.id);
  if (!cs || cs.merchant_id !== ctx.unit.merchant.id) return undefined;
  return page([...cs.line_items].reverse(), { limit: 10 }, `/v1/checkout/sessions/${cs.id}/line_items`, (li) => lineItemObject(li, cs.created));
}

/**
 * Applies `expand[]` paths to an object: each path names a field holding an id (or, through `data.`, the
 * same field of every element of a list), optionally followed by deeper fields of the expanded object.
 */
export function expand(ctx: WireContext, object: Json, paths: readonly string[]): Json {
  if (paths.length === 0) return object;
  // Expansion writes into the object it expands, and a wire object may be a stored document itself (an
  // event, which is also what a resend sends): the answer gets its own copy.
  const answer = structuredClone(object);
  for (const path of paths) expandPath(ctx, answer, path.split('.'), path);
  return answer;
}

function expandPath(ctx: WireContext, target: Json, segments: string[], full: string): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  if (head === 'data' && Array.isArray(target.data)) {
    for (const item of target.data as Json[]) expandPath(ctx, item, rest, full);
    return;
  }
  if (!(head in target)) {
    const included = includable(ctx, target, head);
    if (!included) throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
    target[head] = included;
  }
  let value = target[head];
  if (typeof value === 'string') {
    const found = objectById(ctx, value);
    if (!found) throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
    value = structuredClone(found);
    target[head] = value;
  }
  if (value && typeof value === 'object' && rest.length > 0) expandPath(ctx, value as Json, rest, full);
}

/**
 * The fields `expand[]` may name on each object a create or update answers with, and the object each
 * expands to (a list's `data`, then its elements' fields). Checked before the operation stages anything:
 * its answer is rendered after, when a refused path could no longer leave the state as it was.
 */
const EXPANDABLE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  payment_intent: { customer: 'customer', latest_charge: 'charge', payment_method: 'payment_method' },
  setup_intent: { customer: 'customer', payment_method: 'payment_method' },
  charge: { balance_transaction: 'balance_transaction', customer: 'customer', payment_intent: 'payment_intent', payment_method: 'payment_method' },
  refund: { balance_transaction: 'balance_transaction', charge: 'charge', payment_intent: 'payment_intent' },
  payment_method: { customer: 'customer' },
  customer: { 'invoice_settings.default_payment_method': 'payment_method' },
  'checkout.session': { customer: 'customer', payment_intent: 'payment_intent', setup_intent: 'setup_intent', line_items: 'list:item' },
  item: { 'price.product': 'product' },
  balance_transaction: {},
  webhook_endpoint: {},
  product: {},
};

/** Refuses an `expand[]` path that an object of type `type` cannot expand, whatever its current values. */
export function checkExpandable(paths: readonly string[], type: string): void {
  for (const full of paths) {
    let at = type;
    const segments = full.split('.');
    for (let i = 0; i < segments.length; i++) {
      if (at.startsWith('list:')) {
        if (segments[i] !== 'data') throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
        at = at.slice(5);
        continue;
      }
      const fields = EXPANDABLE[at] ?? {};
      const two = `${segments[i]}.${segments[i + 1]}`;
      const next = Object.hasOwn(fields, segments[i]!) ? fields[segments[i]!] : Object.hasOwn(fields, two) ? (i++, fields[two]) : undefined;
      if (next === undefined) throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
      at = next;
    }
  }
}

export interface ListParams {
  limit: number;
  starting_after?: string;
  ending_before?: string;
  /** From `created` (a timestamp, or `created[gt|gte|lt|lte]`): whether an object's `created` is wanted. */
  created?: (created: number) => boolean;
}

/** Stripe's `created` list filter: `created=<unix>` for one second, or a range of `gt`, `gte`, `lt`, `lte`. */
function createdFilter(params: FormObject): ((created: number) => boolean) | undefined {
  const v = params.created;
  if (v === undefined || v === '') return undefined;
  if (typeof v === 'string') {
    const at = int(params, 'created');
    return (c) => c === at;
  }
  if (Array.isArray(v)) throw invalidRequest('Invalid created: must be a timestamp or a hash of gt, gte, lt, lte.', { param: 'created' });
  checkAccepted(v, ACCEPTED_NESTED.created, 'created');
  const bound = (k: string) => {
    const b = v[k];
    if (b === undefined) return undefined;
    if (typeof b !== 'string' || !/^-?\d+$/.test(b)) throw invalidRequest(`Invalid integer: ${typeof b === 'string' ? b : `created[${k}]`}`, { param: `created[${k}]`, code: 'parameter_invalid_integer' });
    return Number(b);
  };
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  return (c) => (gt === undefined || c > gt) && (gte === undefined || c >= gte) && (lt === undefined || c < lt) && (lte === undefined || c <= lte);
}

export function listParams(params: FormObject): ListParams {
  const limit = int(params, 'limit', { min: 1, max: 100 }) ?? 10;
  const starting_after = str(params, 'starting_after') || undefined;
  const ending_before = str(params, 'ending_before') || undefined;
  const created = createdFilter(params);
  return { limit, starting_after, ending_before, ...(created ? { created } : {}) };
}

/**
 * One page of `items` (given oldest first; Stripe lists newest first). `starting_after` pages towards older
 * objects, `ending_before` towards newer ones; an unknown cursor is a 400 naming it, like Stripe.
 */
export function page<T extends { id: string }>(items: readonly T[], p: ListParams, url: string, render: (item: T) => Json): Json {
  const wanted = p.created;
  const newestFirst = (wanted ? items.filter((x) => typeof (x as { created?: unknown }).created !== 'number' || wanted((x as unknown as { created: number }).created)) : [...items]).reverse();
  let slice: T[];
  let hasMore: boolean;
  if (p.ending_before) {
    const i = newestFirst.findIndex((x) => x.id === p.ending_before);
    if (i === -1) throw invalidRequest(`No such object: '${p.ending_before}'`, { param: 'ending_before', code: 'resource_missing' });
    const before = newestFirst.slice(0, i);
    slice = before.slice(Math.max(0, before.length - p.limit));
    hasMore = before.length > p.limit;
  } else {
    let start = 0;
    if (p.starting_after) {
      const i = newestFirst.findIndex((x) => x.id === p.starting_after);
      if (i === -1) throw invalidRequest(`No such object: '${p.starting_after}'`, { param: 'starting_after', code: 'resource_missing' });
      start = i + 1;
    }
    slice = newestFirst.slice(start, start + p.limit);
    hasMore = start + p.limit < newestFirst.length;
  }
  return { object: 'list', data: slice.map(render), has_more: hasMore, url };
}
