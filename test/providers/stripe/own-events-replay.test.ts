/**
 * `listen` catching up after a reconnect includes the Stripe provider's own events (a `customer.created`,
 * an intent's `payment_intent.created`), which no domain event causes: the stream replays them in their
 * place among the payment events, from a position that may itself be one of them, and `listen` forwards
 * them signed as Stripe signs them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/clock.js';
import { Forwarder, type ForwarderUpdate } from '../../../src/listen/forwarder.js';
import { SseParser, type SseMessage } from '../../../src/listen/sse-parser.js';
import { loadProviders } from '../../../src/providers/registry.js';
import { SandboxClient } from '../../../src/sandbox/client.js';
import type { StreamNotification, StreamReady } from '../../../src/sandbox/stream-routes.js';
import { tempDir } from '../../devloop/helpers.js';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { startStripeSandbox, stripeNode, stripeTestResources, type StripeSandbox } from './stripe-sandbox.js';

const { cleanup, sandbox } = stripeTestResources();
const client = stripeNode;

interface OpenStream {
  messages: SseMessage[];
  abort(): void;
}

async function openStream(s: StripeSandbox, query: string): Promise<OpenStream> {
  const controller = new AbortController();
  const res = await fetch(`${s.sandbox.url}/_sandbox/stream?${query}`, { headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}` }, signal: controller.signal });
  expect(res.status).toBe(200);
  const stream: OpenStream = { messages: [], abort: () => controller.abort() };
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        stream.messages.push(...parser.feed(decoder.decode(value, { stream: true })));
      }
    } catch {
      // aborted
    }
  })();
  cleanup.push(async () => stream.abort());
  await waitFor(() => stream.messages.some((m) => m.event === 'ready'));
  return stream;
}
const notifications = (s: OpenStream) => s.messages.filter((m) => m.event === 'notification').map((m) => ({ sse_id: m.id, ...(JSON.parse(m.data) as StreamNotification) }));

describe("the stream's replay with the Stripe provider's own events", () => {
  it('resumes after a customer.created and replays what followed in the order it happened, as a client that stayed saw it', async () => {
    const s = await sandbox();
    const stripe = client(s);
    const stayed = await openStream(s, 'include=notifications');
    const first = await openStream(s, 'include=notifications');
    const ready = JSON.parse(first.messages[0]!.data) as StreamReady;

    const ada = await stripe.customers.create({ email: 'ada@example.com' });
    await waitFor(() => notifications(first).length === 1);
    const seen = notifications(first)[0]!;
    // It stands for itself: its own id is its position in the stream.
    expect(seen).toMatchObject({ provider: 'stripe', type: 'customer.created', event_id: seen.id, sse_id: seen.id });
    first.abort();

    // Missed while away: a customer, a payment for it (its intent's own event first), an update.
    const bob = await stripe.customers.create({ email: 'bob@example.com' });
    await stripe.paymentIntents.create({ amount: 900, currency: 'usd', customer: bob.id, payment_method: 'pm_card_visa', confirm: true });
    await stripe.customers.update(ada.id, { name: 'Ada' });
    // The client that stayed saw the customer, the intent's created, its two succeeded events and the update.
    await waitFor(() => notifications(stayed).length === 6);

    const again = await openStream(s, `include=notifications&since_event=${seen.id}&instance=${ready.instance}`);
    await waitFor(() => notifications(again).length === 5);
    const replayed = notifications(again);
    expect(replayed.map((n) => n.id)).toEqual(notifications(stayed).slice(1).map((n) => n.id));
    expect(replayed.map((n) => n.type)).toEqual(['customer.created', 'payment_intent.created', expect.any(String), expect.any(String), 'customer.updated']);
    expect(replayed.slice(2, 4).map((n) => n.type).sort()).toEqual(['charge.succeeded', 'payment_intent.succeeded']);
    expect((replayed[0]!.payload as Stripe.Event).data.object).toMatchObject({ id: bob.id });
  });

  it('replays them to an events and notifications client resuming after a payment event too', async () => {
    const s = await sandbox();
    const stripe = client(s);
    const first = await openStream(s, 'include=events,notifications');
    const ready = JSON.parse(first.messages[0]!.data) as StreamReady;
    await stripe.paymentIntents.create({ amount: 500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await waitFor(() => first.messages.filter((m) => m.event === 'event').length === 2);
    const lastEvent = first.messages.filter((m) => m.event === 'event').at(-1)!.id!;
    first.abort();

    const carol = await stripe.customers.create({ email: 'carol@example.com' });
    const again = await openStream(s, `include=events,notifications&since_event=${lastEvent}&instance=${ready.instance}`);
    await waitFor(() => notifications(again).length === 1);
    expect(notifications(again)[0]).toMatchObject({ provider: 'stripe', type: 'customer.created', payload: { data: { object: { id: carol.id } } } });
    expect(again.messages.filter((m) => m.event === 'event')).toEqual([]);
  });
});

describe("listen with the Stripe provider's own events", () => {
  it('forwards a resent customer.created again with the same id; the resend counts it as a destination', async () => {
    const s = await sandbox();
    const app: Receiver = await startReceiver();
    cleanup.push(() => app.close());
    const updates: ForwarderUpdate[] = [];
    const forwarder = new Forwarder({ client: () => new SandboxClient(s.sandbox.url, s.sandbox.merchant.secret_key), forwardTo: app.url, events: null, providers: await loadProviders() });
    cleanup.push(() => forwarder.stop());
    await forwarder.start((u) => updates.push(u));
    const stripe = client(s);
    await stripe.customers.create({ email: 'ada@example.com' });
    await waitFor(() => app.requests.length === 1);
    const event = stripe.webhooks.constructEvent(app.requests[0]!.body, app.requests[0]!.headers['stripe-signature'] as string, s.keys.webhook_secret);

    // No endpoint and no --forward-to: listen is its one destination.
    const res = await fetch(`${s.sandbox.url}/_sandbox/events/${event.id}/resend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await res.json()).toEqual({ ok: true, event_id: event.id, deliveries: 0, listeners: 1 });
    await waitFor(() => app.requests.length === 2);
    const again = stripe.webhooks.constructEvent(app.requests[1]!.body, app.requests[1]!.headers['stripe-signature'] as string, s.keys.webhook_secret);
    expect(again).toMatchObject({ id: event.id, type: 'customer.created' });
    await waitFor(() => updates.filter((u) => u.type === 'delivery').length === 2);
    const deliveries = updates.filter((u) => u.type === 'delivery').map((u) => [u.event_id, 'resent' in u && u.resent === true]);
    expect(deliveries.sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      [event.id, false],
      [event.id, true],
    ]);
  });

  it('after the sandbox restarts, catches up on the customer events it missed, signed with the provider secret', async () => {
    const dir = await tempDir('paycli-stripe-replay-');
    cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
    const dataFile = path.join(dir, 'sandbox.json');
    const app: Receiver = await startReceiver();
    cleanup.push(() => app.close());
    let s = await startStripeSandbox({ inMemory: false, dataFile });
    const closeCurrent = () => s.close();
    cleanup.push(() => closeCurrent());

    // listen's reconnection waits on a fake clock (started at the real time, so signatures stay fresh): what
    // happens while the sandbox is back but listen has not reconnected yet reaches the app only by replay.
    const clock = new FakeClock(Date.now());
    const updates: ForwarderUpdate[] = [];
    const forwarder = new Forwarder({
      client: () => new SandboxClient(s.sandbox.url, s.sandbox.merchant.secret_key),
      forwardTo: app.url,
      events: null,
      providers: await loadProviders(),
      clock,
      backoffMs: [1000],
    });
    cleanup.push(() => forwarder.stop());
    await forwarder.start((u) => updates.push(u));

    const ada = await client(s).customers.create({ email: 'ada@example.com' });
    await waitFor(() => app.requests.length === 1);

    const port = s.sandbox.port;
    await s.close();
    await waitFor(() => updates.some((u) => u.type === 'disconnected'));
    s = await startStripeSandbox({ inMemory: false, dataFile, port, ports: { stripe: 0 } });
    const stripe = client(s);
    const bob = await stripe.customers.create({ email: 'bob@example.com' });
    await stripe.paymentIntents.create({ amount: 900, currency: 'usd', customer: bob.id, payment_method: 'pm_card_visa', confirm: true });
    await stripe.customers.update(ada.id, { name: 'Ada' });
    expect(app.requests).toHaveLength(1);

    await clock.advance(1000);
    await waitFor(() => updates.some((u) => u.type === 'reconnected'));
    await waitFor(() => app.requests.length === 6);
    const events = app.requests.map((req) => stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, s.keys.webhook_secret));
    expect(events[0]).toMatchObject({ type: 'customer.created', data: { object: { id: ada.id } } });
    expect(events.slice(1).map((e) => e.type).sort()).toEqual(['charge.succeeded', 'customer.created', 'customer.updated', 'payment_intent.created', 'payment_intent.succeeded']);
    expect(new Set(events.map((e) => e.id)).size).toBe(6);
    expect(events.find((e) => e.type === 'customer.updated')!.data.object).toMatchObject({ id: ada.id, name: 'Ada' });
  });
});
