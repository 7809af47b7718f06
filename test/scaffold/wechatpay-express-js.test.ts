/**
 * The WeChat Pay app `paycli init --psp wechatpay` writes, run for real: its own node:test suite, then the
 * app on wechatpay-axios-plugin, configured from the `.env` and key files the sandbox hands out, against
 * the WeChat Pay emulation. A Native order paid by the buyer is recorded once, also when the notification
 * is duplicated; a tampered or stale copy is refused; a dropped notification is recovered by the query.
 * Then `npm start` as the README says, with the sandbox's .env copied, in platform-certificate mode.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInit } from '../../src/commands/init.js';
import { wechatpayFiles } from '../../src/providers/wechatpay/handoff.js';
import { planScaffold } from '../../src/scaffold/plan.js';
import type { Delivery } from '../../src/webhooks/delivery.js';
import { axiosPlugin, startHarness, type Harness } from '../providers/wechatpay/harness.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const KEY_DIR = '.paycli/wechatpay';

interface AppOrder {
  status: string;
  amount: number;
  transaction_id: string | null;
  history: { status: string; via: string }[];
}

describe('the WeChat Pay express-js app', () => {
  let dir: string;
  let h: Harness;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'paycli-wechatpay-app-'));
    for (const f of planScaffold({ psp: 'wechatpay', framework: 'express', language: 'js', projectName: 'shop', ci: false, paycliVersion: '^0.1.0' })) {
      mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      writeFileSync(path.join(dir, f.path), f.contents);
    }
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    h = await startHarness('public-key');
    // What `paycli sandbox start` writes for the merchant, where the app's .env expects it.
    mkdirSync(path.join(dir, KEY_DIR), { recursive: true });
    for (const f of wechatpayFiles(h.creds, { url: h.url, signing: 'public-key', dir: KEY_DIR })) writeFileSync(path.join(dir, KEY_DIR, f.name), f.content);
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is what init --psp wechatpay writes: the app on wechatpay-axios-plugin, no CI workflow, and refuses other combinations', async () => {
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))).toMatchObject({
      dependencies: { 'wechatpay-axios-plugin': '^0.9.6', express: '^5.1.0' },
      scripts: { start: 'node src/server.js', test: 'node --test test/' },
    });
    expect(readFileSync(path.join(dir, '.env.example'), 'utf8')).toContain(`WECHATPAY_MERCHANT_PRIVATE_KEY_FILE=${KEY_DIR}/apiclient_key.pem`);
    const target = mkdtempSync(path.join(tmpdir(), 'paycli-wechatpay-init-'));
    try {
      expect(await runInit({ psp: 'wechatpay', dir: 'shop', yes: true, json: true }, { cwd: target, interactive: false })).toBe(0);
      expect(readFileSync(path.join(target, 'shop/src/notify.js'), 'utf8')).toContain('Aes.AesGcm.decrypt');
      expect(existsSync(path.join(target, 'shop/.github'))).toBe(false);
      await expect(runInit({ psp: 'wechatpay', ci: true, yes: true, json: true }, { cwd: target, interactive: false })).rejects.toMatchObject({ code: 'invalid_usage' });
      await expect(runInit({ psp: 'wechatpay', language: 'ts', yes: true, json: true }, { cwd: target, interactive: false })).rejects.toMatchObject({
        code: 'invalid_usage',
        hint: '--psp wechatpay is available for: Express (JavaScript).',
      });
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('passes its own tests', () => {
    const run = spawnSync(process.execPath, ['--test', 'test/'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr + run.stdout).toMatch(/# pass 3/);
    expect(run.status).toBe(0);
  });

  it('records a payment once through verified notifications, refuses tampered and stale ones, and queries a dropped one', async () => {
    const mod = async (p: string) => import(pathToFileURL(path.join(dir, p)).href);
    const { createApp } = await mod('src/app.js');
    const { OrderStore } = await mod('src/orders.js');
    const { WechatpayNotifyReceiver } = await mod('src/notify.js');
    const { loadConfig, wechatpayOptions } = await mod('src/config.js');

    // The sandbox's .env as the app reads it; key files are relative to the app's folder.
    const env = parseEnv(readFileSync(path.join(dir, KEY_DIR, '.env'), 'utf8')) as Record<string, string>;
    for (const [k, v] of Object.entries(env)) if (k.endsWith('_FILE')) env[k] = path.join(dir, v);
    env.PORT = '0';
    const options = wechatpayOptions(env);
    expect(options).toMatchObject({ mchid: h.creds.mchid, serial: h.creds.merchant_serial, baseURL: `${h.url}/`, certs: { [h.creds.public_key_id]: h.creds.public_key } });
    const config = loadConfig(env);
    const wxpay = new axiosPlugin.Wechatpay(options);
    const orders = new OrderStore();
    const notifications = new WechatpayNotifyReceiver({ certs: options.certs, apiv3Key: config.apiv3Key, mchid: config.mchid, appid: config.appid }, orders, { warn() {} });
    const server = createApp({ wxpay, orders, config, notifications }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    config.appBaseUrl = appUrl;

    const control = (method: string, p: string, body?: unknown) =>
      fetch(`${h.sandbox.url}/_sandbox${p}`, {
        method,
        headers: { authorization: `Bearer ${h.sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const chaos = async (rule: Record<string, unknown>) => expect((await control('POST', '/chaos', rule)).status).toBe(201);
    const deliveries = async () => ((await (await control('GET', '/deliveries?limit=1000')).json()) as { data: Delivery[] }).data;
    const checkout = async (orderId: string, amount: number) => {
      const res = await fetch(`${appUrl}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order_id: orderId, amount, description: '杯子' }) });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { code_url: string; status: string };
      expect(body).toMatchObject({ status: 'pending', code_url: expect.stringMatching(/^weixin:\/\/wxpay\/bizpayurl\?pr=\w+$/) });
    };
    /** Pays as the buyer and returns the deliveries that payment caused. */
    const pay = async (orderId: string) => {
      const before = new Set((await deliveries()).map((d) => d.id));
      const res = await fetch(`${h.sandbox.url}/_sandbox/buyer/${orderId}/complete`, { method: 'POST' });
      expect(res.status).toBe(200);
      await h.flush();
      return (await deliveries()).filter((d) => !before.has(d.id));
    };
    const paidOnce = { status: 'paid', history: [{ status: 'paid', via: 'notification' }] };

    try {
      // A bad request is the app's 400 naming the field, before WeChat Pay is asked.
      expect((await fetch(`${appUrl}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"order_id":"wx-bad","amount":-1}' })).status).toBe(400);

      await checkout('wx-plain-1', 1999);
      const plain = await pay('wx-plain-1');
      expect(plain.map((d) => [d.event_type, d.status, d.attempts.at(-1)?.status])).toEqual([['TRANSACTION.SUCCESS', 'succeeded', 204]]);
      expect(orders.get('wx-plain-1')).toMatchObject({ ...paidOnce, amount: 1999, transaction_id: expect.stringMatching(/^\d{28}$/) });
      expect(notifications.stats).toEqual({ applied: 1, duplicates: 0, rejected: 0 });

      // Duplicated: every copy is acknowledged, the payment is recorded once.
      await checkout('wx-dup-1', 500);
      await chaos({ merchant_order_id: 'wx-dup-1', duplicates: 2 });
      const dup = await pay('wx-dup-1');
      expect(dup).toHaveLength(3);
      expect(dup.every((d) => d.status === 'succeeded' && d.attempts.at(-1)?.status === 204)).toBe(true);
      expect(orders.get('wx-dup-1')).toMatchObject(paidOnce);
      expect(notifications.stats).toEqual({ applied: 2, duplicates: 2, rejected: 0 });

      // A tampered copy (ciphertext changed after signing) and a stale one (10 minutes old) are refused;
      // the genuine notification beside each still pays the order.
      for (const probe of ['tampered', 'stale'] as const) {
        const orderId = `wx-${probe}-1`;
        await checkout(orderId, 300);
        await chaos({ merchant_order_id: orderId, probe });
        const sent = await pay(orderId);
        const probed = sent.find((d) => d.probe === probe);
        // A probe delivery "succeeds" when the app refused it.
        expect(probed).toMatchObject({ status: 'succeeded', attempts: [{ status: 401, acknowledged: false }] });
        expect(sent.find((d) => d.probe === null)).toMatchObject({ status: 'succeeded', attempts: [{ status: 204 }] });
        expect(orders.get(orderId)).toMatchObject(paidOnce);
      }
      expect(notifications.stats).toEqual({ applied: 4, duplicates: 2, rejected: 2 });

      // Dropped: the order stays pending until it is read, when the app asks WeChat Pay.
      await checkout('wx-drop-1', 800);
      await chaos({ merchant_order_id: 'wx-drop-1', drop: true });
      const dropped = await pay('wx-drop-1');
      expect(dropped.map((d) => d.status)).toEqual(['dropped']);
      expect(orders.get('wx-drop-1').status).toBe('pending');
      const recovered = (await (await fetch(`${appUrl}/orders/wx-drop-1`)).json()) as AppOrder;
      expect(recovered).toMatchObject({ status: 'paid', transaction_id: expect.stringMatching(/^\d{28}$/), history: [{ status: 'paid', via: 'query' }] });
      // Read again: already paid, nothing changes.
      expect(await (await fetch(`${appUrl}/orders/wx-drop-1`)).json()).toEqual(recovered);

      // An order never paid: the query says NOTPAY and it stays pending.
      await checkout('wx-unpaid-1', 100);
      expect(await (await fetch(`${appUrl}/orders/wx-unpaid-1`)).json()).toMatchObject({ status: 'pending', history: [] });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('starts with the sandbox .env copied as it is (platform-certificate mode) and records a payment', async () => {
    const p = await startHarness('platform-certificate');
    const app = mkdtempSync(path.join(tmpdir(), 'paycli-wechatpay-start-'));
    try {
      for (const f of ['package.json', 'src/app.js', 'src/config.js', 'src/notify.js', 'src/orders.js', 'src/server.js']) {
        mkdirSync(path.dirname(path.join(app, f)), { recursive: true });
        writeFileSync(path.join(app, f), readFileSync(path.join(dir, f)));
      }
      symlinkSync(path.join(repoRoot, 'node_modules'), path.join(app, 'node_modules'), 'dir');
      mkdirSync(path.join(app, KEY_DIR), { recursive: true });
      for (const f of wechatpayFiles(p.creds, { url: p.url, signing: 'platform-certificate', dir: KEY_DIR })) writeFileSync(path.join(app, KEY_DIR, f.name), f.content);
      writeFileSync(path.join(app, '.env'), readFileSync(path.join(app, KEY_DIR, '.env')));

      const probe = createServer().listen(0, '127.0.0.1');
      await new Promise((r) => probe.once('listening', r));
      const port = (probe.address() as AddressInfo).port;
      await new Promise((r) => probe.close(r));
      const child = spawn(process.execPath, ['src/server.js'], { cwd: app, env: { PATH: process.env.PATH, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (b) => (output += b));
      child.stderr.on('data', (b) => (output += b));
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.on('data', () => output.includes('listening on') && resolve());
          child.once('exit', (code) => reject(new Error(`the app exited with ${code}: ${output}`)));
        });
        const appUrl = `http://127.0.0.1:${port}`;
        const created = await fetch(`${appUrl}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order_id: 'wx-start-1', amount: '12.50' }) });
        expect(created.status).toBe(201);
        expect(await created.json()).toMatchObject({ amount: 1250, status: 'pending', code_url: expect.stringMatching(/^weixin:/) });
        await p.buyer('wx-start-1', 'complete');
        const [delivery] = p.sandbox.store.live<Delivery>('deliveries');
        expect(delivery).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', status: 'succeeded', attempts: [{ status: 204 }] });
        expect(await (await fetch(`${appUrl}/orders/wx-start-1`)).json()).toMatchObject({ status: 'paid', history: [{ status: 'paid', via: 'notification' }] });
      } finally {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
      }
    } finally {
      await p.close();
      rmSync(app, { recursive: true, force: true });
    }
  });
});
