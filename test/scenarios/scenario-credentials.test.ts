/**
 * `paycli scenario credentials`: the provider's fixed scenario key files written 0600 in a 0700 folder
 * before the app starts, and the settings printed; and the `.env`/README among key files naming the port
 * and folder actually used (by that command, by a scenario run and by `sandbox start --<p>-port`).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cryptoRandom, idGenerator } from '../../src/core/ids.js';
import { runScenarioCredentials, type ScenarioCredentialsOptions } from '../../src/commands/scenario-credentials.js';
import { loadProviders } from '../../src/providers/registry.js';
import { mintScenarioCredentials, SCENARIO_CERTIFICATE_YEARS } from '../../src/scenarios/credentials-minting.js';
import { loadScenarioCredentials, startProviderFronts } from '../../src/scenarios/provider-environment.js';
import { runMerchant } from '../../src/scenarios/scenario-sandbox.js';
import { startSandbox } from '../../src/sandbox/sandbox.js';

const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

async function run(opts: ScenarioCredentialsOptions, env: Record<string, string | undefined> = {}) {
  const cwd = tmp('paycli-scenario-creds-');
  let out = '';
  const code = await runScenarioCredentials(opts, { cwd, env, stdout: (t) => (out += t), stderr: () => {} });
  return { cwd, code, out };
}

const mode = (file: string) => statSync(file).mode & 0o777;

describe('paycli scenario credentials', () => {
  it("writes Alipay's key files 0600 in a 0700 folder where `scenario run` does, with the .env naming the port", async () => {
    const { cwd, code, out } = await run({ provider: 'alipay', alipayPort: '5999', json: true });
    expect(code).toBe(0);
    const answer = JSON.parse(out) as { provider: string; url: string; dir: string; files: Record<string, string>; settings: Record<string, unknown> };
    const dir = path.join(cwd, '.paycli', 'scenario', 'alipay');
    expect(answer).toMatchObject({ provider: 'alipay', url: 'http://127.0.0.1:5999', dir });
    expect(mode(dir)).toBe(0o700);
    const creds = await loadScenarioCredentials('alipay');
    expect(Object.keys(answer.files).sort()).toContain('alipay.env');
    for (const file of Object.values(answer.files)) {
      expect(path.dirname(file)).toBe(dir);
      expect(mode(file)).toBe(0o600);
    }
    const pems = Object.values(answer.files).filter((f) => /\.(pem|crt)$/.test(f));
    expect(pems.length).toBeGreaterThan(3);
    for (const pem of pems) expect(readFileSync(pem, 'utf8')).toMatch(/^-----BEGIN /);
    const env = readFileSync(answer.files['alipay.env']!, 'utf8');
    expect(env).toContain('ALIPAY_GATEWAY=http://127.0.0.1:5999/gateway.do');
    expect(env).toContain('ALIPAY_PRIVATE_KEY_PATH=.paycli/scenario/alipay/');
    // The PKCS#8 copy of the app key is named too, and is the file the readiness line gives as such.
    const pkcs8 = /^ALIPAY_PRIVATE_KEY_PKCS8_PATH=\.paycli\/scenario\/alipay\/(.+)$/m.exec(env)?.[1];
    expect(pkcs8).toBe(path.basename(String(answer.settings.app_private_key_pkcs8_file)));
    expect(readFileSync(path.join(dir, pkcs8!), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(env).not.toContain('4243');
    expect(readFileSync(answer.files['README.md']!, 'utf8')).toContain('.paycli/scenario/alipay/');
    // The settings are the provider's describe(): what `scenario run` prints for the app.
    const provider = (await loadProviders()).alipay!;
    expect(answer.settings).toEqual(JSON.parse(JSON.stringify(provider.describe(creds, { url: answer.url, files: answer.files }))));
    expect(answer.settings.app_id).toBe(creds.app_id);
  });

  it("writes WeChat Pay's files to --out, the port from PAYCLI_WECHATPAY_PORT, and prints the settings", async () => {
    const cwd = tmp('paycli-scenario-creds-');
    let out = '';
    const code = await runScenarioCredentials({ provider: 'wechatpay', out: 'keys/wx' }, { cwd, env: { PAYCLI_WECHATPAY_PORT: '6123' }, stdout: (t) => (out += t), stderr: () => {} });
    expect(code).toBe(0);
    const dir = path.join(cwd, 'keys', 'wx');
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'apiclient_key.pem'))).toBe(0o600);
    const env = readFileSync(path.join(dir, '.env'), 'utf8');
    expect(env).toContain('http://127.0.0.1:6123');
    expect(env).toContain('keys/wx/apiclient_key.pem');
    expect(env).not.toContain('4244');
    const creds = await loadScenarioCredentials('wechatpay');
    expect(out).toContain('Wrote 6 key files for WeChat Pay (API v3) to keys/wx/');
    expect(out).toContain(String(creds.mchid));
    expect(out).toContain(path.join(dir, 'apiclient_key.pem'));
  });

  it('prints the Stripe keys (Stripe needs no key files)', async () => {
    const { out } = await run({ provider: 'stripe' });
    const creds = await loadScenarioCredentials('stripe');
    expect(out).toContain('Stripe needs no key files.');
    expect(out).toContain(String(creds.secret_key));
    expect(out).toContain('http://127.0.0.1:12111');
  });

  it('refuses an unknown or native provider and a port the app cannot be configured with', async () => {
    await expect(run({ provider: 'alipy' })).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringContaining('"alipy"') });
    await expect(run({ provider: 'paycli' })).rejects.toMatchObject({ code: 'invalid_usage' });
    await expect(run({})).rejects.toMatchObject({ code: 'invalid_usage', message: 'Missing --provider.' });
    await expect(run({ provider: 'alipay', alipayPort: '0' })).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringContaining('--alipay-port') });
  });
});

describe('key files name the port and folder actually used', () => {
  it('in a scenario run: the front on a non-default port and the scenario folder', async () => {
    const keyDir = tmp('paycli-scenario-keys-');
    const { runtimes, close } = await startProviderFronts(['alipay', 'wechatpay'], { host: '127.0.0.1', ports: { alipay: 0, wechatpay: 0 }, keyDir });
    try {
      const alipay = runtimes.alipay!;
      expect(alipay.port).not.toBe(4243);
      expect(readFileSync(alipay.files['alipay.env']!, 'utf8')).toContain(`ALIPAY_GATEWAY=${alipay.url}/gateway.do`);
      expect(readFileSync(alipay.files['alipay.env']!, 'utf8')).toContain(`ALIPAY_PRIVATE_KEY_PATH=${path.join(keyDir, 'alipay')}/`);
      const wechat = runtimes.wechatpay!;
      const env = readFileSync(wechat.files['.env']!, 'utf8');
      expect(env).toContain(wechat.url);
      expect(env).not.toContain(':4244');
      expect(env).toContain(path.join(keyDir, 'wechatpay'));
    } finally {
      await close();
    }
  });

  it('in `sandbox start --alipay-port …`: the bound port and the data folder', async () => {
    const dataDir = tmp('paycli-sandbox-keys-');
    const sandbox = await startSandbox({ dataFile: path.join(dataDir, 'sandbox.json'), port: 0, providers: ['paycli', 'alipay', 'wechatpay'], ports: { alipay: 0, wechatpay: 0 } });
    try {
      const alipay = sandbox.providers.alipay!;
      expect(alipay.port).not.toBe(4243);
      const env = readFileSync(alipay.files['alipay.env']!, 'utf8');
      expect(env).toContain(`ALIPAY_GATEWAY=${alipay.url}/gateway.do`);
      expect(env).toContain(`ALIPAY_PRIVATE_KEY_PATH=${path.join(dataDir, 'alipay')}/`);
      expect(alipay.description).toMatchObject({ url: alipay.url });
      const wechat = sandbox.providers.wechatpay!;
      expect(readFileSync(wechat.files['.env']!, 'utf8')).toContain(wechat.url);
      expect(wechat.description).toMatchObject({ url: wechat.url, merchant_private_key_file: path.join(dataDir, 'wechatpay', 'apiclient_key.pem') });
    } finally {
      await sandbox.close();
    }
  });
});

describe('minting the fixed scenario credentials', () => {
  const years = (pem: string) => {
    const cert = new X509Certificate(pem);
    return (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (365.25 * 86_400_000);
  };

  it('makes every provider its file through one path, certificates valid for 20 years (the mint context carries it)', async () => {
    expect(SCENARIO_CERTIFICATE_YEARS).toBe(20);
    const wechat = (await mintScenarioCredentials('wechatpay')) as Record<string, string>;
    const fixedWechat = await loadScenarioCredentials('wechatpay');
    expect(Object.keys(wechat).sort()).toEqual(Object.keys(fixedWechat).sort());
    for (const pem of [wechat.merchant_cert!, wechat.platform_cert!]) expect(years(pem)).toBeGreaterThan(19.9);
    const alipay = (await mintScenarioCredentials('alipay')) as Record<string, string>;
    expect(Object.keys(alipay).sort()).toEqual(Object.keys(await loadScenarioCredentials('alipay')).sort());
    for (const pem of [alipay.app_cert!, alipay.alipay_cert!, alipay.root_cert!]) expect(years(pem)).toBeGreaterThan(19.9);
  });

  it("a sandbox's own credentials keep the provider's default lifetime", async () => {
    const provider = (await loadProviders()).wechatpay!;
    const creds = (await provider.mint({ random: cryptoRandom, newId: idGenerator(cryptoRandom), nowMs: Date.UTC(2026, 0, 1), merchant: runMerchant({ seed: 's' }) })) as Record<string, string>;
    expect(years(creds.merchant_cert!)).toBeLessThan(5.1);
    expect(years(creds.merchant_cert!)).toBeGreaterThan(4.9);
  });
});
