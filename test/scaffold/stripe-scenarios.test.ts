/**
 * The proof of the Stripe template: the app `paycli init --psp stripe` writes passes paycli's Stripe
 * scenario library and the Stripe conformance set, run in-process as `paycli scenario run --builtin stripe`
 * does (the app on stripe-node against the run's fixed Stripe front and credentials); and a naive webhook
 * handler fails the conformance scenarios that name its fault.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinSetPath } from '../../src/scenarios/builtin.js';
import { loadScenarios } from '../../src/scenarios/loader.js';
import type { RunReport } from '../../src/scenarios/results.js';
import { runScenarios } from '../../src/scenarios/runner.js';
import { startInProcessEnvironment, type SandboxEnvironment } from '../../src/scenarios/scenario-sandbox.js';
import { startStripeTemplateApp, type Receiver, type StripeEvent, type StripeTemplateApp, type WebhookHandler } from './stripe-scenario-app.js';

/** Applies an event to its order, as the template does, but with no memory of the events it has seen. */
const apply = (r: Receiver, event: StripeEvent) => {
  if (event.type.startsWith('payment_intent.')) {
    const { order } = r.orders.applyIntent(event.data.object, event.created);
    order?.events.push(event.id);
  }
  return { status: 200, body: { received: true } };
};
/** Parses the body and trusts it: no signature check. */
const unverified = (r: Receiver): WebhookHandler => (raw) => apply(r, JSON.parse(raw.toString('utf8')) as StripeEvent);
/** Verifies, but processes every copy of an event. */
const noDedupe = (r: Receiver): WebhookHandler => (raw, sig) => {
  try {
    return apply(r, r.stripe.webhooks.constructEvent(raw, sig ?? '', r.secret()));
  } catch {
    return { status: 400, body: { error: 'invalid_signature' } };
  }
};

/** Verifies with a secret that is not the run's. */
const otherSecret = (r: Receiver): WebhookHandler => (raw, sig) => {
  try {
    return apply(r, r.stripe.webhooks.constructEvent(raw, sig ?? '', 'whsec_not_the_one_the_run_printed'));
  } catch {
    return { status: 400, body: { error: 'invalid_signature' } };
  }
};

const failuresOf = (report: RunReport) =>
  report.scenarios.filter((r) => r.status !== 'passed').map((r) => `${r.name}: ${r.failures.map((f) => `step ${f.step} ${f.check}: ${f.message}`).join('; ')}`);

describe('the Stripe template against the Stripe scenarios', { timeout: 120_000 }, () => {
  let env: SandboxEnvironment;
  let app: StripeTemplateApp;

  beforeAll(async () => {
    env = await startInProcessEnvironment({ port: 0, seed: 'paycli', providers: ['stripe'], providerPorts: { stripe: 0 } });
    app = await startStripeTemplateApp(env.providers.stripe!);
  });
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  it('passes the Stripe library and conformance set', async () => {
    const scenarios = loadScenarios([builtinSetPath('stripe')], process.cwd());
    const report = await runScenarios(scenarios, { environment: env, appUrl: app.url, seed: 'paycli' });
    expect(failuresOf(report)).toEqual([]);
    expect(report.summary.passed).toBe(scenarios.length);
  });

  it("redelivers Stripe's own events too (payment_intent.created), not only those of a payment", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paycli-stripe-redeliver-'));
    writeFileSync(
      path.join(dir, 'redeliver.yaml'),
      `version: 1
name: own events are redelivered
setup: { provider: stripe, app: { notify_url: /webhook } }
steps:
  - id: order
    checkout: { amount: 2000, currency: usd, card: "4242424242424242" }
    expect:
      notifications:
        - { event: payment_intent.created, count: 1, acknowledged: true }
  - redeliver: { events: [payment_intent.created] }
    expect:
      notifications:
        - { event: payment_intent.created, count: 2, acknowledged: true }
        - { event: payment_intent.succeeded, count: 1 }
  - redeliver: { events: [payment_intent.created], payment: "\${order.payment_intent}" }
`,
    );
    const report = await runScenarios(loadScenarios([dir], dir), { environment: env, appUrl: app.url, seed: 'paycli' });
    expect(report.scenarios[0]!.steps.map((st) => st.status)).toEqual(['passed', 'passed', 'error']);
    // Named by payment, an event no payment caused is not that payment's.
    expect(report.scenarios[0]!.failures[0]).toMatchObject({ step: 3, message: expect.stringContaining('nothing to redeliver') });
  });

  describe('naive webhook handlers fail the conformance scenario that names their fault', () => {
    const conformance = () => loadScenarios([builtinSetPath('stripe-conformance')], process.cwd());
    const runWith = async (handler: (r: Receiver) => WebhookHandler, filter: string) => {
      const naive = await startStripeTemplateApp(env.providers.stripe!, { webhookHandler: handler });
      try {
        return await runScenarios(conformance(), { environment: env, appUrl: naive.url, seed: 'paycli', filter });
      } finally {
        await naive.close();
      }
    };

    it('a handler that does not verify accepts the tampered copy', async () => {
      const report = await runWith(unverified, 'tampered');
      expect(report.scenarios.map((r) => [r.name, r.status])).toEqual([['stripe conformance: a tampered signature is refused', 'failed']]);
      expect(report.scenarios[0]!.failures[0]).toMatchObject({
        step: 1,
        check: 'expect.notifications[0]',
        message: expect.stringMatching(/^the app accepted the tampered copy of payment_intent\.succeeded \(evt_\w+\): answered 200 .*; it must refuse it$/),
        hint: expect.stringContaining('stripe.webhooks.constructEvent'),
      });
    });

    it('a handler that does not deduplicate applies a redelivered event again', async () => {
      const report = await runWith(noDedupe, 'duplicates');
      expect(report.scenarios.map((r) => [r.name, r.status])).toEqual([['stripe conformance: duplicates and redeliveries are acknowledged and applied once', 'failed']]);
      const failure = report.scenarios[0]!.failures.find((f) => f.check === 'expect.app.unchanged');
      expect(failure).toMatchObject({ step: 2, message: expect.stringMatching(/^GET \/orders\/ord_\w+ changed during the step: events /), hint: expect.stringContaining('event.id') });
    });

    it('an app holding another webhook secret is told to use the Stripe credentials the run printed', async () => {
      const report = await runWith(otherSecret, 'signed event');
      expect(report.scenarios[0]!.status).toBe('failed');
      expect(report.scenarios[0]!.failures.find((f) => f.check === 'app.webhook_secret')).toMatchObject({
        hint: `Configure the app with the stripe credentials printed at the start of the run (webhook secret ${String(env.providers.stripe!.settings.webhook_secret)}): provider scenarios use fixed test credentials.`,
      });
    });
  });
});
