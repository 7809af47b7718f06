/**
 * The done-when suite of one `paycli init` template: scaffold it with the CLI, install, type-check and
 * build, run its own tests, start it against a real sandbox, and run the integration checks. Each template's
 * test file calls `templateSuite` once; steps share one install, so a file costs one `npm install`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { builtinSetPath } from '../../src/scenarios/builtin.js';
import { loadScenarios } from '../../src/scenarios/loader.js';
import { runScenarios } from '../../src/scenarios/runner.js';
import { startInProcessEnvironment, type SandboxEnvironment } from '../../src/scenarios/scenario-sandbox.js';
import { startTestSandbox, type Api } from '../helpers/sandbox.js';
import { AppChecks } from './app-checks.js';
import { BIN, childEnv, freePort, npm, ok, ROOT, run, scaffoldAndInstall, startApp, type RunningApp } from './harness.js';

export interface SuiteOptions {
  framework: string;
  language: string;
  /** npm scripts that must pass before the app starts, in order (e.g. typecheck, build, test). */
  scripts: string[];
  /** The command that starts the built app. */
  start: string[];
}

export function templateSuite(o: SuiteOptions): void {
  describe(`paycli init --framework ${o.framework} --language ${o.language}`, { timeout: 600_000 }, () => {
    let dir = '';
    let api: Api | null = null;
    let app: RunningApp | null = null;
    let scenarioApp: RunningApp | null = null;
    let env: SandboxEnvironment | null = null;

    beforeAll(async () => {
      dir = await scaffoldAndInstall(o.framework, o.language);
    }, 600_000);

    afterAll(async () => {
      await app?.stop();
      await api?.close();
      await scenarioApp?.stop();
      await env?.close();
    });

    for (const script of o.scripts) {
      test(`npm run ${script}`, async () => {
        ok(`npm run ${script}`, await npm(['run', script], dir, 300_000));
      }, 300_000);
    }

    test('init again after install and build: only package.json differs (this test removed the paycli devDependency)', async () => {
      const r = ok('paycli init --dry-run', await run(process.execPath, [BIN, 'init', '--framework', o.framework, '--language', o.language, '--dir', dir, '--yes', '--json', '--dry-run'], { cwd: dir }));
      expect(JSON.parse(r.stdout).conflicts).toEqual(['package.json']);
    });

    test('the started app passes the integration checks against a real sandbox', async () => {
      api = await startTestSandbox();
      app = await startApp(dir, o.start, {
        PSP_BASE_URL: api.sandbox.url,
        PSP_SECRET_KEY: api.sandbox.merchant.secret_key,
        PSP_WEBHOOK_SECRET: api.sandbox.merchant.webhook_secret,
      });
      try {
        await new AppChecks(api, app.url).all();
      } catch (err) {
        (err as Error).message += `\n--- app output\n${app.output().slice(-4000)}`;
        throw err;
      }
      expect(app.output()).not.toMatch(/UnhandledPromiseRejection|TypeError/);
      await app.stop();
    }, 120_000);

    test("the CI workflow's scenario command passes (the app's scenarios + --builtin conformance, JUnit report)", async () => {
      // The command the generated workflow runs, taken from the file itself, with the env the workflow sets.
      const workflow = readFileSync(path.join(dir, '.github', 'workflows', 'payments.yml'), 'utf8');
      const line = workflow.split('\n').find((l) => l.includes('npx paycli scenario run'))!;
      const args = line.trim().replace(/^npx paycli /, '').split(/\s+/);
      const port = await freePort();
      const keys = { PSP_SECRET_KEY: `sk_test_${randomBytes(16).toString('hex')}`, PSP_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` };
      scenarioApp = await startApp(dir, o.start, { PSP_BASE_URL: `http://127.0.0.1:${port}`, ...keys });
      mkdirSync(path.join(dir, 'reports'), { recursive: true });
      const r = await run(process.execPath, [BIN, ...args], {
        cwd: dir,
        env: childEnv({ PAYCLI_API_KEY: keys.PSP_SECRET_KEY, PAYCLI_WEBHOOK_SECRET: keys.PSP_WEBHOOK_SECRET, PAYCLI_APP_URL: scenarioApp.url, PAYCLI_PORT: String(port) }),
        timeoutMs: 120_000,
      });
      expect(r.code, `${r.stdout}\n${r.stderr}\n--- app\n${scenarioApp.output().slice(-3000)}`).toBe(0);
      const junit = readFileSync(path.join(dir, 'reports', 'paycli-junit.xml'), 'utf8');
      // 3 scenarios of the app's own + 5 of the conformance set.
      expect(junit.match(/<testcase /g)?.length).toBe(8);
      expect(junit).not.toMatch(/<failure|<error/);
      await scenarioApp.stop();
      scenarioApp = null;
    }, 180_000);

    test("paycli's whole scenario library (conformance included), the webhook-endpoint checks and the PSP API faults pass", async () => {
      env = await startInProcessEnvironment({ port: 0, seed: 'paycli' });
      scenarioApp = await startApp(dir, o.start, { PSP_BASE_URL: env.url, PSP_SECRET_KEY: env.secretKey, PSP_WEBHOOK_SECRET: env.webhookSecret! });
      // psp-faults: the PSP's own API fails (503, 429, reset) and the app must retry with its Idempotency-Key.
      const scenarios = loadScenarios([path.join(ROOT, 'scenarios'), builtinSetPath('webhook-endpoint'), builtinSetPath('psp-faults')], ROOT);
      expect(scenarios.length).toBeGreaterThanOrEqual(20);
      const report = await runScenarios(scenarios, { environment: env, appUrl: scenarioApp.url, seed: 'paycli' });
      const failures = report.scenarios.filter((r) => r.status !== 'passed').map((r) => `${r.name}: ${r.failures.map((f) => `step ${f.step} ${f.check}: ${f.message}`).join('; ')}`);
      expect(failures, scenarioApp.output().slice(-3000)).toEqual([]);
      expect(report.summary.passed).toBe(scenarios.length);
    }, 180_000);
  });
}
