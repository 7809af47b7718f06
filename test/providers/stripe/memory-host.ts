/**
 * A StripeHost in memory for the provider's wire tests: the pure engine against Maps, a merchant with
 * Stripe-style keys, and a small deliverer that signs each event for each endpoint and retries failures.
 * It stands in for the sandbox core so the Stripe provider can be proven against stripe-node on its own.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { buyerAct, cancel, capture, createPayment } from '../../../src/engine/payments.js';
import { createRefund } from '../../../src/engine/refunds.js';
import { DEFAULT_FEES } from '../../../src/engine/settlement.js';
import type { EngineContext, Merchant, PaycliEvent, Payment, Refund } from '../../../src/engine/types.js';
import { cryptoRandom, idGenerator } from '../../../src/core/ids.js';
import { endpointWants } from '../../../src/providers/stripe/endpoint-filter.js';
import { eventObject, stripeEventDocsFor } from '../../../src/providers/stripe/stripe-events.js';
import type { StripeHost } from '../../../src/providers/stripe/stripe-host.js';
import { stripeRouter } from '../../../src/providers/stripe/router.js';
import { COLLECTIONS, type StripeCollection, type StripeEventDoc, type StripeUnit, type WebhookEndpointDoc } from '../../../src/providers/stripe/stripe-state.js';
import type { RequestInfo } from '../../../src/providers/stripe/wire-objects.js';
import { signStripeEvent } from '../../../src/providers/stripe/notification-signing.js';

export interface DeliveryAttempt {
  event: string;
  type: string;
  endpoint: string;
  status: number | null;
}

export interface MemoryStripe {
  url: string;
  merchant: Merchant;
  attempts: DeliveryAttempt[];
  payments: Map<string, Payment>;
  close(): Promise<void>;
}

export async function startMemoryStripe(opts: { retryDelaysMs?: number[] } = {}): Promise<MemoryStripe> {
  const newId = idGenerator(cryptoRandom);
  const merchant: Merchant = {
    id: newId('mch'),
    object: 'merchant',
    name: 'Stripe test merchant',
    secret_key: `sk_test_${newId('k').slice(2)}`,
    publishable_key: `pk_test_${newId('k').slice(2)}`,
    webhook_secret: newId('whsec'),
    fees: DEFAULT_FEES,
    risk_max_amount: null,
    created: Math.floor(Date.now() / 1000),
  };
  const docs = new Map<string, Map<string, { id: string }>>();
  const coll = (name: string) => {
    let m = docs.get(name);
    if (!m) docs.set(name, (m = new Map()));
    return m;
  };
  const payments = new Map<string, Payment>();
  const refunds = new Map<string, Refund>();
  const attempts: DeliveryAttempt[] = [];
  const pending = new Set<NodeJS.Timeout>();
  let baseUrl = '';
  const retryDelays = opts.retryDelaysMs ?? [20, 40];

  const events: StripeEventDoc[] = [];

  /** A unit of work; the events it raises are collected in `raised` for delivery after it. */
  const unit = (request: RequestInfo, raised: StripeEventDoc[]): StripeUnit => {
    const nowMs = Date.now();
    const ctx: EngineContext = { nowMs, newId };
    const pages = { baseUrl };
    const record = (e: StripeEventDoc) => {
      events.push(e);
      raised.push(e);
    };
    // As the core does: each domain event is mapped to the provider's notifications when it is raised.
    const raise = (domainEvents: PaycliEvent[]) => {
      for (const e of domainEvents) for (const doc of stripeEventDocsFor({ unit: u, baseUrl }, e, request)) record(doc);
    };
    const u: StripeUnit = {
      merchant,
      nowMs,
      newId,
      get: <T extends { id: string }>(c: StripeCollection, id: string) => coll(c).get(id) as T | undefined,
      put: (c, doc) => void coll(c).set(doc.id, structuredClone(doc)),
      list: <T extends { id: string }>(c: StripeCollection) => [...coll(c).values()] as T[],
      remove: (c, id) => void coll(c).delete(id),
      emit: record,
      events: () => events,
      payment: (id) => payments.get(id),
      refund: (id) => refunds.get(id),
      refundsOf: (pid) => [...refunds.values()].filter((r) => r.payment_id === pid),
      refunds: () => [...refunds.values()],
      createPayment(input) {
        const t = createPayment(ctx, merchant, input, pages);
        payments.set(t.object.id, t.object);
        raise(t.events);
        return t.object;
      },
      capturePayment(id, amount) {
        const t = capture(ctx, merchant, payments.get(id) as Payment, amount);
        payments.set(id, t.object);
        raise(t.events);
        return t.object;
      },
      cancelPayment(id, reason) {
        const t = cancel(ctx, payments.get(id) as Payment, reason);
        payments.set(id, t.object);
        raise(t.events);
        return t.object;
      },
      buyerAct(id, action) {
        const t = buyerAct(ctx, merchant, payments.get(id) as Payment, action);
        payments.set(id, t.object);
        raise(t.events);
        return t.object;
      },
      createRefund(pid, input) {
        const r = createRefund(ctx, payments.get(pid) as Payment, input);
        payments.set(pid, r.payment);
        refunds.set(r.refund.id, r.refund);
        raise(r.events);
        return r.refund;
      },
    };
    return u;
  };

  const send = async (event: StripeEventDoc, we: WebhookEndpointDoc, attempt: number): Promise<void> => {
    const signed = signStripeEvent(eventObject(event), we.secret, Math.floor(Date.now() / 1000));
    let status: number | null = null;
    try {
      const res = await fetch(we.url, { method: 'POST', body: signed.body, headers: signed.headers });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = null;
    }
    attempts.push({ event: event.id, type: event.type, endpoint: we.id, status });
    const ok = status !== null && status >= 200 && status < 300;
    const delay = retryDelays[attempt];
    if (!ok && delay !== undefined) {
      const timer = setTimeout(() => {
        pending.delete(timer);
        void send(event, we, attempt + 1);
      }, delay);
      pending.add(timer);
    }
  };

  const host: StripeHost = {
    baseUrl: () => baseUrl,
    authenticate(key) {
      if (key === merchant.secret_key) return { merchant, kind: 'secret' };
      if (key === merchant.publishable_key) return { merchant, kind: 'publishable' };
      return undefined;
    },
    merchantById: (id) => (id === merchant.id ? merchant : undefined),
    peek: <T extends { id: string }>(c: StripeCollection, id: string) => coll(c).get(id) as T | undefined,
    run: async (_m, request, work) => {
      const raised: StripeEventDoc[] = [];
      const result = work(unit(request, raised));
      // Delivered in order, one endpoint at a time, as a queue would: tests read attempts in event order.
      const endpoints = [...coll(COLLECTIONS.webhookEndpoints).values()] as WebhookEndpointDoc[];
      void (async () => {
        for (const e of raised) for (const we of endpoints) if (endpointWants(we, e.type)) await send(e, we, 0);
      })();
      return result;
    },
  };

  const app = express();
  app.use(stripeRouter(host, { bodyLimitBytes: 1 << 20 }));
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    merchant,
    attempts,
    payments,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of pending) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
