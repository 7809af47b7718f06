/**
 * `paycli sandbox start` serves WeChat Pay with its key material: the readiness line's
 * `providers.wechatpay`, the 0600 key files under `.paycli/wechatpay/`, the README and `.env`, the signing
 * setting, and keys that stay the same across restarts. dist/ is built by the global setup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { axiosClient } from './harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(root, 'bin', 'paycli.js');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts the sandbox and resolves with its `--json` readiness line. */
function start(cwd: string, args: string[] = []): Promise<Record<string, any>> {
  const child = spawn(process.execPath, [bin, 'sandbox', 'start', '--json', '--port', '0', '--wechatpay-port', '0', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let buf = '';
  let errText = '';
  child.stderr!.on('data', (d) => (errText += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(JSON.parse(buf.slice(0, i)));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${errText}`)));
  });
}

async function stop(): Promise<void> {
  const child = children.pop()!;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
}

describe('paycli sandbox start with WeChat Pay', () => {
  test('hands out the key material: readiness line, 0600 files, README and .env; the keys survive a restart', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'paycli-wx-'));
    const ready = await start(cwd);
    const wx = ready.providers.wechatpay;
    expect(Object.keys(wx).sort()).toEqual(
      ['apiv3_key', 'appid', 'mchid', 'merchant_cert_file', 'merchant_private_key_file', 'merchant_serial', 'platform_cert_file', 'platform_serial', 'public_key_file', 'public_key_id', 'signing', 'url'].sort(),
    );
    expect(wx).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), signing: 'public-key', public_key_id: expect.stringMatching(/^PUB_KEY_ID_\d+$/) });
    const dir = path.join(cwd, '.paycli', 'wechatpay');
    for (const f of [wx.merchant_private_key_file, wx.merchant_cert_file, wx.platform_cert_file, wx.public_key_file, path.join(dir, 'README.md'), path.join(dir, '.env')]) {
      expect(path.dirname(f)).toBe(dir);
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(wx.merchant_private_key_file, 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');
    const env = readFileSync(path.join(dir, '.env'), 'utf8');
    expect(env).toContain(`WECHATPAY_MCHID=${wx.mchid}`);
    expect(env).toContain(`WECHATPAY_APIV3_KEY=${wx.apiv3_key}`);
    // WeChat's private halves stay in the sandbox.
    for (const f of ['apiclient_cert.pem', 'wechatpay_platform_cert.pem', 'wechatpay_pub_key.pem', 'README.md', '.env']) {
      expect(readFileSync(path.join(dir, f), 'utf8')).not.toContain('PRIVATE KEY');
    }

    // A merchant configured from these files talks to the sandbox, verifying every response.
    const creds = {
      mchid: wx.mchid,
      appid: wx.appid,
      merchant_serial: wx.merchant_serial,
      merchant_private_key: readFileSync(wx.merchant_private_key_file, 'utf8'),
      public_key_id: wx.public_key_id,
      public_key: readFileSync(wx.public_key_file, 'utf8'),
    };
    const wxpay = axiosClient({ url: wx.url, creds: creds as never }, 'public-key');
    const order = { appid: wx.appid, mchid: wx.mchid, description: 'cli', out_trade_no: 'CLI0000001', notify_url: 'http://127.0.0.1:9/notify', amount: { total: 1 } };
    expect((await wxpay.v3.pay.transactions.native.post(order)).data.code_url).toMatch(/^weixin:/);
    await stop();

    const again = await start(cwd, ['--wechatpay-signing', 'platform-certificate']);
    expect(again.providers.wechatpay).toMatchObject({ mchid: wx.mchid, merchant_serial: wx.merchant_serial, apiv3_key: wx.apiv3_key, signing: 'platform-certificate' });
    const platform = axiosClient({ url: again.providers.wechatpay.url, creds: { ...creds, platform_serial: wx.platform_serial, platform_cert: readFileSync(wx.platform_cert_file, 'utf8') } as never }, 'platform-certificate');
    const q = await platform.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: wx.mchid }, out_trade_no: 'CLI0000001' });
    expect(q.data).toMatchObject({ trade_state: 'NOTPAY', out_trade_no: 'CLI0000001' });
    expect(q.headers['wechatpay-serial']).toBe(wx.platform_serial);
  });
});
