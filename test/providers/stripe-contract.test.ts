/** The provider contract suite, driven through Stripe's wire protocol (stripe-node's requests and webhooks). */
import Stripe from 'stripe';
import { describeProviderContract, type ContractStatus, type WireDriver } from '../../src/providers/provider-contract.js';
import type { StripeCredentials } from '../../src/providers/stripe/index.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { contractEnv } from './contract-env.js';

const keys = (s: Sandbox) => s.providers.stripe!.credentials as StripeCredentials;
function client(s: Sandbox): Stripe {
  const url = new URL(s.providers.stripe!.url);
  return new Stripe(keys(s).secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
}

/** Stripe has no per-payment callback URL: the driver registers the app as a webhook endpoint, once per URL. */
const endpoints = new Map<Sandbox, Map<string, string>>();
async function endpointFor(s: Sandbox, url: string): Promise<void> {
  const mine = endpoints.get(s) ?? new Map<string, string>();
  endpoints.set(s, mine);
  if (mine.has(url)) return;
  const we = await client(s).webhookEndpoints.create({ url, enabled_events: ['*'] });
  mine.set(url, we.secret as string);
}

async function failureOf(p: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await p;
  } catch (err) {
    return err as Stripe.errors.StripeError;
  }
  throw new Error('expected a decline');
}

function statusOf(pi: Stripe.PaymentIntent): ContractStatus {
  if (pi.status === 'succeeded') return 'succeeded';
  if (pi.status === 'canceled') return 'canceled';
  if (pi.status === 'requires_payment_method' && pi.last_payment_error) return 'failed';
  return 'waiting';
}

const OUTCOME: Record<string, 'succeeded' | 'failed' | 'refunded'> = {
  'payment_intent.succeeded': 'succeeded',
  'payment_intent.payment_failed': 'failed',
  'charge.refunded': 'refunded',
};

const stripeDriver: WireDriver = {
  provider: 'stripe',
  async createWaiting(s, o) {
    await endpointFor(s, o.notifyUrl);
    const pi = await client(s).paymentIntents.create(
      { amount: o.amount, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true, return_url: 'https://shop.example/return', metadata: { order_id: o.orderNo } },
      o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {},
    );
    return { status: pi.lastResponse.statusCode, ref: pi.id };
  },
  async createDeclined(s, o) {
    await endpointFor(s, o.notifyUrl);
    const err = await failureOf(
      client(s).paymentIntents.create({ amount: o.amount, currency: 'usd', payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds', confirm: true, metadata: { order_id: o.orderNo } }),
    );
    return { status: statusOf(err.payment_intent as Stripe.PaymentIntent), failureCode: err.decline_code ?? null };
  },
  async query(s, ref) {
    const pi = await client(s).paymentIntents.retrieve(ref, { expand: ['latest_charge'] });
    return { status: statusOf(pi), amount: pi.amount, refunded: (pi.latest_charge as Stripe.Charge | null)?.amount_refunded ?? 0 };
  },
  async refund(s, ref, amount) {
    const r = await client(s).refunds.create({ payment_intent: ref, amount });
    return { status: r.status as 'succeeded' | 'pending' | 'failed' };
  },
  async badCreate(s) {
    const res = await fetch(`${s.providers.stripe!.url}/v1/payment_intents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys(s).secret_key}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'currency=usd',
    });
    return { status: res.status, body: await res.text(), field: 'amount' };
  },
  parse(s, req) {
    const body = JSON.parse(req.body) as Stripe.Event;
    const obj = body.data.object as { metadata?: Record<string, string> };
    const secrets = [...(endpoints.get(s)?.values() ?? [])];
    const verified = secrets.some((secret) => {
      try {
        client(s).webhooks.constructEvent(req.body, String(req.headers['stripe-signature'] ?? ''), secret);
        return true;
      } catch {
        return false;
      }
    });
    return { outcome: OUTCOME[body.type] ?? 'other', orderNo: obj.metadata?.order_id ?? '', verified, id: body.id };
  },
  ack: { status: 200, body: '' },
};

describeProviderContract('stripe', stripeDriver, contractEnv());
