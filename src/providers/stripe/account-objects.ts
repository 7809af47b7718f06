/**
 * Stripe's wire objects of a merchant's account, written field by field as stripe-node reads them:
 * customers and webhook endpoints (whose signing secret only the create answer shows).
 */
import type { CustomerDoc, WebhookEndpointDoc } from './stripe-state.js';

type Json = Record<string, unknown>;

export function customerObject(c: CustomerDoc): Json {
  if (c.deleted) return { id: c.id, object: 'customer', deleted: true };
  return {
    id: c.id,
    object: 'customer',
    address: c.address ?? null,
    balance: 0,
    created: c.created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: c.description,
    email: c.email,
    invoice_prefix: c.id.slice(4, 12).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: c.default_payment_method ?? null, footer: null, rendering_options: null },
    livemode: false,
    metadata: c.metadata,
    name: c.name,
    phone: c.phone,
    preferred_locales: [],
    shipping: c.shipping ?? null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

export function webhookEndpointObject(we: WebhookEndpointDoc, withSecret: boolean): Json {
  return {
    id: we.id,
    object: 'webhook_endpoint',
    api_version: we.api_version,
    application: null,
    created: we.created,
    description: we.description,
    enabled_events: we.enabled_events,
    livemode: false,
    metadata: we.metadata,
    ...(withSecret ? { secret: we.secret } : {}),
    status: we.status,
    url: we.url,
  };
}
