/**
 * `paycli trigger` and `paycli events` with Alipay's and WeChat Pay's own names, as a user runs them:
 * `node bin/paycli.js …` in a child process (dist/ is built by the global setup), the sandbox found
 * through the runtime file in the directory, the notification arriving at a real local receiver.
 */
import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/sandbox.js';
import { startReceiver, waitFor } from '../helpers/sandbox.js';
import { runPaycli, tempDir, writeRuntimeFile } from './helpers.js';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const run = (args: string[], cwd: string) => runPaycli(args, cwd, cleanup);

describe('paycli trigger and events with provider names (child process)', () => {
  it('lists and fires TRADE_SUCCESS and TRANSACTION.SUCCESS; events list shows the providers’ types', async () => {
    const dir = await tempDir('paycli-provider-trigger-');
    const sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['alipay', 'wechatpay'] });
    // Alipay is acknowledged by the body `success` only.
    const receiver = await startReceiver((req) => ({ status: 200, body: req.path.startsWith('/alipay') ? 'success' : '' }));
    writeRuntimeFile(dir, sandbox);
    cleanup.push(() => fs.rm(dir, { recursive: true, force: true }), () => sandbox.close(), () => receiver.close());
    const base = receiver.url.replace(/\/webhooks$/, '');

    const list = await run(['trigger', '--list', '--provider', 'wechatpay'], dir);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('REFUND.ABNORMAL');
    expect(list.stdout).not.toContain('TRADE_SUCCESS');

    const alipay = await run(['trigger', 'TRADE_SUCCESS', '--notify-url', `${base}/alipay/notify`, '--json'], dir);
    expect(alipay.code, alipay.stderr).toBe(0);
    expect(JSON.parse(alipay.stdout).events.map((e: { type: string }) => e.type)).toEqual(['TRADE_SUCCESS']);
    const wechat = await run(['trigger', 'TRANSACTION.SUCCESS', '--notify-url', `${base}/wechat/notify`], dir);
    expect(wechat.code, wechat.stderr).toBe(0);
    expect(wechat.stdout).toContain('Triggered TRANSACTION.SUCCESS');
    await waitFor(() => receiver.requests.length === 2);
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/alipay/notify', '/wechat/notify']);

    const events = await run(['events', 'list', '--type', 'payment.succeeded'], dir);
    expect(events.code, events.stderr).toBe(0);
    expect(events.stdout).toMatch(/payment\.succeeded\s+pay_\w+\s+succeeded\s+wechatpay TRANSACTION\.SUCCESS/);
    expect(events.stdout).toMatch(/payment\.succeeded\s+pay_\w+\s+succeeded\s+alipay TRADE_SUCCESS/);

    const missing = await run(['trigger', 'REFUND.SUCCESS'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--notify-url');
  });
});
