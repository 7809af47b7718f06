/**
 * Stripe events kept in a data file: what `/v1/events` answers is the bytes the webhooks carried, before
 * and after the sandbox reopens the file (however `stripe_events` stores them).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { startStripeSandbox, type StripeSandbox } from './stripe-sandbox.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function client(s: StripeSandbox): Stripe {
  const url = new URL(s.url);
  return new Stripe(s.keys.secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
}

/** The raw body of `GET /v1/events/:id`. */
async function eventText(s: StripeSandbox, id: string): Promise<string> {
  const res = await fetch(`${s.url}/v1/events/${id}`, { headers: { authorization: `Bearer ${s.keys.secret_key}` } });
  expect(res.status).toBe(200);
  return res.text();
}

describe('Stripe events kept in a data file', () => {
  it('answer /v1/events with the bytes their webhooks carried, before and after a reopen', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'paycli-stripe-events-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const dataFile = path.join(dir, 'sandbox.json');
    const receiver: Receiver = await startReceiver();
    cleanup.push(() => receiver.close());

    const first = await startStripeSandbox({ inMemory: false, dataFile });
    const stripe = client(first);
    await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, capture_method: 'manual', metadata: { order: 'o-1' } });
    await stripe.paymentIntents.capture(pi.id);
    await stripe.refunds.create({ payment_intent: pi.id, amount: 400 });
    const types = ['payment_intent.created', 'charge.succeeded', 'payment_intent.amount_capturable_updated', 'charge.captured', 'payment_intent.succeeded', 'refund.created', 'charge.refunded'];
    await waitFor(() => receiver.requests.length >= types.length);
    const sent = receiver.requests.map((r) => JSON.parse(r.body) as { id: string; type: string; data: { previous_attributes?: unknown } });
    expect(sent.map((e) => e.type).sort()).toEqual([...types].sort());
    expect(sent.find((e) => e.type === 'charge.refunded')!.data.previous_attributes).toEqual({ amount_refunded: 0 });

    const expected = new Map(sent.map((e) => [e.id, JSON.stringify(e)]));
    for (const [id, text] of expected) expect(await eventText(first, id)).toBe(text);
    const listed = await (await fetch(`${first.url}/v1/events?limit=20`, { headers: { authorization: `Bearer ${first.keys.secret_key}` } })).text();
    await first.close();

    const second = await startStripeSandbox({ inMemory: false, dataFile });
    cleanup.push(() => second.close());
    for (const [id, text] of expected) expect(await eventText(second, id)).toBe(text);
    expect(await (await fetch(`${second.url}/v1/events?limit=20`, { headers: { authorization: `Bearer ${second.keys.secret_key}` } })).text()).toBe(listed);
  });
});
