/**
 * `paycli events show|resend` by the notification id an app logged, when that notification was never
 * stored because it had no destination when it happened (it reached the app only through `listen`, or
 * nowhere): a WeChat Pay REFUND.ABNORMAL of an order without notify_url, a Stripe event with no webhook
 * endpoint. Run as a user runs them (`node bin/paycli.js`).
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

describe('paycli events by a notification id that was never stored (child process)', () => {
  it('shows and resends a WeChat Pay and a Stripe notification that went nowhere when it happened', async () => {
    const dir = await tempDir('paycli-events-notification-id-');
    const sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['stripe', 'wechatpay'] });
    const app = await startReceiver(() => ({ status: 200 }));
    writeRuntimeFile(dir, sandbox);
    cleanup.push(() => fs.rm(dir, { recursive: true, force: true }), () => sandbox.close(), () => app.close());
    const run = (args: string[]) => runPaycli(args, dir, cleanup);

    const wechat = await run(['trigger', 'REFUND.ABNORMAL', '--json']);
    expect(wechat.code, wechat.stderr).toBe(0);
    const abnormal = (JSON.parse(wechat.stdout).events as { id: string; type: string }[]).find((e) => e.type === 'REFUND.ABNORMAL')!;
    const stripe = await run(['trigger', 'payment_intent.succeeded', '--json']);
    expect(stripe.code, stripe.stderr).toBe(0);
    const succeeded = (JSON.parse(stripe.stdout).events as { id: string; type: string }[]).find((e) => e.type === 'payment_intent.succeeded')!;

    const shown = await run(['events', 'show', abnormal.id, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const view = JSON.parse(shown.stdout);
    expect(view.event.type).toBe('refund.failed');
    expect(view.event.notifications).toEqual([{ id: abnormal.id, type: 'REFUND.ABNORMAL' }]);
    const shownStripe = await run(['events', 'show', succeeded.id]);
    expect(shownStripe.code, shownStripe.stderr).toBe(0);
    expect(shownStripe.stdout).toContain(succeeded.id);

    const resent = await run(['events', 'resend', abnormal.id, '--to', app.url]);
    expect(resent.code, resent.stderr).toBe(0);
    const resentStripe = await run(['events', 'resend', succeeded.id, '--to', app.url]);
    expect(resentStripe.code, resentStripe.stderr).toBe(0);
    await waitFor(() => app.requests.some((r) => r.headers['stripe-signature'] !== undefined));
    const wechatBodies = app.requests.filter((r) => r.headers['wechatpay-signature'] !== undefined).map((r) => JSON.parse(r.body));
    expect(wechatBodies.map((b) => [b.id, b.event_type])).toEqual([[abnormal.id, 'REFUND.ABNORMAL']]);
    const keys = sandbox.providers.stripe!.credentials as { secret_key: string; webhook_secret: string };
    const verifier = new Stripe(keys.secret_key);
    const events = app.requests
      .filter((r) => r.headers['stripe-signature'] !== undefined)
      .map((r) => verifier.webhooks.constructEvent(r.body, r.headers['stripe-signature'] as string, keys.webhook_secret));
    expect(events.map((e) => e.id)).toContain(succeeded.id);

    const unknown = await run(['events', 'show', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No such event');
  });
});
