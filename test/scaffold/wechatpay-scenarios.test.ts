/**
 * The WeChat Pay app `paycli init --psp wechatpay` writes, proven against the WeChat Pay scenario library
 * and conformance set (scenarios/wechatpay/): configured once with the fixed scenario credentials and the
 * fronts' URLs, it passes every scenario run in-process through runScenarios. A naive notification handler
 * (one that does not check the timestamp, one that acknowledges before verifying, one that decrypts without
 * verifying the signature) fails the conformance
 * scenario made for it, with the reason.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WechatpayCredentials } from '../../src/providers/wechatpay/credentials.js';
import { planScaffold } from '../../src/scaffold/plan.js';
import { builtinSetPath } from '../../src/scenarios/builtin.js';
import { loadScenarios } from '../../src/scenarios/loader.js';
import type { RunReport } from '../../src/scenarios/results.js';
import { runScenarios } from '../../src/scenarios/runner.js';
import { startInProcessEnvironment, type SandboxEnvironment } from '../../src/scenarios/scenario-sandbox.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

type Handle = (headers: Record<string, unknown>, body: string) => { status: number; body?: unknown };
interface Receiver {
  handle: Handle;
}
/** Turns the generated receiver into a naive one; the identity for the app as generated. */
type Naive = (receiver: Receiver, setNow: (sec: number) => void) => void;

/** WeChat Pay's answer when an order does not exist, as wechatpay-axios-plugin throws it. */
const orderNotExist = () => Object.assign(new Error('Request failed with status code 404'), { response: { status: 404, data: { code: 'ORDER_NOT_EXIST', message: '订单不存在' } } });

interface RunningApp {
  url: string;
  close(): Promise<void>;
}

function failuresOf(report: RunReport): string[] {
  return report.scenarios.filter((s) => s.status !== 'passed').map((s) => `${s.name}: ${s.failures.map((f) => `step ${f.step} ${f.check}: ${f.message}`).join('; ')}`);
}

describe('the WeChat Pay app against the WeChat Pay scenario sets', { timeout: 120_000 }, () => {
  let dir: string;
  let env: SandboxEnvironment;
  const fixed = (() => {
    const { _comment, ...creds } = JSON.parse(readFileSync(path.join(ROOT, 'builtin/credentials/wechatpay.json'), 'utf8')) as WechatpayCredentials & { _comment: string };
    return creds as WechatpayCredentials;
  })();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'paycli-wechatpay-scenarios-'));
    for (const f of planScaffold({ psp: 'wechatpay', framework: 'express', language: 'js', projectName: 'shop', ci: false, paycliVersion: '^0.1.0' })) {
      mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      writeFileSync(path.join(dir, f.path), f.contents);
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    env = await startInProcessEnvironment({ port: 0, seed: 'paycli', providers: ['wechatpay'], providerPorts: { wechatpay: 0 } });
  });
  afterAll(async () => {
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts the generated app in this process, configured as a developer would from what `scenario run`
   * prints for WeChat Pay (its front's URL, the fixed credentials' ids and key files).
   */
  async function startApp(naive: Naive | null = null, opts: { neverQueries?: boolean } = {}): Promise<RunningApp> {
    const mod = async (p: string) => import(pathToFileURL(path.join(dir, p)).href);
    const { createApp } = await mod('src/app.js');
    const { OrderStore } = await mod('src/orders.js');
    const { WechatpayNotifyReceiver } = await mod('src/notify.js');
    const { loadConfig, wechatpayOptions } = await mod('src/config.js');
    const { default: wechatpay } = await import('wechatpay-axios-plugin');
    const w = env.providers.wechatpay!;
    const s = w.settings as Record<string, string>;
    const vars: Record<string, string> = {
      WECHATPAY_BASE_URL: `${w.url}/`,
      WECHATPAY_MCHID: s.mchid!,
      WECHATPAY_APPID: s.appid!,
      WECHATPAY_MERCHANT_SERIAL: s.merchant_serial!,
      WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: s.merchant_private_key_file!,
      WECHATPAY_APIV3_KEY: s.apiv3_key!,
      WECHATPAY_SIGNING: s.signing!,
      WECHATPAY_PUBLIC_KEY_ID: s.public_key_id!,
      WECHATPAY_PUBLIC_KEY_FILE: s.public_key_file!,
      PORT: '0',
    };
    const options = wechatpayOptions(vars);
    // The fixed credentials, as the run hands them out.
    expect(options).toMatchObject({ mchid: fixed.mchid, serial: fixed.merchant_serial, privateKey: fixed.merchant_private_key, certs: { [fixed.public_key_id]: fixed.public_key } });
    const config = loadConfig(vars);
    const orders = new OrderStore();
    let nowSec: number | null = null;
    const clock = () => nowSec ?? Math.floor(Date.now() / 1000);
    const notifications = new WechatpayNotifyReceiver({ certs: options.certs, apiv3Key: config.apiv3Key, mchid: config.mchid, appid: config.appid }, orders, { warn() {} }, clock);
    naive?.(notifications, (sec) => (nowSec = sec));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the plugin's chain is built at run time
    let wxpay: any = new wechatpay.Wechatpay(options);
    if (opts.neverQueries) {
      // An app that only places orders and waits for notifications: its order query finds nothing.
      const native = wxpay.v3.pay.transactions.native;
      wxpay = { v3: { pay: { transactions: { native, outTradeNo: { _out_trade_no_: { get: async () => Promise.reject(orderNotExist()) } } } } } };
    }
    const server: Server = createApp({ wxpay, orders, config, notifications }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    config.appBaseUrl = url;
    return { url, close: () => new Promise((r) => server.close(() => r())) };
  }

  // --builtin wechatpay: the library and, in its conformance/ folder, the conformance set.
  const run = (app: RunningApp, filter?: string) => runScenarios(loadScenarios([builtinSetPath('wechatpay')], ROOT), { environment: env, appUrl: app.url, seed: 'paycli', filter });

  it('passes the whole library and the conformance set', async () => {
    const app = await startApp();
    try {
      const report = await run(app);
      expect(failuresOf(report)).toEqual([]);
      expect(report.summary.passed).toBe(14);
    } finally {
      await app.close();
    }
  });

  it('a handler that does not check Wechatpay-Timestamp fails the stale-timestamp conformance scenario, and only it', async () => {
    // It verifies the signature, but against the notification's own timestamp: a replay passes.
    const app = await startApp((receiver, setNow) => {
      const handle = receiver.handle.bind(receiver);
      receiver.handle = (headers, body) => {
        setNow(Number(headers['wechatpay-timestamp']));
        return handle(headers, body);
      };
    });
    try {
      const report = await run(app, 'wechatpay conformance');
      expect(report.scenarios.filter((s) => s.status !== 'passed').map((s) => s.name)).toEqual(['wechatpay conformance: a stale Wechatpay-Timestamp is refused']);
      expect(failuresOf(report).join('\n')).toMatch(/the app accepted the stale copy of TRANSACTION\.SUCCESS \([^)]+\): answered 204/);
    } finally {
      await app.close();
    }
  });

  it('a handler that acknowledges before verifying fails the tampered-notification conformance scenario', async () => {
    // "Answer fast" taken too far: 204 at once, whatever the verification says.
    const app = await startApp((receiver) => {
      const handle = receiver.handle.bind(receiver);
      receiver.handle = (headers, body) => {
        handle(headers, body);
        return { status: 204 };
      };
    });
    try {
      const report = await run(app, 'wechatpay conformance');
      expect(report.scenarios.filter((s) => s.status !== 'passed').map((s) => s.name)).toEqual([
        'wechatpay conformance: a tampered notification is refused',
        'wechatpay conformance: a stale Wechatpay-Timestamp is refused',
        'wechatpay conformance: a notification signed with the wrong key is refused',
      ]);
      expect(failuresOf(report).join('\n')).toMatch(/the app accepted the tampered copy of TRANSACTION\.SUCCESS \([^)]+\): answered 204/);
    } finally {
      await app.close();
    }
  });

  it('a handler that decrypts without verifying the signature fails the forged-signature conformance scenario, and only it', async () => {
    // The generated handler with its Wechatpay-Signature check taken out: the resource still has to decrypt
    // with the APIv3 key (so a tampered ciphertext is still refused) and the timestamp is still checked.
    const { Rsa } = await import('wechatpay-axios-plugin');
    const app = await startApp((receiver) => {
      const handle = receiver.handle.bind(receiver);
      receiver.handle = (headers, body) => {
        const verify = Rsa.verify;
        Rsa.verify = () => true;
        try {
          return handle(headers, body);
        } finally {
          Rsa.verify = verify;
        }
      };
    });
    try {
      const report = await run(app, 'wechatpay conformance');
      expect(report.scenarios.filter((s) => s.status !== 'passed').map((s) => s.name)).toEqual(['wechatpay conformance: a notification signed with the wrong key is refused']);
      expect(failuresOf(report).join('\n')).toMatch(/the app accepted the forged copy of TRANSACTION\.SUCCESS \([^)]+\): answered 204/);
    } finally {
      await app.close();
    }
  });

  it('an app that never queries WeChat Pay fails the late and lost notification scenarios, and the closed orders', async () => {
    const app = await startApp(null, { neverQueries: true });
    try {
      const report = await run(app);
      expect(report.scenarios.filter((s) => s.status !== 'passed').map((s) => s.name).sort()).toEqual([
        'wechatpay conformance: a late notification, the app queries the order',
        'wechatpay conformance: a lost notification, the app queries the order',
        'wechatpay: TRANSACTION.SUCCESS an hour late',
        'wechatpay: the merchant closes an unpaid order',
        'wechatpay: the payer never pays, the order closes',
      ]);
      const lost = failuresOf(report).find((f) => f.startsWith('wechatpay conformance: a lost notification'))!;
      expect(lost).toMatch(/status is "pending", expected "paid"/);
      expect(lost).toMatch(/the app made 0 request\(s\) to the sandbox matching GET \/v3\/pay\/transactions\/out-trade-no\/\*, expected at least 1/);
    } finally {
      await app.close();
    }
  });
});
