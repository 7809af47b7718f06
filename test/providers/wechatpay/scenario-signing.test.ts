/**
 * Scenario runs for a merchant whose WeChat Pay account signs with the platform certificate (平台证书):
 * `scenario run --wechatpay-signing platform-certificate` (or PAYCLI_WECHATPAY_SIGNING) serves WeChat Pay
 * signing answers and notifications with it, and `scenario credentials` prints the settings for that mode,
 * so an app configured as in production (certs keyed by the platform serial) verifies everything.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenarioCredentials } from '../../../src/commands/scenario-credentials.js';
import { runScenarioCommand } from '../../../src/commands/scenario-run.js';
import { loadProvidersSigning } from '../../../src/providers/registry.js';
import { startInProcessEnvironment, type SandboxEnvironment } from '../../../src/scenarios/scenario-sandbox.js';
import type { Scenario } from '../../../src/scenarios/schema.js';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { axiosPlugin } from './harness.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'paycli-wechatpay-signing-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function deps(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  return { out, deps: { cwd: dir, env, stdout: (t: string) => void out.push(t), stderr: () => {} } };
}

describe('WeChat Pay scenario credentials in a signing mode', () => {
  it('prints the platform certificate settings with --wechatpay-signing platform-certificate, and the .env says so', async () => {
    const { out, deps: d } = deps();
    expect(await runScenarioCredentials({ provider: 'wechatpay', wechatpaySigning: 'platform-certificate', json: true, out: path.join(dir, 'keys') }, d)).toBe(0);
    const printed = JSON.parse(out.join('')) as { settings: Record<string, string>; files: Record<string, string> };
    expect(printed.settings.signing).toBe('platform-certificate');
    expect(readFileSync(printed.files['.env']!, 'utf8')).toContain('WECHATPAY_SIGNING=platform-certificate');
  });

  it('takes PAYCLI_WECHATPAY_SIGNING too, defaults to the public key, and refuses another mode naming it', async () => {
    const fromEnv = deps({ PAYCLI_WECHATPAY_SIGNING: 'platform-certificate' });
    await runScenarioCredentials({ provider: 'wechatpay', json: true, out: path.join(dir, 'env-keys') }, fromEnv.deps);
    expect(JSON.parse(fromEnv.out.join('')).settings.signing).toBe('platform-certificate');
    const byDefault = deps();
    await runScenarioCredentials({ provider: 'wechatpay', json: true, out: path.join(dir, 'default-keys') }, byDefault.deps);
    expect(JSON.parse(byDefault.out.join('')).settings.signing).toBe('public-key');
    await expect(runScenarioCredentials({ provider: 'wechatpay', wechatpaySigning: 'rsa', out: path.join(dir, 'x') }, deps().deps)).rejects.toMatchObject({
      code: 'invalid_usage',
      message: expect.stringContaining('--wechatpay-signing'),
    });
  });
});

describe('scenario run --wechatpay-signing', () => {
  it('refuses a mode that is neither, naming the flag, before starting anything', async () => {
    await expect(runScenarioCommand([], { builtin: 'wechatpay-conformance', wechatpaySigning: 'platform-cert' }, deps().deps)).rejects.toMatchObject({
      code: 'invalid_usage',
      message: expect.stringContaining('--wechatpay-signing'),
      hint: expect.stringContaining('platform-certificate'),
    });
  });
});

describe('a WeChat Pay scenario sandbox signing with the platform certificate', () => {
  let env: SandboxEnvironment;
  let receiver: Receiver;
  beforeAll(async () => {
    env = await startInProcessEnvironment({
      port: 0,
      seed: 'paycli',
      providers: ['wechatpay'],
      providerPorts: { wechatpay: 0 },
      keyDir: path.join(dir, 'run'),
      registry: await loadProvidersSigning('platform-certificate'),
    });
    receiver = await startReceiver(() => ({ status: 204 }));
  });
  afterAll(async () => {
    await env?.close();
    await receiver?.close();
  });

  it('answers and notifies signed with the platform certificate the settings name, verified by wechatpay-axios-plugin', async () => {
    const w = env.providers.wechatpay!;
    const s = w.settings as Record<string, string>;
    expect(s.signing).toBe('platform-certificate');
    const certs = { [s.platform_serial!]: readFileSync(s.platform_cert_file!, 'utf8') };
    const wxpay = new axiosPlugin.Wechatpay({ mchid: s.mchid, serial: s.merchant_serial, privateKey: readFileSync(s.merchant_private_key_file!, 'utf8'), certs, baseURL: `${w.url}/` });
    const sandbox = await env.open({ name: 'platform certificate', setup: { provider: 'wechatpay' }, steps: [] } as unknown as Scenario, 'paycli', 10);
    try {
      const placed = await wxpay.v3.pay.transactions.native.post({ appid: s.appid, mchid: s.mchid, description: 'tea', out_trade_no: 'sig-platform-1', notify_url: receiver.url, amount: { total: 100, currency: 'CNY' } });
      expect(placed.headers['wechatpay-serial']).toBe(s.platform_serial);
      expect((await sandbox.call('POST', '/_sandbox/buyer/sig-platform-1/complete')).status).toBe(200);
      await sandbox.settle();
      await waitFor(() => receiver.requests.length === 1);
      const { headers, body } = receiver.requests[0]!;
      expect(headers['wechatpay-serial']).toBe(s.platform_serial);
      const message = axiosPlugin.Formatter.joinedByLineFeed(headers['wechatpay-timestamp'], headers['wechatpay-nonce'], body);
      expect(axiosPlugin.Rsa.verify(message, headers['wechatpay-signature'] as string, certs[s.platform_serial!])).toBe(true);
      expect(JSON.parse(body).event_type).toBe('TRANSACTION.SUCCESS');
    } finally {
      await sandbox.close();
    }
  });
});
