/**
 * The Alipay app `paycli init --psp alipay` writes, run for real: its own node:test suite, then the app on
 * alipay-sdk against the Alipay emulation: a QR order paid by the buyer is marked paid by the verified
 * notification, and an order whose notification never arrives is found paid by querying Alipay.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInit } from '../../src/commands/init.js';
import { planScaffold } from '../../src/scaffold/plan.js';
import { startAlipayHarness, type AlipayHarness } from '../providers/alipay/harness.js';
import { scanAndPay, sdkConfig } from '../providers/alipay/sdk-flows.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');

describe('the Alipay express-js app', () => {
  let dir: string;
  let h: AlipayHarness;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'paycli-alipay-app-'));
    for (const f of planScaffold({ psp: 'alipay', framework: 'express', language: 'js', projectName: 'shop', ci: false, paycliVersion: '^0.1.0' })) {
      mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      writeFileSync(path.join(dir, f.path), f.contents);
    }
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    h = await startAlipayHarness();
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is what init --psp alipay writes: the app on alipay-sdk, no CI workflow, and refuses other combinations', async () => {
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))).toMatchObject({ dependencies: { 'alipay-sdk': '^4.14.0' }, scripts: { test: 'node --test test/' } });
    const target = mkdtempSync(path.join(tmpdir(), 'paycli-alipay-init-'));
    try {
      expect(await runInit({ psp: 'alipay', dir: 'shop', yes: true, json: true }, { cwd: target, interactive: false })).toBe(0);
      expect(readFileSync(path.join(target, 'shop/src/notify.js'), 'utf8')).toContain('checkNotifySignV2');
      expect(existsSync(path.join(target, 'shop/.github'))).toBe(false);
      await expect(runInit({ psp: 'alipay', ci: true, yes: true, json: true }, { cwd: target, interactive: false })).rejects.toMatchObject({ code: 'invalid_usage' });
      await expect(runInit({ psp: 'alipay', framework: 'fastify', yes: true, json: true }, { cwd: target, interactive: false })).rejects.toMatchObject({
        code: 'invalid_usage',
        hint: '--psp alipay is available for: Express (JavaScript).',
      });
      await expect(runInit({ psp: 'stripe-ish', yes: true, json: true }, { cwd: target, interactive: false })).rejects.toMatchObject({ code: 'invalid_usage' });
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('passes its own tests', () => {
    const run = spawnSync(process.execPath, ['--test', 'test/'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr + run.stdout).toMatch(/# pass 3/);
    expect(run.status).toBe(0);
  });

  it('is paid through the verified notification, and through a query when the notification is lost', async () => {
    const mod = async (p: string) => import(pathToFileURL(path.join(dir, p)).href);
    const { createApp } = await mod('src/app.js');
    const { OrderStore } = await mod('src/orders.js');
    const { AlipayNotifyReceiver } = await mod('src/notify.js');
    const alipay = new AlipaySdk(sdkConfig({ gateway: h.gateway, endpoint: h.url, creds: h.creds, settle: h.settled, close: h.close }, 'pkcs8'));
    const orders = new OrderStore();
    const config = { appId: h.creds.app_id, appBaseUrl: '', queryAfterMs: 10_000, port: 0 };
    const quiet = { warn() {}, error() {}, log() {} };
    const server = createApp({ alipay, orders, config, notifications: new AlipayNotifyReceiver(alipay, orders, h.creds.app_id, quiet) }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      config.appBaseUrl = appUrl;
      const first = await fetch(`${appUrl}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order_id: 'a1', amount: '19.90', subject: '100% cotton' }) });
      expect(first.status).toBe(201);
      await scanAndPay(((await first.json()) as { qr_code: string }).qr_code);
      await h.settled();
      expect(h.deliveries.find((d) => d.fields.out_trade_no === 'a1')?.body).toBe('success');
      expect(orders.get('a1').status).toBe('paid');

      // A port nothing listens on: the notification is lost.
      const closed = createServer().listen(0, '127.0.0.1');
      await new Promise((r) => closed.once('listening', r));
      config.appBaseUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
      await new Promise((r) => closed.close(r));
      const second = await fetch(`${appUrl}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order_id: 'a2', amount: '5.00' }) });
      const unscanned = await (await fetch(`${appUrl}/orders/a2`)).json();
      expect(unscanned).toMatchObject({ status: 'pending' });
      await scanAndPay(((await second.json()) as { qr_code: string }).qr_code);
      await h.settled();
      expect(orders.get('a2').status).toBe('pending');
      expect(await (await fetch(`${appUrl}/orders/a2`)).json()).toMatchObject({ status: 'paid', trade_no: expect.stringMatching(/^\d{28}$/) });
    } finally {
      server.close();
    }
  });
});
