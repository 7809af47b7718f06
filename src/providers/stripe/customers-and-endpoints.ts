/**
 * Customers and webhook endpoints: plain documents of the provider, with Stripe's validation and answers.
 */
import { customerObject } from './account-objects.js';
import { addressParam, hash, shippingParam } from './address-params.js';
import { STRIPE_ENABLED_EVENT_TYPES } from './enabled-event-types.js';
import { attachPaymentMethod, paymentMethodById } from './payment-methods.js';
import type { FormObject } from './form-params.js';
import { ACCEPTED, bool, checkAccepted, metadata, nullableStr, str, strArray } from './params.js';
import { invalidRequest, missingParam, resourceMissing } from './stripe-errors.js';
import { emit, STRIPE_EVENT_TYPES } from './stripe-events.js';
import { COLLECTIONS, type CustomerDoc, type PaymentMethodDoc, type WebhookEndpointDoc } from './stripe-state.js';
import { paymentMethodObject, type OpContext } from './wire-objects.js';

export function findCustomer(ctx: OpContext, id: string, opts: { includeDeleted?: boolean } = {}): CustomerDoc {
  const c = ctx.unit.get<CustomerDoc>(COLLECTIONS.customers, id);
  if (!c || c.merchant_id !== ctx.unit.merchant.id || (c.deleted && !opts.includeDeleted)) throw resourceMissing('customer', id);
  return c;
}

const INVOICE_SETTINGS_KEYS = new Set(['custom_fields', 'default_payment_method', 'footer', 'rendering_options']);

/**
 * `invoice_settings[default_payment_method]`: a card attached to this customer (`attaching` is the one
 * `payment_method` attaches in the same create). Undefined when not sent.
 */
function defaultPaymentMethodParam(ctx: OpContext, params: FormObject, customerId: string | null, attaching?: string): string | null | undefined {
  const settings = hash(params, 'invoice_settings');
  if (!settings) return settings === null ? null : undefined;
  checkAccepted(settings, INVOICE_SETTINGS_KEYS, 'invoice_settings');
  const id = nullableStr(settings, 'default_payment_method');
  if (!id) return id;
  const param = 'invoice_settings[default_payment_method]';
  // Looked up, never minted: a test alias (`pm_card_visa`) names no card of this customer.
  const pm = ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, id);
  if (!pm || pm.merchant_id !== ctx.unit.merchant.id) throw resourceMissing('PaymentMethod', id, param);
  if (pm.id !== attaching && (customerId === null || pm.customer !== customerId)) {
    throw invalidRequest(`The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`, { param });
  }
  return pm.id;
}

export function createCustomer(ctx: OpContext, params: FormObject): CustomerDoc {
  checkAccepted(params, ACCEPTED.customerCreate);
  // `payment_method` attaches a card to the new customer, as Stripe does.
  const pmId = nullableStr(params, 'payment_method');
  const pm = pmId ? paymentMethodById(ctx.unit, pmId, 'payment_method') : undefined;
  // Checked before anything is stored: a failed request leaves no customer behind.
  if (pm?.customer) throw invalidRequest('The payment method you provided has already been attached to a customer.', { param: 'payment_method' });
  const c: CustomerDoc = {
    id: ctx.unit.newId('cus'),
    object: 'customer',
    merchant_id: ctx.unit.merchant.id,
    email: nullableStr(params, 'email') ?? null,
    name: nullableStr(params, 'name') ?? null,
    phone: nullableStr(params, 'phone') ?? null,
    description: nullableStr(params, 'description') ?? null,
    metadata: metadata(params) ?? {},
    created: Math.floor(ctx.unit.nowMs / 1000),
    deleted: false,
    address: addressParam(params, 'address', 'address') ?? null,
    shipping: shippingParam(params) ?? null,
    default_payment_method: defaultPaymentMethodParam(ctx, params, null, pm?.id) ?? null,
  };
  ctx.unit.put(COLLECTIONS.customers, c);
  emit(ctx, { type: 'customer.created', object: customerObject(c) });
  if (pm) emit(ctx, { type: 'payment_method.attached', object: paymentMethodObject(attachPaymentMethod(ctx.unit, pm, c.id)) });
  return c;
}

export function updateCustomer(ctx: OpContext, c: CustomerDoc, params: FormObject): CustomerDoc {
  checkAccepted(params, ACCEPTED.customerUpdate);
  const pick = (name: 'email' | 'name' | 'phone' | 'description') => {
    const v = nullableStr(params, name);
    return v === undefined ? c[name] : v;
  };
  const address = addressParam(params, 'address', 'address');
  const shipping = shippingParam(params);
  const defaultPm = defaultPaymentMethodParam(ctx, params, c.id);
  const next: CustomerDoc = {
    ...c,
    email: pick('email'),
    name: pick('name'),
    phone: pick('phone'),
    description: pick('description'),
    metadata: metadata(params, c.metadata) ?? c.metadata,
    address: address === undefined ? (c.address ?? null) : address,
    shipping: shipping === undefined ? (c.shipping ?? null) : shipping,
    default_payment_method: defaultPm === undefined ? (c.default_payment_method ?? null) : defaultPm,
  };
  ctx.unit.put(COLLECTIONS.customers, next);
  const previous: Record<string, unknown> = {};
  for (const k of ['email', 'name', 'phone', 'description', 'metadata', 'address', 'shipping'] as const) {
    if (JSON.stringify(c[k] ?? null) !== JSON.stringify(next[k])) previous[k] = c[k] ?? null;
  }
  if ((c.default_payment_method ?? null) !== next.default_payment_method) {
    previous.invoice_settings = { default_payment_method: c.default_payment_method ?? null };
  }
  if (Object.keys(previous).length > 0) emit(ctx, { type: 'customer.updated', object: customerObject(next), previous_attributes: previous });
  return next;
}

export function deleteCustomer(ctx: OpContext, c: CustomerDoc): CustomerDoc {
  const next = { ...c, deleted: true };
  ctx.unit.put(COLLECTIONS.customers, next);
  emit(ctx, { type: 'customer.deleted', object: customerObject(c) });
  return next;
}

const KNOWN_EVENTS = new Set<string>(STRIPE_EVENT_TYPES);

function enabledEvents(params: FormObject): string[] | undefined {
  const list = strArray(params, 'enabled_events');
  if (list === undefined) return undefined;
  if (list.length === 0) throw missingParam('enabled_events');
  list.forEach((e, i) => {
    // Any of Stripe's event types or `*`; the sandbox also takes `prefix.*` filters over the types it sends.
    const wildcard = e === '*' || (e.endsWith('.*') && STRIPE_EVENT_TYPES.some((t) => t.startsWith(e.slice(0, -1))));
    if (!wildcard && !KNOWN_EVENTS.has(e) && !STRIPE_ENABLED_EVENT_TYPES.has(e)) {
      throw invalidRequest(`Invalid enabled_events[${i}]: must be one of Stripe's event types (such as payment_intent.succeeded) or *`, { param: `enabled_events[${i}]` });
    }
  });
  return list;
}

function endpointUrl(params: FormObject): string | undefined {
  const url = str(params, 'url');
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidRequest(`Invalid URL: ${url}`, { param: 'url', code: 'url_invalid' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidRequest('Invalid URL: must be http or https.', { param: 'url', code: 'url_invalid' });
  return url;
}

export function findEndpoint(ctx: OpContext, id: string): WebhookEndpointDoc {
  const we = ctx.unit.get<WebhookEndpointDoc>(COLLECTIONS.webhookEndpoints, id);
  if (!we || we.merchant_id !== ctx.unit.merchant.id) throw resourceMissing('webhook_endpoint', id);
  return we;
}

export function createEndpoint(ctx: OpContext, params: FormObject): WebhookEndpointDoc {
  checkAccepted(params, ACCEPTED.webhookEndpointCreate);
  const url = endpointUrl(params);
  if (!url) throw missingParam('url');
  const events = enabledEvents(params);
  if (!events) throw missingParam('enabled_events');
  const we: WebhookEndpointDoc = {
    id: ctx.unit.newId('we'),
    object: 'webhook_endpoint',
    merchant_id: ctx.unit.merchant.id,
    url,
    enabled_events: events,
    // Stripe's endpoint secrets are `whsec_` and random alphanumerics; the id generator makes exactly that.
    secret: ctx.unit.newId('whsec'),
    status: 'enabled',
    description: nullableStr(params, 'description') ?? null,
    metadata: metadata(params) ?? {},
    api_version: str(params, 'api_version') ?? null,
    created: Math.floor(ctx.unit.nowMs / 1000),
  };
  ctx.unit.put(COLLECTIONS.webhookEndpoints, we);
  return we;
}

export function updateEndpoint(ctx: OpContext, we: WebhookEndpointDoc, params: FormObject): WebhookEndpointDoc {
  checkAccepted(params, ACCEPTED.webhookEndpointUpdate);
  const disabled = bool(params, 'disabled');
  const description = nullableStr(params, 'description');
  const next: WebhookEndpointDoc = {
    ...we,
    url: endpointUrl(params) ?? we.url,
    enabled_events: enabledEvents(params) ?? we.enabled_events,
    status: disabled === undefined ? we.status : disabled ? 'disabled' : 'enabled',
    description: description === undefined ? we.description : description,
    metadata: metadata(params, we.metadata) ?? we.metadata,
  };
  ctx.unit.put(COLLECTIONS.webhookEndpoints, next);
  return next;
}
