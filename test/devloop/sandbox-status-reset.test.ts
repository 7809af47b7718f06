/** `paycli sandbox status` and `paycli sandbox reset` against a real sandbox (and against none). */
import { promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { runSandboxReset } from '../../src/commands/sandbox-reset.js';
import { runSandboxStatus } from '../../src/commands/sandbox-status.js';
import { paymentBody, startReceiver, startTestSandbox, type Api } from '../helpers/sandbox.js';
import { captureOutput, tempDir, writeRuntimeFile, type Captured } from './helpers.js';

let io: Captured;
let dir: string;
let api: Api | null = null;

beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
});
afterEach(async () => {
  await api?.close();
  api = null;
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

/** A URL where nothing listens: a port that was just free. */
async function deadUrl(): Promise<string> {
  const r = await startReceiver();
  await r.close();
  return new URL(r.url).origin;
}

describe('paycli sandbox status', () => {
  it('with none running: exit 1 and a hint to start one', async () => {
    const url = await deadUrl();
    expect(await main(['node', 'paycli', 'sandbox', 'status', '--sandbox-url', url])).toBe(1);
    expect(io.err()).toContain(`No sandbox is running at ${url}.`);
    expect(io.err()).toContain('paycli sandbox start');
    expect(io.out()).toBe('');
  });

  it('says when the runtime file is left over from a stopped sandbox; --json says running: false', async () => {
    api = await startTestSandbox();
    writeRuntimeFile(dir, api.sandbox);
    await api.close();
    api = null;
    expect(await runSandboxStatus({ json: true }, { cwd: dir, env: {} })).toBe(1);
    const [line] = io.json();
    expect(line).toMatchObject({ running: false, reason: 'unreachable' });
    expect(line.hint).toMatch(/left over from a sandbox that stopped/);
  });

  it('finds the sandbox through the runtime file and shows url, merchant, store and counts', async () => {
    api = await startTestSandbox();
    await api.call('POST', '/v1/payments', paymentBody());
    writeRuntimeFile(dir, api.sandbox);
    expect(await runSandboxStatus({}, { cwd: dir, env: {} })).toBe(0);
    const text = io.out();
    expect(text).toContain(`Sandbox running at ${api.sandbox.url}`);
    expect(text).toContain(api.sandbox.merchant.id);
    expect(text).toMatch(/API key: accepted/);
    expect(text).toMatch(/store\s+in memory/);
    expect(text).toMatch(/1 payments, 0 refunds, 2 events/);
  });

  it('--json, with a wrong key reported as rejected', async () => {
    api = await startTestSandbox();
    expect(await runSandboxStatus({ json: true, sandboxUrl: api.sandbox.url, apiKey: 'sk_test_wrong' }, { cwd: dir, env: {} })).toBe(0);
    expect(io.json()[0]).toMatchObject({ running: true, url: api.sandbox.url, api_key: 'rejected', merchant_id: api.sandbox.merchant.id, store: 'memory' });
  });

  it('something that is not a sandbox: exit 1, says so', async () => {
    const r = await startReceiver(() => ({ status: 404, body: 'nope' }));
    try {
      expect(await runSandboxStatus({ sandboxUrl: new URL(r.url).origin }, { cwd: dir, env: {} })).toBe(1);
      expect(io.err()).toMatch(/not a paycli sandbox/);
    } finally {
      await r.close();
    }
  });
});

describe('paycli sandbox reset', () => {
  async function withData(): Promise<Api> {
    const a = await startTestSandbox();
    await a.call('POST', '/v1/payments', paymentBody());
    writeRuntimeFile(dir, a.sandbox);
    return a;
  }

  it('without a terminal and without --yes: a clear error, nothing deleted', async () => {
    api = await withData();
    await expect(runSandboxReset({}, { cwd: dir, env: {}, interactive: false })).rejects.toMatchObject({ code: 'invalid_usage', hint: expect.stringMatching(/--yes/) });
    expect(api.sandbox.store.count('payments')).toBe(1);
  });

  it('asks, and does nothing on no', async () => {
    api = await withData();
    const confirm = vi.fn(async (_q: { message: string; default: boolean }) => false);
    expect(await runSandboxReset({}, { cwd: dir, env: {}, interactive: true, confirm })).toBe(1);
    expect(confirm.mock.calls[0]![0].message).toMatch(/^Delete 1 payment, 0 refunds, \d+ events, \d+ delivery records?, every webhook endpoint and every chaos rule from the sandbox at .*\? \(The merchant and its keys stay\.\)$/);
    expect(api.sandbox.store.count('payments')).toBe(1);
  });

  it('resets on yes, and with --yes without asking; the keys stay', async () => {
    api = await withData();
    expect(await runSandboxReset({}, { cwd: dir, env: {}, interactive: true, confirm: async () => true })).toBe(0);
    expect(api.sandbox.store.count('payments')).toBe(0);
    expect(io.out()).toMatch(/reset: deleted 1 payment, 0 refunds, \d+ events, \d+ delivery records?, every webhook endpoint and every chaos rule \(the merchant and its keys are unchanged\)/);
    await api.call('POST', '/v1/payments', paymentBody());
    const code = await main(['node', 'paycli', 'sandbox', 'reset', '--yes', '--json', '--sandbox-url', api.sandbox.url, '--api-key', api.sandbox.merchant.secret_key]);
    expect(code).toBe(0);
    expect(api.sandbox.store.count('payments')).toBe(0);
    expect(JSON.parse(io.out().trim().split('\n').at(-1)!)).toMatchObject({ reset: true, deleted: { payments: 1 } });
    expect((await api.call('GET', '/v1/payments')).status).toBe(200);
  });
});
