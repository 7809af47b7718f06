/**
 * Provider scenarios (`setup.provider: stripe`) in the runner and the command: event types checked against
 * the provider's own, built-in sets that are not shipped, a running sandbox refusing them, what
 * `scenario run` prints for the app (the Stripe front, the fixed keys; `--stripe-port`), and providers'
 * key files written 0600 where the command says.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/clock.js';
import { runScenarioCommand } from '../../src/commands/scenario-run.js';
import { builtinSetPath } from '../../src/scenarios/builtin.js';
import { mintScenarioCredentials } from '../../src/scenarios/credentials-minting.js';
import { loadScenarioFile, loadScenarios, type Problem } from '../../src/scenarios/loader.js';
import { loadScenarioCredentials } from '../../src/scenarios/provider-environment.js';
import { connectRemoteEnvironment } from '../../src/scenarios/remote-sandbox.js';
import type { RunReport } from '../../src/scenarios/results.js';
import { runScenarios } from '../../src/scenarios/runner.js';
import { startInProcessEnvironment } from '../../src/scenarios/scenario-sandbox.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { freePort } from '../scaffold/harness.js';
import { startStripeTemplateApp, type StripeTemplateApp } from '../scaffold/stripe-scenario-app.js';
import { load, ROOT } from './harness.js';

const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

function problemsOf(text: string): Problem[] {
  const dir = tmp('paycli-provider-validate-');
  const file = path.join(dir, 's.yaml');
  writeFileSync(file, text);
  const r = loadScenarioFile(file, dir);
  return r.ok ? [] : r.problems;
}

const stripeScenario = (steps: string) => `version: 1\nname: s\nsetup: { provider: stripe }\nsteps:\n${steps}`;

describe('validating provider scenarios', () => {
  it("checks event types against the scenario's provider, with a did-you-mean", () => {
    const problems = problemsOf(
      stripeScenario(`  - checkout: { amount: 100, currency: usd, card: "4242424242424242" }
    notifications: { events: [payment.succeeded] }
    expect:
      notifications: [{ event: "charge.*" }, { event: payment.failed }]
      notification_order: [payment_intent.succeeded, payment.captured]
  - redeliver: { events: [payment_intent.*] }
`),
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['steps[0].notifications.events[0]', '"payment.succeeded" is not an event type stripe sends: did you mean "payment_intent.succeeded"?'],
      ['steps[0].expect.notifications[1].event', '"payment.failed" is not an event type stripe sends: did you mean "charge.failed"?'],
      ['steps[0].expect.notification_order[1]', '"payment.captured" is not an event type stripe sends: did you mean "charge.captured"?'],
    ]);
    // A native scenario names the native types.
    const native = problemsOf('version: 1\nname: n\nsteps:\n  - advance: 1m\n    expect: { notifications: [{ event: payment_intent.succeeded }] }\n');
    expect(native.map((p) => p.message)).toEqual(['"payment_intent.succeeded" is not an event type paycli sends: did you mean "payment.succeeded"?']);
  });

  it('refuses a provider scenarios cannot drive, and a type no provider sends', () => {
    expect(problemsOf('version: 1\nname: s\nsetup: { provider: strpe }\nsteps:\n  - advance: 1m\n')[0]).toMatchObject({ path: 'setup.provider', message: expect.stringMatching(/^must be one of paycli, stripe/) });
    expect(problemsOf(stripeScenario('  - redeliver: { events: [payment_intent.succeded] }\n'))[0]).toMatchObject({ path: 'steps[0].redeliver.events[0]', message: expect.stringMatching(/event type/) });
  });

  it('the Stripe library and conformance set are valid, and a parent folder does not pull them into a native run', () => {
    expect(load(builtinSetPath('stripe')).length).toBeGreaterThanOrEqual(15);
    expect(load(builtinSetPath('stripe-conformance')).every((l) => l.scenario.setup?.provider === 'stripe')).toBe(true);
    expect(load('scenarios').every((l) => (l.scenario.setup?.provider ?? 'paycli') === 'paycli')).toBe(true);
  });
});

describe('built-in sets', () => {
  it('name a provider set the package does not ship with a clear usage error', () => {
    const root = tmp('paycli-no-sets-');
    expect(() => builtinSetPath('alipay-conformance', root)).toThrow(expect.objectContaining({ code: 'invalid_usage', message: 'The built-in scenario set "alipay-conformance" is not in this version of paycli (no scenarios/alipay/conformance folder).' }));
    expect(() => builtinSetPath('stripe-conformanse')).toThrow(expect.objectContaining({ code: 'invalid_usage', hint: expect.stringContaining('stripe-conformance') }));
  });
});

describe('a running sandbox (--sandbox-url)', () => {
  let sandbox: Sandbox | null = null;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = null;
  });

  it('refuses a provider scenario as a setup error naming the fix', async () => {
    sandbox = await startSandbox({ port: 0, inMemory: true, virtualClock: true, signatureClock: new SystemClock() });
    const environment = await connectRemoteEnvironment({ url: sandbox.url, apiKey: sandbox.merchant.secret_key });
    const report = await runScenarios(load('scenarios/stripe/card-paid.yaml'), { environment, appUrl: 'http://127.0.0.1:9' });
    expect(report.scenarios[0]).toMatchObject({ status: 'error', failures: [{ check: 'setup', message: expect.stringContaining('stripe scenarios need the in-process sandbox') }] });
  });
});

describe('paycli scenario run with Stripe scenarios', () => {
  let app: StripeTemplateApp | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  const run = async (args: string[], opts: Record<string, string>) => {
    let stdout = '';
    let stderr = '';
    const cwd = tmp('paycli-provider-cli-');
    const code = await runScenarioCommand(args.map((a) => path.join(ROOT, a)), opts, { cwd, env: {}, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), signal: new AbortController().signal });
    return { code, stdout, stderr, cwd };
  };

  it('serves Stripe on --stripe-port with the fixed keys, prints them, and carries them in the JSON report', async () => {
    const port = await freePort();
    const creds = await loadScenarioCredentials('stripe');
    const url = `http://127.0.0.1:${port}`;
    app = await startStripeTemplateApp({ name: 'stripe', title: 'Stripe', url, port, settings: creds, files: {} });

    const pretty = await run(['scenarios/stripe/card-paid.yaml', 'scenarios/stripe/conformance/2-tampered-signature.yaml'], { port: '0', stripePort: String(port), appUrl: app.url, seed: 's1' });
    expect(pretty.code, pretty.stdout).toBe(0);
    expect(pretty.stdout).toContain(`  stripe   ${url} (Stripe scenarios: point the app's SDK here, with these settings)`);
    expect(pretty.stdout).toContain(`    secret_key      ${String(creds.secret_key)}\n    publishable_key ${String(creds.publishable_key)}\n    webhook_secret  ${String(creds.webhook_secret)}\n`);
    expect(pretty.stdout).toMatch(/2 scenarios: 2 passed/);

    const json = await run(['scenarios/stripe/card-paid.yaml'], { port: '0', stripePort: String(port), appUrl: app.url, reporter: 'json', seed: 's2' });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as RunReport;
    expect(report.providers).toEqual({ stripe: { name: 'stripe', title: 'Stripe', url, port, files: {}, settings: { url, ...creds } } });
    // Stripe needs no key files: nothing is written.
    expect(existsSync(path.join(json.cwd, '.paycli', 'scenario'))).toBe(false);
  });

  it('reports a port in use for the Stripe front, naming the flag', async () => {
    const port = await freePort();
    const creds = await loadScenarioCredentials('stripe');
    app = await startStripeTemplateApp({ name: 'stripe', title: 'Stripe', url: `http://127.0.0.1:${port}`, port, settings: creds, files: {} });
    const taken = Number(new URL(app.url).port);
    await expect(run(['scenarios/stripe/card-paid.yaml'], { port: '0', stripePort: String(taken) })).rejects.toMatchObject({ code: 'port_in_use', hint: expect.stringContaining('--stripe-port') });
  });
});

describe('a step the provider cannot do as written', () => {
  it('is the step\'s error, saying what to write instead (a wallet for Stripe)', async () => {
    const dir = tmp('paycli-provider-refusal-');
    writeFileSync(path.join(dir, 'w.yaml'), stripeScenario('  - create_payment: { amount: 100, currency: usd, wallet: alipay }\n  - advance: 1m\n'));
    const env = await startInProcessEnvironment({ port: 0, seed: 'paycli', providers: ['stripe'], providerPorts: { stripe: 0 } });
    try {
      const report = await runScenarios(loadScenarios([dir], dir), { environment: env, appUrl: 'http://127.0.0.1:9' });
      expect(report.scenarios[0]!.steps.map((st) => st.status)).toEqual(['error', 'skipped']);
      expect(report.scenarios[0]!.failures[0]).toMatchObject({ step: 1, check: 'action', message: expect.stringMatching(/^Stripe scenarios pay by card: use card, or payment_method: \{ id: pm_card_visa \}/) });
    } finally {
      await env.close();
    }
  });
});

describe("providers' key files", () => {
  it('are written 0600 under <keyDir>/<provider>/ and named in the settings the run prints', async () => {
    const keyDir = path.join(tmp('paycli-provider-keys-'), '.paycli', 'scenario');
    const env = await startInProcessEnvironment({ port: 0, seed: 'paycli', providers: ['alipay'], providerPorts: { alipay: 0 }, keyDir, providerCredentials: { alipay: await mintScenarioCredentials('alipay') } });
    try {
      const alipay = env.providers.alipay!;
      const files = Object.values(alipay.files);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        expect(path.dirname(f)).toBe(path.join(keyDir, 'alipay'));
        expect(statSync(f).mode & 0o777).toBe(0o600);
        expect(readFileSync(f, 'utf8').length).toBeGreaterThan(0);
      }
      expect(JSON.stringify(alipay.settings)).toContain(files[0]!);
    } finally {
      await env.close();
    }
  });
});
