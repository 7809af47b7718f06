/**
 * `paycli events list|show|resend` with an event a provider raises itself (Stripe's `customer.created`: no
 * payment behind it), as a user runs them: `node bin/paycli.js …` in a child process (dist/ is built by the
 * global setup), the sandbox found through the runtime file, the webhook endpoint a real local receiver.
 */
import { promises as fs } from 'node:fs';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/sandbox.js';
import { startReceiver, waitFor } from '../helpers/sandbox.js';
import { runPaycli, tempDir, writeRuntimeFile } from './helpers.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const run = (args: string[], cwd: string) => runPaycli(args, cwd, cleanup);

describe("paycli events with a provider's own event (child process)", () => {
  it('lists, shows and resends customer.created by the evt_… the receiver got', async () => {
    const dir = await tempDir('paycli-own-events-');
    const sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['stripe'] });
    const receiver = await startReceiver();
    writeRuntimeFile(dir, sandbox);
    cleanup.push(() => fs.rm(dir, { recursive: true, force: true }), () => sandbox.close(), () => receiver.close());
    const stripeUrl = new URL(sandbox.providers.stripe!.url);
    const stripe = new Stripe(sandbox.providers.stripe!.credentials.secret_key as string, {
      host: stripeUrl.hostname,
      port: Number(stripeUrl.port),
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    const we = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] });
    await stripe.customers.create({ email: 'ada@example.com' });
    await waitFor(() => receiver.requests.length === 1);
    const event = stripe.webhooks.constructEvent(receiver.requests[0]!.body, receiver.requests[0]!.headers['stripe-signature'] as string, we.secret as string);

    const list = await run(['events', 'list', '--provider', 'stripe', '--json'], dir);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).data).toEqual([expect.objectContaining({ id: event.id, type: 'customer.created', provider: 'stripe', payment_id: null })]);

    const show = await run(['events', 'show', event.id], dir);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`customer.created  ${event.id}`);
    expect(show.stdout).toMatch(new RegExp(`dlv_\\w+\\s+endpoint\\s+${receiver.url}\\s+(succeeded|pending)`));

    const resend = await run(['events', 'resend', event.id], dir);
    expect(resend.code, resend.stderr).toBe(0);
    expect(resend.stdout).toContain(`Resent ${event.id}`);
    expect(receiver.requests).toHaveLength(2);
    const again = stripe.webhooks.constructEvent(receiver.requests[1]!.body, receiver.requests[1]!.headers['stripe-signature'] as string, we.secret as string);
    expect(again).toMatchObject({ id: event.id, type: 'customer.created' });
  });
});
