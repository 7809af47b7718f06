/**
 * The Stripe API routes under `/v1`: each route validates its parameters, runs its operation and renders
 * the answer with `expand[]` applied.
 */
import type { Router } from 'express';
import { customerObject, webhookEndpointObject } from './account-objects.js';
import { updateCharge } from './charge-updates.js';
import { completeSessionIfPaid, createSession, expireSession, findSession } from './checkout.js';
import { checkoutSessionObject, lineItemObject } from './checkout-objects.js';
import {
  createCustomer,
  createEndpoint,
  deleteCustomer,
  findCustomer,
  findEndpoint,
  updateCustomer,
  updateEndpoint,
} from './customers-and-endpoints.js';
import { balanceTransactionById, chargeById, checkExpandable, expand, listParams, page, refundById } from './lookup.js';
import { ACCEPTED, checkAccepted, currency, expandList, metadata, str, strArray } from './params.js';
import { cancelIntent, captureIntent, confirmIntent, createIntent, findIntent, incrementAuthorization, updateIntent } from './payment-intents.js';
import { attachPaymentMethod, createPaymentMethod, paymentMethodById, updatePaymentMethod } from './payment-methods.js';
import { cancelRefund, createRefund, refundsFor, updateRefund } from './refunds.js';
import { search, type SearchResource } from './search.js';
import { cancelSetupIntent, confirmSetupIntent, createSetupIntent, findSetupIntent, setupIntentObject, setupIntentsFor, updateSetupIntent } from './setup-intents.js';
import { handleApi, type Access, type Call, type Handler } from './request-pipeline.js';
import { invalidRequest, resourceMissing } from './stripe-errors.js';
import { emit, eventObject } from './stripe-events.js';
import type { StripeHost } from './stripe-host.js';
import { COLLECTIONS, type CheckoutSessionDoc, type CustomerDoc, type PaymentIntentDoc, type PaymentMethodDoc, type SetupIntentDoc, type StripeEventDoc, type WebhookEndpointDoc } from './stripe-state.js';
import { chargeBalanceTransaction, chargeObject, hasCharge, paymentIntentObject, paymentMethodObject, refundBalanceTransaction, type OpContext } from './wire-objects.js';

type Json = Record<string, unknown>;

const out = (c: Call, obj: Json) => expand(c.ctx, obj, expandList(c.params));
const mine = <T extends { merchant_id: string }>(c: Call, docs: T[]) => docs.filter((d) => d.merchant_id === c.ctx.unit.merchant.id);

/** A publishable key reaches an intent only with its client_secret (what Stripe.js sends). */
function intentForCaller(c: Call): PaymentIntentDoc {
  const pi = findIntent(c.ctx, c.id);
  if (c.keyKind === 'publishable' && str(c.params, 'client_secret') !== pi.client_secret) {
    throw resourceMissing('payment_intent', c.id);
  }
  return pi;
}

/** The same for a SetupIntent (Stripe.js `confirmCardSetup`). */
function setupIntentForCaller(c: Call): SetupIntentDoc {
  const si = findSetupIntent(c.ctx, c.id);
  if (c.keyKind === 'publishable' && str(c.params, 'client_secret') !== si.client_secret) throw resourceMissing('setupintent', c.id);
  return si;
}

function eventMatchesType(type: string, filter: string): boolean {
  return filter === type || (filter.endsWith('.*') && type.startsWith(filter.slice(0, -1)));
}

/** The merchant's balance transactions, oldest first: each captured charge and each succeeded refund. */
function balanceTransactions(c: Call): (Json & { id: string })[] {
  const txns: (Json & { id: string })[] = [];
  for (const pi of mine(c, c.ctx.unit.list<PaymentIntentDoc>(COLLECTIONS.paymentIntents))) {
    for (const id of pi.attempts) {
      const p = c.ctx.unit.payment(id);
      if (!p || p.captured_at === null) continue;
      txns.push(chargeBalanceTransaction(p) as Json & { id: string });
      for (const r of c.ctx.unit.refundsOf(p.id)) if (r.status === 'succeeded') txns.push(refundBalanceTransaction(r) as Json & { id: string });
    }
  }
  return txns.sort((a, b) => (a.created as number) - (b.created as number));
}

function charges(ctx: OpContext): Json[] {
  // Every confirmation attempt that reached the issuer, oldest first.
  const out: Json[] = [];
  for (const pi of ctx.unit.list<PaymentIntentDoc>(COLLECTIONS.paymentIntents)) {
    if (pi.merchant_id !== ctx.unit.merchant.id) continue;
    for (const id of pi.attempts) {
      const p = ctx.unit.payment(id);
      if (p && hasCharge(p)) out.push(chargeObject(ctx, p, pi));
    }
  }
  return out.sort((a, b) => (a.created as number) - (b.created as number));
}

/**
 * The routes where API version 2026-09-30.endive removed `payment_method_types` as a parameter (Stripe:
 * "Passing `payment_method_types` on this API version returns a 400 error with the code
 * `payment_method_types_no_longer_supported`"); `allowed_payment_method_types` replaces it. A request naming
 * an older version, or none (curl, scripts), may still send it.
 */
const WITHOUT_PAYMENT_METHOD_TYPES = new Set(['/v1/payment_intents', '/v1/payment_intents/:id', '/v1/payment_intents/:id/confirm', '/v1/setup_intents', '/v1/setup_intents/:id', '/v1/checkout/sessions']);
const ENDIVE = '2026-09-30';

function refuseRemovedParams(c: Call): void {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(c.apiVersion ?? '')?.[0];
  if (c.params.payment_method_types === undefined || date === undefined || date < ENDIVE) return;
  throw invalidRequest(
    `The \`payment_method_types\` parameter is no longer supported on API version ${c.apiVersion}. Use \`allowed_payment_method_types\` to limit the payment methods, or leave it out to use dynamic payment methods.`,
    { param: 'payment_method_types', code: 'payment_method_types_no_longer_supported' },
  );
}

/** The object each resource's POST routes answer with (`/v1/<resource>/…`). */
const ANSWERS: Readonly<Record<string, string>> = {
  payment_intents: 'payment_intent',
  setup_intents: 'setup_intent',
  payment_methods: 'payment_method',
  charges: 'charge',
  refunds: 'refund',
  customers: 'customer',
  webhook_endpoints: 'webhook_endpoint',
  checkout: 'checkout.session',
};

export function registerApiRoutes(router: Router, host: StripeHost): void {
  const route = (method: 'get' | 'post' | 'delete', path: string, handler: Handler, access: Access = 'secret') => {
    // A change is staged before its answer is expanded: `expand[]` is checked first, so a refused path changes nothing.
    const answers = method === 'post' ? ANSWERS[path.split('/')[2]!] : undefined;
    const expandable: Handler = answers ? (c) => (checkExpandable(expandList(c.params), answers), handler(c)) : handler;
    const checked: Handler = method === 'post' && WITHOUT_PAYMENT_METHOD_TYPES.has(path) ? (c) => (refuseRemovedParams(c), expandable(c)) : expandable;
    router[method](path, (req, res) => handleApi(host, req, res, access, checked));
  };
  const render = {
    pi: (c: Call, pi: PaymentIntentDoc) => out(c, paymentIntentObject(c.ctx, pi)),
  };

  // --- PaymentIntents
  route('post', '/v1/payment_intents', (c) => render.pi(c, createIntent(c.ctx, c.params)));
  route('get', '/v1/payment_intents', (c) => {
    checkAccepted(c.params, ACCEPTED.paymentIntentList);
    const customer = str(c.params, 'customer');
    const items = mine(c, c.ctx.unit.list<PaymentIntentDoc>(COLLECTIONS.paymentIntents)).filter((pi) => !customer || pi.customer === customer);
    return out(c, page(items, listParams(c.params), '/v1/payment_intents', (pi) => paymentIntentObject(c.ctx, pi)));
  });
  // Declared before the `/:id` routes so `search` is not taken for an id.
  const searchRoute = (resource: SearchResource, objects: (c: Call) => Json[]) =>
    route('get', `/v1/${resource}/search`, (c) => {
      const { result, expand: paths } = search(c.params, resource, objects(c));
      return expand(c.ctx, result, paths);
    });
  searchRoute('payment_intents', (c) => mine(c, c.ctx.unit.list<PaymentIntentDoc>(COLLECTIONS.paymentIntents)).map((pi) => paymentIntentObject(c.ctx, pi)));
  searchRoute('customers', (c) => mine(c, c.ctx.unit.list<CustomerDoc>(COLLECTIONS.customers)).filter((cu) => !cu.deleted).map(customerObject));
  searchRoute('charges', (c) => charges(c.ctx));
  route(
    'get',
    '/v1/payment_intents/:id',
    (c) => {
      checkAccepted(c.params, ACCEPTED.retrieve);
      return render.pi(c, intentForCaller(c));
    },
    'publishable',
  );
  route('post', '/v1/payment_intents/:id', (c) => render.pi(c, updateIntent(c.ctx, findIntent(c.ctx, c.id), c.params)));
  route('post', '/v1/payment_intents/:id/confirm', (c) => render.pi(c, confirmIntent(c.ctx, intentForCaller(c), c.params)), 'publishable');
  route('post', '/v1/payment_intents/:id/capture', (c) => render.pi(c, captureIntent(c.ctx, findIntent(c.ctx, c.id), c.params)));
  route('post', '/v1/payment_intents/:id/cancel', (c) => render.pi(c, cancelIntent(c.ctx, findIntent(c.ctx, c.id), c.params)));
  route('post', '/v1/payment_intents/:id/increment_authorization', (c) => incrementAuthorization(c.ctx, findIntent(c.ctx, c.id), c.params));

  // --- SetupIntents
  const si = (c: Call, doc: SetupIntentDoc) => out(c, setupIntentObject(c.ctx, doc));
  route('post', '/v1/setup_intents', (c) => si(c, createSetupIntent(c.ctx, c.params)));
  route('get', '/v1/setup_intents', (c) => {
    checkAccepted(c.params, ACCEPTED.setupIntentList);
    const filter = { customer: str(c.params, 'customer'), payment_method: str(c.params, 'payment_method') };
    return out(c, page(setupIntentsFor(c.ctx, filter), listParams(c.params), '/v1/setup_intents', (doc) => setupIntentObject(c.ctx, doc)));
  });
  route(
    'get',
    '/v1/setup_intents/:id',
    (c) => {
      checkAccepted(c.params, ACCEPTED.retrieve);
      return si(c, setupIntentForCaller(c));
    },
    'publishable',
  );
  route('post', '/v1/setup_intents/:id', (c) => si(c, updateSetupIntent(c.ctx, findSetupIntent(c.ctx, c.id), c.params)));
  route('post', '/v1/setup_intents/:id/confirm', (c) => si(c, confirmSetupIntent(c.ctx, setupIntentForCaller(c), c.params)), 'publishable');
  route('post', '/v1/setup_intents/:id/cancel', (c) => si(c, cancelSetupIntent(c.ctx, findSetupIntent(c.ctx, c.id), c.params)));

  // --- PaymentMethods
  route('post', '/v1/payment_methods', (c) => {
    checkAccepted(c.params, ACCEPTED.paymentMethodCreate);
    return out(c, paymentMethodObject(createPaymentMethod(c.ctx.unit, c.params, metadata(c.params))));
  }, 'publishable');
  route('get', '/v1/payment_methods/:id', (c) => {
    checkAccepted(c.params, ACCEPTED.retrieve);
    return out(c, paymentMethodObject(paymentMethodById(c.ctx.unit, c.id)));
  });
  route('get', '/v1/payment_methods', (c) => {
    checkAccepted(c.params, ACCEPTED.paymentMethodList);
    const customer = str(c.params, 'customer');
    if (customer) findCustomer(c.ctx, customer);
    const type = str(c.params, 'type');
    const items = mine(c, c.ctx.unit.list<PaymentMethodDoc>(COLLECTIONS.paymentMethods)).filter((pm) => (!customer || pm.customer === customer) && (!type || pm.type === type));
    return out(c, page(items, listParams(c.params), '/v1/payment_methods', paymentMethodObject));
  });
  route('post', '/v1/payment_methods/:id', (c) => out(c, paymentMethodObject(updatePaymentMethod(c.ctx.unit, paymentMethodById(c.ctx.unit, c.id), c.params))));
  route('post', '/v1/payment_methods/:id/attach', (c) => {
    checkAccepted(c.params, ACCEPTED.paymentMethodAttach);
    const customer = str(c.params, 'customer');
    if (!customer) throw invalidRequest('Missing required param: customer.', { param: 'customer', code: 'parameter_missing' });
    const pm = attachPaymentMethod(c.ctx.unit, paymentMethodById(c.ctx.unit, c.id), customer);
    emit(c.ctx, { type: 'payment_method.attached', object: paymentMethodObject(pm) });
    return out(c, paymentMethodObject(pm));
  });
  route('post', '/v1/payment_methods/:id/detach', (c) => {
    checkAccepted(c.params, ACCEPTED.retrieve);
    const pm = { ...paymentMethodById(c.ctx.unit, c.id), customer: null };
    c.ctx.unit.put<PaymentMethodDoc>(COLLECTIONS.paymentMethods, pm);
    return out(c, paymentMethodObject(pm));
  });

  // --- Charges (views of confirmation attempts)
  route('get', '/v1/charges', (c) => {
    checkAccepted(c.params, ACCEPTED.chargeList);
    const pi = str(c.params, 'payment_intent');
    const customer = str(c.params, 'customer');
    const items = charges(c.ctx).filter((ch) => (!pi || ch.payment_intent === pi) && (!customer || ch.customer === customer)) as (Json & { id: string })[];
    return out(c, page(items, listParams(c.params), '/v1/charges', (ch) => ch));
  });
  route('get', '/v1/charges/:id', (c) => {
    checkAccepted(c.params, ACCEPTED.retrieve);
    return out(c, chargeById(c.ctx, c.id));
  });
  route('post', '/v1/charges/:id', (c) => out(c, updateCharge(c.ctx, c.id, c.params)));

  // --- Refunds
  route('post', '/v1/refunds', (c) => {
    const refund = createRefund(c.ctx, c.params);
    return out(c, refundById(c.ctx, refund.id));
  });
  route('get', '/v1/refunds', (c) => {
    checkAccepted(c.params, ACCEPTED.refundList);
    return out(c, page(refundsFor(c.ctx, c.params), listParams(c.params), '/v1/refunds', (r) => refundById(c.ctx, r.id)));
  });
  route('get', '/v1/refunds/:id', (c) => {
    checkAccepted(c.params, ACCEPTED.retrieve);
    return out(c, refundById(c.ctx, c.id));
  });
  route('post', '/v1/refunds/:id', (c) => out(c, refundById(c.ctx, updateRefund(c.ctx, c.id, c.params).id)));
  route('post', '/v1/refunds/:id/cancel', (c) => cancelRefund(c.ctx, c.id, c.params));

  // --- Customers
  route('post', '/v1/customers', (c) => out(c, customerObject(createCustomer(c.ctx, c.params))));
  route('get', '/v1/customers', (c) => {
    checkAccepted(c.params, ACCEPTED.customerList);
    const email = str(c.params, 'email');
    const items = mine(c, c.ctx.unit.list<CustomerDoc>(COLLECTIONS.customers)).filter((cu) => !cu.deleted && (!email || cu.email === email));
    return out(c, page(items, listParams(c.params), '/v1/customers', customerObject));
  });
  route('get', '/v1/customers/:id', (c) => {
    checkAccepted(c.params, ACCEPTED.retrieve);
    return out(c, customerObject(findCustomer(c.ctx, c.id, { includeDeleted: true })));
  });
  route('get', '/v1/customers/:id/payment_methods', (c) => {
    checkAccepted(c.params, ACCEPTED.customerPaymentMethodList);
    const customer = findCustomer(c.ctx, c.id);
    const type = str(c.params, 'type');
    const items = mine(c, c.ctx.unit.list<PaymentMethodDoc>(COLLECTIONS.paymentMethods)).filter((pm) => pm.customer === customer.id && (!type || pm.type === type));
    return out(c, page(items, listParams(c.params), `/v1/customers/${customer.id}/payment_methods`, paymentMethodObject));
  });
  route('get', '/v1/customers/:id/payment_methods/:pm', (c) => {
    checkAccepted(c.params, ACCEPTED.retrieve);
    const customer = findCustomer(c.ctx, c.id);
    const pmId = c.path.pm ?? '';
    const pm = c.ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, pmId);
    if (!pm || pm.merchant_id !== c.ctx.unit.merchant.id || pm.customer !== customer.id) throw resourceMissing('payment_method', pmId);
    return out(c, paymentMethodObject(pm));
  });
  route('post', '/v1/customers/:id', (c) => out(c, customerObject(updateCustomer(c.ctx, findCustomer(c.ctx, c.id), c.params))));
  route('delete', '/v1/customers/:id', (c) => customerObject(deleteCustomer(c.ctx, findCustomer(c.ctx, c.id))));

  // --- Events
  route('get', '/v1/events', (c) => {
    checkAccepted(c.params, ACCEPTED.eventList);
    const type = str(c.params, 'type');
    const types = strArray(c.params, 'types');
    const items = mine(c, c.ctx.unit.events()).filter(
      (e) => (!type || eventMatchesType(e.type, type)) && (!types || types.some((t) => eventMatchesType(e.type, t))),
    );
    return out(c, page(items, listParams(c.params), '/v1/events', eventObject));
  });
  route('get', '/v1/events/:id', (c) => {
    checkAccepted(c.params, ACCEPTED.retrieve);
    const e = c.ctx.unit.events().find((ev) => ev.id === c.id);
    if (!e || e.merchant_id !== c.ctx.unit.merchant.id) throw resourceMissing('event', c.id);
    return out(c, eventObject(e));
  });

  // --- Webhook endpoints
  route('post', '/v1/webhook_endpoints', (c) => out(c, webhookEndpointObject(createEndpoint(c.ctx, c.params), true)));
  route('get', '/v1/webhook_endpoints', (c) => {
    checkAccepted(c.params, ACCEPTED.listOnly);
    const items = mine(c, c.ctx.unit.list<WebhookEndpointDoc>(COLLECTIONS.webhookEndpoints));
    return out(c, page(items, listParams(c.params), '/v1/webhook_endpoints', (we) => webhookEndpointObject(we, false)));
  });
  route('get', '/v1/webhook_endpoints/:id', (c) => {
    checkAccepted(c.params, ACCEPTED.retrieve);
    return out(c, webhookEndpointObject(findEndpoint(c.ctx, c.id), false));
  });
  route('post', '/v1/webhook_endpoints/:id', (c) => out(c, webhookEndpointObject(updateEndpoint(c.ctx, findEndpoint(c.ctx, c.id), c.params), false)));
  route('delete', '/v1/webhook_endpoints/:id', (c) => {
    const we = findEndpoint(c.ctx, c.id);
    c.ctx.unit.remove(COLLECTIONS.webhookEndpoints, we.id);
    return { id: we.id, object: 'webhook_endpoint', deleted: true };
  });

  // --- Checkout Sessions
  route('post', '/v1/checkout/sessions', (c) => out(c, checkoutSessionObject(c.ctx, createSession(c.ctx, c.params))));
  route('get', '/v1/checkout/sessions', (c) => {
    checkAccepted(c.params, ACCEPTED.sessionList);
    const status = str(c.params, 'status');
    const pi = str(c.params, 'payment_intent');
    const items = mine(c, c.ctx.unit.list<CheckoutSessionDoc>(COLLECTIONS.checkoutSessions)).filter(
      (cs) => (!status || cs.status === status) && (!pi || cs.payment_intent === pi),
    );
    return out(c, page(items, listParams(c.params), '/v1/checkout/sessions', (cs) => checkoutSessionObject(c.ctx, cs)));
  });
  route('get', '/v1/checkout/sessions/:id', (c) => {
    checkAccepted(c.params, ACCEPTED.retrieve);
    // A session whose intent was paid through the control API completes on the next read.
    return out(c, checkoutSessionObject(c.ctx, completeSessionIfPaid(c.ctx, findSession(c.ctx, c.id))));
  });
  route('post', '/v1/checkout/sessions/:id/expire', (c) => out(c, checkoutSessionObject(c.ctx, expireSession(c.ctx, findSession(c.ctx, c.id), c.params))));
  route('get', '/v1/checkout/sessions/:id/line_items', (c) => {
    checkAccepted(c.params, ACCEPTED.listOnly);
    const cs = findSession(c.ctx, c.id);
    return out(c, page([...cs.line_items].reverse(), listParams(c.params), `/v1/checkout/sessions/${cs.id}/line_items`, (li) => lineItemObject(li, cs.created)));
  });

  // --- Balance transactions (for reconciliation: fees and nets of charges and refunds)
  route('get', '/v1/balance_transactions', (c) => {
    checkAccepted(c.params, ACCEPTED.balanceTransactionList);
    const type = str(c.params, 'type');
    const source = str(c.params, 'source');
    const cur = currency(c.params);
    const items = balanceTransactions(c).filter((t) => (!type || t.type === type) && (!source || t.source === source) && (!cur || t.currency === cur));
    return out(c, page(items, listParams(c.params), '/v1/balance_transactions', (t) => t));
  });
  // The account's balance: the net of every balance transaction, per currency (all of them are available).
  route('get', '/v1/balance', (c) => {
    checkAccepted(c.params, ACCEPTED.retrieve);
    const totals = new Map<string, number>();
    for (const t of balanceTransactions(c)) totals.set(t.currency as string, (totals.get(t.currency as string) ?? 0) + (t.net as number));
    if (totals.size === 0) totals.set('usd', 0);
    const funds = (amount: (cur: string, net: number) => number) =>
      [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([cur, net]) => ({ amount: amount(cur, net), currency: cur, source_types: { card: amount(cur, net) } }));
    return out(c, { object: 'balance', available: funds((_cur, net) => net), livemode: false, pending: funds(() => 0) });
  });
  route('get', '/v1/balance_transactions/:id', (c) => {
    checkAccepted(c.params, ACCEPTED.retrieve);
    return out(c, balanceTransactionById(c.ctx, c.id));
  });
}
