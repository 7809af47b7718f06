/**
 * The Stripe app `paycli init --psp stripe` writes, run for real: its own node:test suite, then the app on
 * stripe-node against the sandbox's Stripe provider, its webhooks registered as an endpoint: a paid order
 * is recorded once, a decline is reported as declined, a duplicated webhook is processed once, a tampered
 * one is refused with 400, and a 3-D Secure payment whose webhook is dropped is found paid by the order query.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInit } from '../../src/commands/init.js';
import { planScaffold } from '../../src/scaffold/plan.js';
import { waitFor } from '../helpers/sandbox.js';
import { startStripeSandbox, type StripeSandbox } from '../providers/stripe/stripe-sandbox.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

interface Order {
  order_id: string;
  status: string;
  payment_intent: string | null;
  decline_code: string | null;
  webhook_seen: boolean;
  events: string[];
}
interface Answer {
  status: number;
  body: { received?: boolean; duplicate?: boolean; error?: string };
  event: { id: string; type: string; data: { object: { id: string } } } | null;
}

describe('the Stripe express-js app', () => {
  let dir: string;
  let s: StripeSandbox;
  let server: Server;
  let appUrl: string;
  let stripe: Stripe;
  let orders: { get(id: string): Order | null };
  /** Every answer of the app's webhook route, with the event it was about when the body parses. */
  const answers: Answer[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'paycli-stripe-app-'));
    for (const f of planScaffold({ psp: 'stripe', framework: 'express', language: 'js', projectName: 'shop', ci: false, paycliVersion: '^0.1.0' })) {
      mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      writeFileSync(path.join(dir, f.path), f.contents);
    }
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    s = await startStripeSandbox();

    const mod = async (p: string) => import(pathToFileURL(path.join(dir, p)).href);
    const { createApp } = await mod('src/app.js');
    const { OrderStore } = await mod('src/orders.js');
    const { StripeWebhookReceiver } = await mod('src/webhook.js');
    const { loadConfig, stripeOptions } = await mod('src/config.js');
    const url = new URL(s.url);
    // What the app reads from .env: the sandbox's Stripe port and keys.
    const env = { STRIPE_SECRET_KEY: s.keys.secret_key, STRIPE_WEBHOOK_SECRET: s.keys.webhook_secret, STRIPE_HOST: url.hostname, STRIPE_PORT: url.port, STRIPE_PROTOCOL: 'http', STRIPE_MAX_NETWORK_RETRIES: '0', PORT: '0' };
    const config = loadConfig(env);
    stripe = new Stripe(config.secretKey, stripeOptions(env));
    orders = new OrderStore();
    const webhooks = new StripeWebhookReceiver(stripe, orders, () => config.webhookSecret, { warn() {} });
    const handle = webhooks.handle.bind(webhooks);
    webhooks.handle = (raw: Buffer, signature: string | undefined) => {
      const answer = handle(raw, signature);
      let event: Answer['event'] = null;
      try {
        event = JSON.parse(raw.toString('utf8'));
      } catch {
        // Not JSON: recorded without its event.
      }
      answers.push({ ...answer, event });
      return answer;
    };
    server = createApp({ stripe, orders, webhooks, config }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    config.appBaseUrl = appUrl;
    // As in production: the app is a webhook endpoint, and verifies with that endpoint's own secret.
    const endpoint = await stripe.webhookEndpoints.create({
      url: `${appUrl}/webhook`,
      enabled_events: ['payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.requires_action'],
    });
    expect(endpoint.secret).toMatch(/^whsec_/);
    config.webhookSecret = endpoint.secret;
  });
  afterAll(async () => {
    if (server) await new Promise((r) => server.close(r));
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const checkout = async (body: Record<string, unknown>) => {
    const res = await fetch(`${appUrl}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Order & { redirect_url?: string; error?: string } };
  };
  const chaos = async (rule: Record<string, unknown>) => {
    const res = await fetch(`${s.sandbox.url}/_sandbox/chaos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: ['payment.succeeded'], times: 1, ...rule }),
    });
    expect(res.status).toBeLessThan(300);
  };
  const answersFor = (pi: string, type: string) => answers.filter((a) => a.event?.type === type && a.event.data.object.id === pi);

  it('is what init --psp stripe writes: the app on stripe-node, no CI workflow, and refuses other combinations', async () => {
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))).toMatchObject({ dependencies: { stripe: '^23.0.0', express: '^5.1.0' }, scripts: { test: 'node --test test/' } });
    const target = mkdtempSync(path.join(tmpdir(), 'paycli-stripe-init-'));
    try {
      expect(await runInit({ psp: 'stripe', dir: 'shop', yes: true, json: true }, { cwd: target, interactive: false })).toBe(0);
      expect(readFileSync(path.join(target, 'shop/src/webhook.js'), 'utf8')).toContain('constructEvent');
      expect(readFileSync(path.join(target, 'shop/.env.example'), 'utf8')).toContain('STRIPE_PORT=12111');
      expect(existsSync(path.join(target, 'shop/.github'))).toBe(false);
      await expect(runInit({ psp: 'stripe', ci: true, yes: true, json: true }, { cwd: target, interactive: false })).rejects.toMatchObject({ code: 'invalid_usage' });
      await expect(runInit({ psp: 'stripe', language: 'ts', yes: true, json: true }, { cwd: target, interactive: false })).rejects.toMatchObject({
        code: 'invalid_usage',
        hint: '--psp stripe is available for: Express (JavaScript).',
      });
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('passes its own tests', () => {
    const run = spawnSync(process.execPath, ['--test', 'test/'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr + run.stdout).toMatch(/# pass 3/);
    expect(run.status).toBe(0);
  });

  it('records a paid order once, from the answer and the verified webhook', async () => {
    const paid = await checkout({ order_id: 'p1', amount: 1999, currency: 'usd', payment_method: 'pm_card_visa' });
    expect(paid).toMatchObject({ status: 200, body: { order_id: 'p1', status: 'paid', payment_intent: expect.stringMatching(/^pi_/) } });
    const pi = paid.body.payment_intent!;
    await waitFor(() => answersFor(pi, 'payment_intent.succeeded').length >= 1);
    expect(answersFor(pi, 'payment_intent.succeeded').map((a) => a.status)).toEqual([200]);
    const order = orders.get('p1')!;
    expect(order).toMatchObject({ status: 'paid', webhook_seen: true });
    expect(order.events).toEqual([answersFor(pi, 'payment_intent.succeeded')[0]!.event!.id]);
    // Paying the same order again is refused, not a second charge.
    expect((await checkout({ order_id: 'p1', amount: 1999, currency: 'usd', payment_method: 'pm_card_visa' })).status).toBe(409);
    expect((await stripe.paymentIntents.list({ limit: 100 })).data.filter((p) => p.metadata.order_id === 'p1')).toHaveLength(1);
  });

  it('reports a decline as declined, takes another card for the same order, and refuses bad input with a 400 naming the field', async () => {
    const declined = await checkout({ order_id: 'd1', amount: 500, currency: 'usd', payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds' });
    expect(declined).toMatchObject({ status: 402, body: { status: 'declined', decline_code: 'insufficient_funds' } });
    const pi = declined.body.payment_intent!;
    await waitFor(() => answersFor(pi, 'payment_intent.payment_failed').length >= 1);
    expect(await (await fetch(`${appUrl}/orders/d1`)).json()).toMatchObject({ status: 'declined', decline_code: 'insufficient_funds' });
    // Another card for the same order confirms the same intent.
    expect(await checkout({ order_id: 'd1', amount: 500, currency: 'usd', payment_method: 'pm_card_visa' })).toMatchObject({ status: 200, body: { status: 'paid', payment_intent: pi, decline_code: null } });
    expect(await checkout({ order_id: 'd2', amount: -1, payment_method: 'pm_card_visa' })).toMatchObject({ status: 400, body: { error: 'invalid_amount' } });
    expect(await checkout({ order_id: 'd2', amount: 100 })).toMatchObject({ status: 400, body: { error: 'invalid_payment_method' } });
    const notJson = await fetch(`${appUrl}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"order_id":' });
    expect([notJson.status, await notJson.json()]).toEqual([400, { error: 'invalid_json', message: 'The body is not valid JSON.' }]);
    expect((await fetch(`${appUrl}/orders/nope`)).status).toBe(404);
  });

  it('processes a duplicated webhook once', async () => {
    await chaos({ duplicates: 1 });
    const paid = await checkout({ order_id: 'w1', amount: 2500, currency: 'eur', payment_method: 'pm_card_mastercard' });
    expect(paid.body.status).toBe('paid');
    const pi = paid.body.payment_intent!;
    await waitFor(() => answersFor(pi, 'payment_intent.succeeded').length >= 2);
    const got = answersFor(pi, 'payment_intent.succeeded');
    expect(new Set(got.map((a) => a.event!.id)).size).toBe(1);
    expect(got.map((a) => [a.status, a.body.duplicate === true])).toEqual([
      [200, false],
      [200, true],
    ]);
    expect(orders.get('w1')!.events).toEqual([got[0]!.event!.id]);
  });

  it('rejects a tampered webhook with 400 and applies the genuine one', async () => {
    await chaos({ probe: 'tampered' });
    // Counted before the checkout: its webhooks may reach the app before the checkout's own answer does.
    const before = answers.length;
    const paid = await checkout({ order_id: 't1', amount: 700, currency: 'usd', payment_method: 'pm_card_visa' });
    const pi = paid.body.payment_intent!;
    await waitFor(() => answers.slice(before).some((a) => a.status === 400) && answersFor(pi, 'payment_intent.succeeded').some((a) => a.status === 200));
    expect(answers.slice(before).filter((a) => a.status === 400).map((a) => a.body)).toEqual([{ error: 'invalid_signature' }]);
    expect(orders.get('t1')!.events).toHaveLength(1);
  });

  it('finds a 3-D Secure payment paid by querying the intent when its webhook is dropped', async () => {
    await chaos({ drop: true });
    const started = await checkout({ order_id: 'x1', amount: 4200, currency: 'usd', payment_method: 'pm_card_authenticationRequired' });
    expect(started).toMatchObject({ status: 202, body: { status: 'requires_action', redirect_url: expect.stringMatching(/^http/) } });
    const pi = started.body.payment_intent!;
    await waitFor(() => answersFor(pi, 'payment_intent.requires_action').length >= 1);
    const done = await fetch(`${s.sandbox.url}/_sandbox/buyer/${pi}/complete`, { method: 'POST', headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}` } });
    expect(done.status).toBeLessThan(400);
    // The sentinel: the sandbox records the succeeded event's delivery as dropped.
    const dropped = async () => {
      const res = await fetch(`${s.sandbox.url}/_sandbox/deliveries?status=dropped`, { headers: { authorization: `Bearer ${s.sandbox.merchant.secret_key}` } });
      return ((await res.json()) as { data: unknown[] }).data.length;
    };
    for (let tries = 0; (await dropped()) < 1; tries++) {
      if (tries > 500) throw new Error('the succeeded webhook was never dropped');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(answersFor(pi, 'payment_intent.succeeded')).toEqual([]);
    expect(orders.get('x1')!.status).toBe('requires_action');
    expect(await (await fetch(`${appUrl}/orders/x1`)).json()).toMatchObject({ status: 'paid', payment_intent: pi });
  });
});
