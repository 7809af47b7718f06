/**
 * The proof that `paycli init --psp alipay` writes an app that holds up: the generated app, started as its
 * own process on alipay-sdk and configured only through its environment with the fixed scenario
 * credentials and the run's Alipay address, passes the Alipay scenario library and conformance set run
 * in-process, in key mode and in certificate mode. Apps with the usual notify-handler mistakes fail the
 * conformance scenario about that mistake, saying why.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planScaffold } from '../../src/scaffold/plan.js';
import { builtinSetPath } from '../../src/scenarios/builtin.js';
import { loadScenarios, type LoadedScenario } from '../../src/scenarios/loader.js';
import type { RunReport } from '../../src/scenarios/results.js';
import { runScenarios } from '../../src/scenarios/runner.js';
import { startInProcessEnvironment, type SandboxEnvironment } from '../../src/scenarios/scenario-sandbox.js';
import { ROOT, startApp, type RunningApp } from './harness.js';

/** Every failure of a report, one line per scenario, for a readable assertion message. */
function failuresOf(report: RunReport): string[] {
  return report.scenarios
    .filter((r) => r.status !== 'passed')
    .map((r) => `${r.name} (${r.status}): ${r.failures.map((f) => `step ${f.step} ${f.check}: ${f.message}`).join('; ')}`);
}

describe('the app paycli init --psp alipay writes, against the Alipay scenario sets', { timeout: 300_000 }, () => {
  let dir = '';
  let env: SandboxEnvironment;
  let library: LoadedScenario[];
  let conformance: LoadedScenario[];
  const apps: RunningApp[] = [];
  let settings: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'paycli-alipay-scenarios-'));
    for (const f of planScaffold({ psp: 'alipay', framework: 'express', language: 'js', projectName: 'shop', ci: false, paycliVersion: '^0.1.0' })) {
      mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      writeFileSync(path.join(dir, f.path), f.contents);
    }
    // The app's only dependencies (express, alipay-sdk) are this repository's too.
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    env = await startInProcessEnvironment({ port: 0, seed: 'paycli', providers: ['alipay'], providerPorts: { alipay: 0 } });
    settings = env.providers.alipay!.settings as Record<string, string>;
    library = loadScenarios([builtinSetPath('alipay')], ROOT);
    conformance = loadScenarios([builtinSetPath('alipay-conformance')], ROOT);
  }, 120_000);

  afterAll(async () => {
    for (const app of apps) await app.stop();
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The generated app as its own process, configured as its .env.example says, from the run's settings. */
  async function startGenerated(mode: 'key' | 'cert'): Promise<RunningApp> {
    const keys: Record<string, string> =
      mode === 'key'
        ? { ALIPAY_PUBLIC_KEY_PATH: settings.alipay_public_key_file! }
        : {
            ALIPAY_PUBLIC_KEY_PATH: '',
            ALIPAY_APP_CERT_PATH: settings.app_cert_file!,
            ALIPAY_PUBLIC_CERT_PATH: settings.alipay_public_cert_file!,
            ALIPAY_ROOT_CERT_PATH: settings.alipay_root_cert_file!,
          };
    const app = await startApp(dir, [process.execPath, 'src/server.js'], {
      ALIPAY_APP_ID: settings.app_id!,
      ALIPAY_GATEWAY: settings.gateway!,
      ALIPAY_ENDPOINT: settings.endpoint!,
      ALIPAY_PRIVATE_KEY_PATH: mode === 'key' ? settings.app_private_key_file! : settings.app_private_key_pkcs8_file!,
      // The sweep of quiet orders runs on the wall clock; the scenarios need the app to query on reads only.
      ALIPAY_QUERY_AFTER_MS: '3600000',
      ...keys,
    });
    apps.push(app);
    return app;
  }

  it('passes the whole Alipay library and conformance set (key mode, PKCS#1 key)', async () => {
    // `--builtin alipay` is the library with its conformance set.
    expect(conformance.length).toBeGreaterThanOrEqual(6);
    expect(library.map((l) => l.scenario.name)).toEqual(expect.arrayContaining(conformance.map((l) => l.scenario.name)));
    expect(library.length).toBeGreaterThanOrEqual(conformance.length + 7);
    const app = await startGenerated('key');
    const report = await runScenarios(library, { environment: env, appUrl: app.url, seed: 'paycli' });
    expect(failuresOf(report), app.output().slice(-3000)).toEqual([]);
    expect(report.summary.passed).toBe(library.length);
    await app.stop();
  });

  it('passes the conformance set in certificate mode (PKCS#8 key, the three certificates)', async () => {
    const app = await startGenerated('cert');
    const report = await runScenarios(conformance, { environment: env, appUrl: app.url, seed: 'paycli' });
    expect(failuresOf(report), app.output().slice(-3000)).toEqual([]);
    await app.stop();
  });

  describe('apps with the usual notify-handler mistakes fail the scenario about it', () => {
    type Handler = (fields: Record<string, string>, ctx: { alipay: AlipaySdk; orders: { applyTrade(f: Record<string, string>): unknown } }) => { status: number; body: string };
    const mod = async (p: string) => import(pathToFileURL(path.join(dir, p)).href);

    /** The generated app's own routes and order store, with another notify handler (and optionally no query). */
    async function runWith(handler: Handler, scenarios: LoadedScenario[], opts: { noQuery?: boolean } = {}): Promise<RunReport> {
      const { createApp } = await mod('src/app.js');
      const { OrderStore } = await mod('src/orders.js');
      const { alipayOptions } = await mod('src/config.js');
      const alipay = new AlipaySdk(
        alipayOptions({
          ALIPAY_APP_ID: settings.app_id,
          ALIPAY_GATEWAY: settings.gateway,
          ALIPAY_ENDPOINT: settings.endpoint,
          ALIPAY_PRIVATE_KEY_PATH: settings.app_private_key_file,
          ALIPAY_PUBLIC_KEY_PATH: settings.alipay_public_key_file,
        }),
      );
      if (opts.noQuery) {
        // An app that never asks Alipay: every query fails as if Alipay had never heard of the trade.
        const exec = alipay.exec.bind(alipay);
        alipay.exec = (async (method: string, ...rest: unknown[]) =>
          method === 'alipay.trade.query' ? { code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' } : (exec as (...a: unknown[]) => unknown)(method, ...rest)) as typeof alipay.exec;
      }
      const orders = new OrderStore();
      const config = { appId: settings.app_id, appBaseUrl: '', queryAfterMs: 3_600_000, port: 0 };
      const notifications = { handle: (fields: Record<string, string>) => handler(fields, { alipay, orders }) };
      const server = createApp({ alipay, orders, config, notifications }).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      config.appBaseUrl = url;
      try {
        return await runScenarios(scenarios, { environment: env, appUrl: url, seed: 'paycli' });
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    }
    const named = (fragment: string) => conformance.filter((l) => l.scenario.name.includes(fragment));
    const failureOf = (report: RunReport) => report.scenarios[0]!.failures.map((f) => `${f.check}: ${f.message}`).join('\n');

    it('answering success without verifying fails "a tampered notification does not get success"', async () => {
      const report = await runWith((fields, { orders }) => {
        orders.applyTrade(fields);
        return { status: 200, body: 'success' };
      }, named('tampered'));
      expect(report.scenarios[0]!.status).toBe('failed');
      expect(failureOf(report)).toMatch(/expect\.notifications\[0\]: the app accepted the tampered copy of TRADE_SUCCESS .*"success"; it must refuse it/);
    });

    it('answering fail to a notification already processed fails "duplicates get success and are processed once"', async () => {
      const seen = new Set<string>();
      const report = await runWith((fields, { alipay, orders }) => {
        if (!alipay.checkNotifySignV2(fields)) return { status: 200, body: 'fail' };
        if (seen.has(fields.notify_id!)) return { status: 200, body: 'fail' };
        seen.add(fields.notify_id!);
        orders.applyTrade(fields);
        return { status: 200, body: 'success' };
      }, named('duplicates'));
      expect(report.scenarios[0]!.status).toBe('failed');
      expect(failureOf(report)).toMatch(/expect\.notifications\[0\]: TRADE_SUCCESS \(\S+\) was not acknowledged .*"fail"/);
    });

    it('setting the order from trade_status alone fails "a late TRADE_SUCCESS after the refund does not reopen the order"', async () => {
      const report = await runWith((fields, { alipay, orders }) => {
        if (!alipay.checkNotifySignV2(fields)) return { status: 200, body: 'fail' };
        const order = (orders as unknown as { get(id: string): { status: string } | null }).get(fields.out_trade_no!);
        if (order) order.status = fields.trade_status === 'TRADE_SUCCESS' ? 'paid' : 'refunded';
        return { status: 200, body: 'success' };
      }, named('reopen'));
      expect(report.scenarios[0]!.status).toBe('failed');
      expect(failureOf(report)).toMatch(/expect\.app\.json: GET \/orders\/\S+: status is "paid", expected "refunded"/);
    });

    it('never querying Alipay fails "a dropped notification, the app queries the trade"', async () => {
      const report = await runWith((fields, { alipay, orders }) => {
        if (!alipay.checkNotifySignV2(fields)) return { status: 200, body: 'fail' };
        orders.applyTrade(fields);
        return { status: 200, body: 'success' };
      }, named('dropped'), { noQuery: true });
      expect(report.scenarios[0]!.status).toBe('failed');
      expect(failureOf(report)).toMatch(/expect\.app\.json: GET \/orders\/\S+: status is "pending", expected "paid"/);
      expect(failureOf(report)).toMatch(/expect\.app_requests\[0\]: the app made 0 request\(s\) to the sandbox matching POST \/gateway\.do\?method=alipay\.trade\.query/);
    });
  });
});
