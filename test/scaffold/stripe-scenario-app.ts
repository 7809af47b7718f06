/**
 * The app `paycli init --psp stripe` writes, scaffolded into a temporary folder and started in this
 * process on a free port, configured as a developer would from what `paycli scenario run` prints for
 * Stripe: its front's host and port, the fixed secret key and webhook secret.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { planScaffold } from '../../src/scaffold/plan.js';
import type { ProviderSetup } from '../../src/scenarios/provider-environment.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface StripeTemplateApp {
  url: string;
  /** The app's modules, as loaded from the scaffolded folder. */
  modules: Record<string, Record<string, unknown>>;
  close(): Promise<void>;
}

/** The generated app's webhook receiver, as a replacement handler sees it. */
export interface Receiver {
  stripe: { webhooks: { constructEvent(raw: Buffer, sig: string, secret: string): StripeEvent } };
  orders: { applyIntent(pi: unknown, at: number): { order: { webhook_seen: boolean; events: string[] } | null } };
  secret(): string;
}
export interface StripeEvent {
  id: string;
  type: string;
  created: number;
  data: { object: unknown };
}
export type WebhookHandler = (raw: Buffer, signature: string | undefined) => { status: number; body: unknown };

/**
 * Starts the generated app against a run's Stripe front. `webhookHandler` may replace the receiver's
 * `handle(raw, signature)` (a naive handler, for negative checks).
 */
export async function startStripeTemplateApp(stripe: ProviderSetup, opts: { webhookHandler?: (receiver: Receiver) => WebhookHandler } = {}): Promise<StripeTemplateApp> {
  const dir = mkdtempSync(path.join(tmpdir(), 'paycli-stripe-scenarios-'));
  for (const f of planScaffold({ psp: 'stripe', framework: 'express', language: 'js', projectName: 'shop', ci: false, paycliVersion: '^0.1.0' })) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.contents);
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const mod = async (p: string) => (await import(pathToFileURL(path.join(dir, p)).href)) as Record<string, unknown>;
  const modules = { app: await mod('src/app.js'), orders: await mod('src/orders.js'), webhook: await mod('src/webhook.js'), config: await mod('src/config.js') };
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const { createApp } = modules.app as any;
  const { OrderStore } = modules.orders as any;
  const { StripeWebhookReceiver } = modules.webhook as any;
  const { loadConfig, stripeOptions } = modules.config as any;
  const Stripe = (await import('stripe')).default;
  const front = new URL(stripe.url);
  const env = {
    STRIPE_SECRET_KEY: String(stripe.settings.secret_key),
    STRIPE_WEBHOOK_SECRET: String(stripe.settings.webhook_secret),
    STRIPE_HOST: front.hostname,
    STRIPE_PORT: front.port,
    STRIPE_PROTOCOL: 'http',
    PORT: '0',
  };
  const config = loadConfig(env);
  const client = new Stripe(config.secretKey, stripeOptions(env));
  const orders = new OrderStore();
  const webhooks = new StripeWebhookReceiver(client, orders, () => config.webhookSecret, { warn() {} });
  if (opts.webhookHandler) webhooks.handle = opts.webhookHandler(webhooks);
  const server: Server = createApp({ stripe: client, orders, webhooks, config }).listen(0, '127.0.0.1');
  /* eslint-enable @typescript-eslint/no-explicit-any */
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config.appBaseUrl = url;
  return {
    url,
    modules,
    async close() {
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
