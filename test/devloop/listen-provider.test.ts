/**
 * `paycli listen --provider <name>`: one provider's notifications only, in that provider's protocol, with
 * `--events` in its own names; and the sandbox found by --sandbox-url/--api-key as well as by the runtime
 * file. The refusals run as a user runs them (`node bin/paycli.js`): a clear message, exit 2, no stack.
 */
import { promises as fs } from 'node:fs';
import { AlipaySdk } from 'alipay-sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runListen } from '../../src/commands/listen.js';
import { runTrigger } from '../../src/commands/trigger.js';
import type { AlipayCreds } from '../../src/providers/alipay/credentials.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/sandbox.js';
import { captureOutput, runPaycli, stopSwitch, tempDir, writeRuntimeFile } from './helpers.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  vi.restoreAllMocks();
});

async function sandboxIn(providers: string[]): Promise<{ dir: string; sandbox: Sandbox }> {
  const dir = await tempDir('paycli-listen-provider-');
  const sandbox = await startSandbox({ port: 0, inMemory: true, providers });
  writeRuntimeFile(dir, sandbox);
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }), () => sandbox.close());
  return { dir, sandbox };
}

async function receiver(respond?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const r = await startReceiver(respond);
  cleanup.push(() => r.close());
  return r;
}

describe('paycli listen --provider alipay', () => {
  it('forwards Alipay notifications only, signed as Alipay signs them, filtered by Alipay names', async () => {
    const { dir, sandbox } = await sandboxIn(['alipay', 'wechatpay']);
    const app = await receiver(() => ({ status: 200, body: 'success' }));
    const wechatApp = await receiver(() => ({ status: 204 }));
    const io = captureOutput();
    const stop = stopSwitch();
    const done = runListen({ provider: 'alipay', forwardTo: app.url, events: 'TRADE_CLOSED', json: true }, { cwd: dir, env: {}, stop: stop.promise });
    await waitFor(() => io.out().includes('"type":"ready"'));

    // Neither a WeChat Pay notification nor an Alipay one of another type is forwarded; the TRADE_CLOSED
    // that follows them is (the sentinel: once it is there, the others would have been too).
    expect(await runTrigger('TRANSACTION.SUCCESS', { notifyUrl: wechatApp.url, json: true }, { cwd: dir, env: {} })).toBe(0);
    expect(await runTrigger('TRADE_SUCCESS', { json: true }, { cwd: dir, env: {} })).toBe(0);
    expect(await runTrigger('TRADE_CLOSED', { json: true }, { cwd: dir, env: {} })).toBe(0);
    await waitFor(() => app.requests.length >= 1);
    await waitFor(() => wechatApp.requests.length >= 1);
    stop.stop();
    expect(await done).toBe(0);

    const creds = sandbox.providers.alipay!.credentials as AlipayCreds;
    const sdk = new AlipaySdk({ appId: creds.app_id, privateKey: creds.app_private_key_pkcs1, alipayPublicKey: creds.alipay_public_key });
    const forms = app.requests.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    expect(forms.map((f) => f.trade_status)).toEqual(['TRADE_CLOSED']);
    expect(sdk.checkNotifySignV2(forms[0]!)).toBe(true);
    const deliveries = io.json().filter((u) => u.type === 'delivery');
    expect(io.json().filter((u) => u.fixture).map((t) => t.fixture)).toEqual(['TRANSACTION.SUCCESS', 'TRADE_SUCCESS', 'TRADE_CLOSED']);
    expect(deliveries.map((d) => [d.event_type, d.status, d.acknowledged])).toEqual([['TRADE_CLOSED', 200, true]]);
  });

  it('says in the ready line how the notifications are signed, and when a 200 is not Alipay’s acknowledgement', async () => {
    const { dir } = await sandboxIn(['alipay']);
    const app = await receiver((_req, i) => ({ status: 200, body: i === 0 ? 'ok' : 'success' }));
    const io = captureOutput();
    const stop = stopSwitch();
    const done = runListen({ provider: 'alipay', forwardTo: app.url }, { cwd: dir, env: {}, stop: stop.promise });
    await waitFor(() => io.out().includes('Ready!'));
    for (let i = 0; i < 2; i++) expect(await runTrigger('TRADE_SUCCESS', { json: true }, { cwd: dir, env: {} })).toBe(0);
    await waitFor(() => io.out().split('\n').filter((l) => l.includes('  TRADE_SUCCESS ')).length === 2);
    stop.stop();
    expect(await done).toBe(0);
    const lines = io.out().split('\n').filter((l) => l.includes('  TRADE_SUCCESS '));
    expect(lines[0]).toMatch(/ 200 not acknowledged \(answered "ok"\) /);
    expect(lines[1]).not.toContain('not acknowledged');
    expect(io.out()).toContain('Forwarding Alipay notifications from');
    expect(io.out()).toContain('checkNotifySignV2');
    expect(io.out()).not.toContain('webhook signing secret');
  });
});

describe('paycli listen --provider: what a user gets wrong (child process)', () => {
  it('refuses an unknown provider, a provider the sandbox does not serve, another provider’s event names and --print-secret without a secret', async () => {
    const { dir } = await sandboxIn(['alipay']);
    const run = (args: string[]) => runPaycli(args, dir, cleanup);

    const unknown = await run(['listen', '--provider', 'alipy', '--forward-to', '3000']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('Unknown --provider "alipy"')]);
    expect(unknown.stderr).toContain('Did you mean alipay?');

    const notServed = await run(['listen', '--provider', 'wechatpay', '--forward-to', '3000']);
    expect(notServed.code).toBe(2);
    expect(notServed.stderr).toContain('does not serve WeChat Pay (wechatpay)');

    const wrongNames = await run(['listen', '--provider', 'alipay', '--forward-to', '3000', '--events', 'TRANSACTION.SUCCESS']);
    expect(wrongNames.code).toBe(2);
    expect(wrongNames.stderr).toContain('Unknown event type "TRANSACTION.SUCCESS" in --events for alipay');
    expect(wrongNames.stderr).toContain('TRADE_SUCCESS');

    const secret = await run(['listen', '--provider', 'alipay', '--print-secret']);
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain('not with a shared secret');
    expect(secret.stdout).toBe('');

    for (const r of [unknown, notServed, wrongNames, secret]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('listen --provider stripe --print-secret finds the sandbox through --sandbox-url and --api-key from any directory', async () => {
    const { sandbox } = await sandboxIn(['stripe']);
    const elsewhere = await tempDir('paycli-listen-elsewhere-');
    cleanup.push(() => fs.rm(elsewhere, { recursive: true, force: true }));
    const r = await runPaycli(['listen', '--provider', 'stripe', '--print-secret', '--sandbox-url', sandbox.url, '--api-key', sandbox.merchant.secret_key], elsewhere, cleanup);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(sandbox.providers.stripe!.credentials.webhook_secret);
  });
});
