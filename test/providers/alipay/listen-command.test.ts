/**
 * `paycli listen` as an Alipay merchant runs it: `--provider alipay` forwards Alipay's notifications only
 * (in Alipay's format, verified with alipay-sdk), and `--events` takes Alipay's own notification types,
 * which is what listen forwards them as.
 */
import { promises as fs } from 'node:fs';
import { AlipaySdk } from 'alipay-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runListen } from '../../../src/commands/listen.js';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/sandbox.js';
import { captureOutput, stopSwitch, tempDir, writeRuntimeFile, type Captured } from '../../devloop/helpers.js';
import { paymentBody, startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { sdkConfig } from './sdk-flows.js';

const V = { validateSign: true } as const;
let io: Captured;
let dir: string;
const cleanup: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  vi.restoreAllMocks();
  await fs.rm(dir, { recursive: true, force: true });
});

async function setUp(): Promise<{ sandbox: Sandbox; sdk: AlipaySdk; app: Receiver }> {
  const sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['alipay'] });
  const app = await startReceiver(() => ({ status: 200, body: 'success' }));
  cleanup.push(() => sandbox.close(), () => app.close());
  writeRuntimeFile(dir, sandbox);
  const p = sandbox.providers.alipay!;
  const sdk = new AlipaySdk(sdkConfig({ gateway: String(p.description.gateway), endpoint: p.url, creds: p.credentials as AlipayCreds, settle: async () => {}, close: async () => {} }, 'pkcs1'));
  return { sandbox, sdk, app };
}

async function listen(opts: Parameters<typeof runListen>[0]): Promise<void> {
  const stop = stopSwitch();
  const done = runListen(opts, { cwd: dir, env: {}, stop: stop.promise });
  cleanup.push(async () => {
    stop.stop();
    await done;
  });
  await vi.waitFor(() => expect(io.out()).toMatch(/Ready!/), { timeout: 5000 });
}

const forms = (app: Receiver) => app.requests.map((r) => Object.fromEntries(new URLSearchParams(r.body)));

describe('paycli listen for an Alipay app', () => {
  it('--provider alipay forwards Alipay notifications only, as Alipay sends them', async () => {
    const { sandbox, sdk, app } = await setUp();
    await listen({ forwardTo: app.url, provider: 'alipay' });
    // A native payment first: its events come before the trade's notification, which is the sentinel.
    const native = await fetch(`${sandbox.url}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify(paymentBody()),
    });
    expect(native.status).toBe(201);
    const paid = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo: 'LC-1', scene: 'bar_code', authCode: '281234567890123456', totalAmount: '2.00', subject: 's' } }, V);
    expect(paid.code).toBe('10000');
    await waitFor(() => app.requests.length >= 1);
    await vi.waitFor(() => expect(io.out()).toContain('TRADE_SUCCESS'));
    expect(forms(app).map((f) => [f.out_trade_no, f.trade_status])).toEqual([['LC-1', 'TRADE_SUCCESS']]);
    expect([sdk.checkNotifySign(forms(app)[0]!), sdk.checkNotifySignV2(forms(app)[0]!)]).toEqual([true, true]);
    expect(io.out()).toContain('Events: TRADE_SUCCESS, TRADE_CLOSED.');
  });

  it("--events takes Alipay's notification types: only TRADE_CLOSED is forwarded", async () => {
    const { sdk, app } = await setUp();
    await listen({ forwardTo: app.url, events: 'TRADE_CLOSED' });
    await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo: 'LC-2', scene: 'bar_code', authCode: '281234567890123456', totalAmount: '2.00', subject: 's' } }, V);
    // The full refund's TRADE_CLOSED comes after the payment's TRADE_SUCCESS: its arrival alone shows the filter.
    await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: 'LC-2', refundAmount: '2.00', outRequestNo: 'LC-2-r' } }, V);
    await waitFor(() => app.requests.length >= 1);
    expect(forms(app).map((f) => [f.out_trade_no, f.trade_status, f.refund_fee])).toEqual([['LC-2', 'TRADE_CLOSED', '2.00']]);
  });

  it("refuses --events naming another provider's type with --provider alipay, and an unknown provider", async () => {
    await expect(runListen({ forwardTo: '3000', provider: 'alipay', events: 'payment.succeeded' }, { cwd: dir, env: {} })).rejects.toMatchObject({
      code: 'invalid_usage',
      message: expect.stringContaining('payment.succeeded'),
    });
    await expect(runListen({ forwardTo: '3000', provider: 'paypal' }, { cwd: dir, env: {} })).rejects.toMatchObject({
      code: 'invalid_usage',
      hint: expect.stringContaining('alipay'),
    });
  });
});
