/**
 * `--sandbox-url`: scenarios against a sandbox that is already running on a virtual clock, driven through
 * its control API. The app's own requests are told apart from the runner's in the sandbox's request log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/clock.js';
import { PaycliError } from '../../src/errors.js';
import { connectRemoteEnvironment } from '../../src/scenarios/remote-sandbox.js';
import { junitReport } from '../../src/scenarios/reporters/junit.js';
import { runScenarios } from '../../src/scenarios/runner.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import type { MerchantAppConfig, RunningApp } from '../fixtures/app-server.js';
import { startNaiveApp } from '../fixtures/naive-app.js';
import { startReferenceApp } from '../fixtures/reference-app.js';
import { load } from './harness.js';
import { parseXml } from './xml.js';

let sandbox: Sandbox | null = null;
let app: RunningApp | null = null;
afterEach(async () => {
  await app?.close();
  await sandbox?.close();
  app = null;
  sandbox = null;
});

async function start(startApp: (config: MerchantAppConfig) => Promise<RunningApp>) {
  sandbox = await startSandbox({ port: 0, inMemory: true, virtualClock: true, signatureClock: new SystemClock() });
  const m = sandbox.merchant;
  app = await startApp({ sandboxUrl: sandbox.url, secretKey: m.secret_key, webhookSecret: m.webhook_secret });
  const environment = await connectRemoteEnvironment({ url: sandbox.url, apiKey: m.secret_key });
  return { environment, appUrl: app.url };
}

const FILES = ['card-success', 'notification-delayed', 'notification-dropped', 'notification-out-of-order', 'partial-then-full-refund', 'notification-fails-twice'].map(
  (f) => `scenarios/${f}.yaml`,
);

describe('scenarios against a running sandbox', () => {
  it('passes with the reference app; a setup only the in-process sandbox can honour is an error, not a failure', async () => {
    const report = await runScenarios(load(...FILES), await start(startReferenceApp));
    const statuses = Object.fromEntries(report.scenarios.map((s) => [s.name, s.status]));
    expect(statuses).toEqual({
      'card payment succeeds': 'passed',
      'notification delayed 30 minutes': 'passed',
      'notification dropped, the app must query': 'passed',
      'notifications out of order': 'passed',
      'partial then full refund': 'passed',
      'notification fails twice then is acknowledged': 'error',
    });
    const retried = report.scenarios.find((s) => s.status === 'error')!;
    expect(retried.failures[0]!.message).toMatch(/setup merchant\.retry_schedule can only be honoured by the in-process sandbox/);
    expect(report.sandbox).toBe('remote');
    const xml = parseXml(junitReport(report));
    expect(xml.children[0]!.attributes).toMatchObject({ tests: '6', errors: '1', failures: '0' });
  });

  it('still sees that the naive app never queried the PSP (the runner\'s own reads do not count)', async () => {
    const report = await runScenarios(load('scenarios/notification-dropped.yaml'), await start(startNaiveApp));
    expect(report.scenarios[0]!.failures.map((f) => f.message)).toEqual([
      expect.stringMatching(/status is "pending", expected "paid"/),
      expect.stringMatching(/the app made 0 request\(s\) to the sandbox matching GET \/v1\/payments\*/),
    ]);
  });

  it('refuses a sandbox on the real clock, or a wrong key', async () => {
    sandbox = await startSandbox({ port: 0, inMemory: true });
    await expect(connectRemoteEnvironment({ url: sandbox.url, apiKey: sandbox.merchant.secret_key })).rejects.toThrow(/runs on the real clock/);
    const virtual = await startSandbox({ port: 0, inMemory: true, virtualClock: true });
    try {
      const err = await connectRemoteEnvironment({ url: virtual.url, apiKey: 'sk_test_wrong' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PaycliError);
      expect((err as PaycliError).code).toBe('invalid_api_key');
    } finally {
      await virtual.close();
    }
  });
});
