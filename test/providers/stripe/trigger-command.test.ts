/** `paycli trigger <Stripe event name>` through the Stripe emulation of the sandbox found in the directory. */
import { promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Stripe from 'stripe';
import { runEventsList, runEventsResend, runEventsShow } from '../../../src/commands/events.js';
import { runTrigger } from '../../../src/commands/trigger.js';
import { startReceiver, waitFor } from '../../helpers/sandbox.js';
import { captureOutput, tempDir, writeRuntimeFile, type Captured } from '../../devloop/helpers.js';
import { startStripeSandbox, type StripeSandbox } from './stripe-sandbox.js';

let io: Captured;
let dir: string;
let psp: StripeSandbox;

beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
  psp = await startStripeSandbox();
});
afterEach(async () => {
  await psp.close();
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

const deps = () => ({ cwd: dir, env: {} });
const lastJson = () => JSON.parse(io.out().trim().split('\n').at(-1)!);

describe('paycli trigger with Stripe event names', () => {
  it('runs payment_intent.succeeded against the Stripe port named in the runtime file', async () => {
    writeRuntimeFile(dir, psp.sandbox);
    expect(await runTrigger('payment_intent.succeeded', { json: true }, deps())).toBe(0);
    const result = lastJson();
    expect(result.provider).toBe('stripe');
    expect(result.steps[0].id).toMatch(/^pi_/);
    expect(result.events.map((e: { type: string }) => e.type)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
  });

  it('lists the Stripe names with --list, and says so when no sandbox here serves Stripe', async () => {
    writeRuntimeFile(dir, psp.sandbox);
    expect(await runTrigger(undefined, { list: true, json: true }, deps())).toBe(0);
    const listed = lastJson() as { name: string; provider?: string }[];
    expect(listed.filter((f) => f.provider === 'stripe').map((f) => f.name)).toContain('checkout.session.completed');

    await fs.rm(dir, { recursive: true, force: true });
    dir = await tempDir();
    await expect(runTrigger('charge.refunded', {}, deps())).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringContaining('no sandbox serving Stripe') });
    await expect(runTrigger('charge.refunded', { amount: '5' }, deps())).rejects.toMatchObject({
      code: 'invalid_usage',
      message: expect.stringContaining('--amount does not apply'),
      hint: expect.stringContaining('as `stripe trigger` does'),
    });
    await expect(runTrigger('charge.refunded', { notifyUrl: '3000' }, deps())).rejects.toMatchObject({ hint: expect.stringContaining('paycli listen --provider stripe') });
  });

  it('charge.refunded reaches a webhook endpoint verifiable with constructEvent; events list, show and resend speak Stripe', async () => {
    writeRuntimeFile(dir, psp.sandbox);
    const url = new URL(psp.url);
    const stripe = new Stripe(psp.keys.secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
    const receiver = await startReceiver();
    try {
      const we = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
      expect(await runTrigger('charge.refunded', { provider: 'stripe', json: true }, deps())).toBe(0);
      const result = lastJson();
      expect(result.steps.map((s: { request: string }) => s.request)).toEqual(['POST /v1/payment_intents', 'POST /v1/refunds']);
      await waitFor(() => receiver.requests.length === result.expected_events.length);
      const received = receiver.requests.map((r) => stripe.webhooks.constructEvent(r.body, r.headers['stripe-signature'] as string, we.secret as string));
      expect(received.map((e) => e.type).sort()).toEqual([...result.expected_events].sort());

      io.stdout.length = 0;
      expect(await runEventsList({ provider: 'stripe', payment: result.payment_ref, json: true }, deps())).toBe(0);
      const listed = lastJson().data as { id: string; type: string; notifications: { id: string; type: string }[] }[];
      const succeeded = listed.find((e) => e.type === 'payment.succeeded')!;
      expect(succeeded.notifications.map((n) => n.type).sort()).toEqual(['charge.succeeded', 'payment_intent.succeeded']);

      const charge = succeeded.notifications.find((n) => n.type === 'charge.succeeded')!;
      io.stdout.length = 0;
      expect(await runEventsShow(charge.id, { json: true }, deps())).toBe(0);
      expect(lastJson().event).toMatchObject({ id: succeeded.id, provider: 'stripe' });

      // By a Stripe event's id, that event alone goes again (`stripe events resend`); waiting for each
      // resend's first attempt, the command has seen every delivery it made arrive.
      const before = receiver.requests.length;
      io.stdout.length = 0;
      expect(await runEventsResend(charge.id, {}, deps())).toBe(0);
      expect(receiver.requests.slice(before).map((r) => stripe.webhooks.constructEvent(r.body, r.headers['stripe-signature'] as string, we.secret as string).id)).toEqual([charge.id]);
      // By the domain event's id, every Stripe event it means.
      expect(await runEventsResend(succeeded.id, {}, deps())).toBe(0);
      const again = receiver.requests.slice(before + 1).map((r) => stripe.webhooks.constructEvent(r.body, r.headers['stripe-signature'] as string, we.secret as string));
      expect(again.map((e) => e.id).sort()).toEqual(succeeded.notifications.map((n) => n.id).sort());
    } finally {
      await receiver.close();
    }
  });
});
