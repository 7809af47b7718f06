/** `paycli listen --provider stripe`: Stripe's events forwarded to an app, verifiable with constructEvent. */
import { promises as fs } from 'node:fs';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runEventsResend } from '../../../src/commands/events.js';
import { runListen } from '../../../src/commands/listen.js';
import { runTrigger } from '../../../src/commands/trigger.js';
import { captureOutput, stopSwitch, tempDir, writeRuntimeFile, type Captured } from '../../devloop/helpers.js';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { startSandbox } from '../../../src/sandbox/sandbox.js';
import { startStripeSandbox, type StripeSandbox } from './stripe-sandbox.js';

let io: Captured;
let dir: string;
let psp: StripeSandbox;
let app: Receiver;

beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
  psp = await startStripeSandbox();
  app = await startReceiver();
  writeRuntimeFile(dir, psp.sandbox);
});
afterEach(async () => {
  await app.close();
  await psp.close();
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

describe('paycli listen --provider stripe', () => {
  it('--print-secret prints the secret that signs what it forwards', async () => {
    expect(await runListen({ provider: 'stripe', printSecret: true }, { cwd: dir, env: {} })).toBe(0);
    expect(io.out().trim()).toBe(psp.keys.webhook_secret);
  });

  it('forwards new events in order, signed for constructEvent, filtered by --events', async () => {
    const url = new URL(psp.url);
    const stripe = new Stripe(psp.keys.secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
    await stripe.customers.create({ email: 'before@example.com' }); // before listen starts: not forwarded
    const stop = stopSwitch();
    const done = runListen({ provider: 'stripe', forwardTo: app.url, events: 'payment_intent.*,charge.succeeded', json: true }, { cwd: dir, env: {}, stop: stop.promise });
    await waitFor(() => io.out().includes('"type":"ready"'));
    const pi = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    await waitFor(() => app.requests.length >= 3);
    const events = app.requests.map((r) => stripe.webhooks.constructEvent(r.body, r.headers['stripe-signature'] as string, psp.keys.webhook_secret));
    expect(events.map((e) => e.type)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
    expect((events[2]!.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
    stop.stop();
    expect(await done).toBe(0);
    const deliveries = io.out().trim().split('\n').map((l) => JSON.parse(l)).filter((u) => u.type === 'delivery');
    expect(deliveries.map((d) => [d.event_type, d.status, d.acknowledged])).toEqual([
      ['payment_intent.created', 200, true],
      ['charge.succeeded', 200, true],
      ['payment_intent.succeeded', 200, true],
    ]);
  });

  it('forwards checkout.session.completed, and an event resent with `paycli events resend`, marked resent', async () => {
    const stop = stopSwitch();
    const done = runListen({ provider: 'stripe', forwardTo: app.url, events: 'checkout.session.*,payment_intent.succeeded', json: true }, { cwd: dir, env: {}, stop: stop.promise });
    await waitFor(() => io.out().includes('"type":"ready"'));
    expect(await runTrigger('checkout.session.completed', { json: true }, { cwd: dir, env: {} })).toBe(0);
    await waitFor(() => app.requests.length >= 2);
    const verifier = new Stripe(psp.keys.secret_key);
    const verify = (r: (typeof app.requests)[number]) => verifier.webhooks.constructEvent(r.body, r.headers['stripe-signature'] as string, psp.keys.webhook_secret);
    const first = app.requests.map(verify);
    expect(first.map((e) => e.type)).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
    expect((first[1]!.data.object as Stripe.Checkout.Session).status).toBe('complete');

    // A resend of one Stripe event sends that event alone, as `stripe events resend` does; the sentinel
    // resent after it, on the same stream, proves no other one went with it.
    expect(await runEventsResend(first[1]!.id, { json: true }, { cwd: dir, env: {} })).toBe(0);
    expect(await runEventsResend(first[0]!.id, { json: true }, { cwd: dir, env: {} })).toBe(0);
    await waitFor(() => app.requests.length >= 4);
    stop.stop();
    expect(await done).toBe(0);
    const lines = io.json();
    expect(lines.find((u) => u.type === 'ready').webhook_secret).toBe(psp.keys.webhook_secret);
    const deliveries = lines.filter((u) => u.type === 'delivery');
    expect(app.requests.slice(2).map(verify).map((e) => [e.id, e.type])).toEqual([first[1], first[0]].map((e) => [e!.id, e!.type]));
    expect(app.requests).toHaveLength(4);
    expect(deliveries.map((d) => [d.event_type, d.resent === true])).toEqual([
      ['payment_intent.succeeded', false],
      ['checkout.session.completed', false],
      ['checkout.session.completed', true],
      ['payment_intent.succeeded', true],
    ]);
  });

  it('says so when the sandbox here does not serve Stripe', async () => {
    // A sandbox of its own (not whatever may answer on the default port meanwhile), serving the native API only.
    const other = await tempDir();
    const native = await startSandbox({ port: 0, inMemory: true, providers: ['paycli'] });
    try {
      writeRuntimeFile(other, native);
      await expect(runListen({ provider: 'stripe', forwardTo: '3000' }, { cwd: other, env: {} })).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringMatching(/does not serve Stripe/) });
    } finally {
      await native.close();
      await fs.rm(other, { recursive: true, force: true });
    }
  });
});
