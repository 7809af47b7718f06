/** `paycli faults add|list|clear` against a real sandbox: rules armed, listed, applied, removed. */
import { promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { runFaultsAdd, runFaultsClear, runFaultsList } from '../../src/commands/faults.js';
import { paymentBody, startTestSandbox, type Api } from '../helpers/sandbox.js';
import { captureOutput, tempDir, writeRuntimeFile, type Captured } from './helpers.js';

let io: Captured;
let dir: string;
let api: Api;
beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
  api = await startTestSandbox();
  writeRuntimeFile(dir, api.sandbox);
});
afterEach(async () => {
  await api.close();
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

const deps = () => ({ cwd: dir, env: { COLUMNS: '120' } });

describe('paycli faults', () => {
  it('add, list, apply, clear', async () => {
    expect(await runFaultsAdd('503', { method: 'post', path: '/v1/payments', times: '2' }, deps())).toBe(0);
    expect(io.out()).toMatch(/Armed fault_\d+: 503 on POST \/v1\/payments, next 2 of 2/);
    expect(await runFaultsAdd('429', { path: '/v1/refunds*', retryAfter: '3', json: true }, deps())).toBe(0);
    expect(JSON.parse(io.out().trim().split('\n').at(-1)!)).toMatchObject({ fault: '429', retry_after_s: 3, path: '/v1/refunds*' });
    await runFaultsAdd('delay', { delay: '1s', method: 'GET', path: '/v1/events', percent: '25', seed: 'x' }, deps());

    expect((await api.call('POST', '/v1/payments', paymentBody())).status).toBe(503);
    io.stdout.length = 0;
    expect(await runFaultsList({}, deps())).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+RULE\s+APPLIED$/);
    expect(lines[1]).toMatch(/^fault_\d+\s+503 on POST \/v1\/payments, next 1 of 2\s+1$/);
    expect(lines[2]).toMatch(/429 \(Retry-After 3s\) on any method \/v1\/refunds\*, every request\s+0$/);
    expect(lines[3]).toMatch(/delay 1000ms on GET \/v1\/events, 25% \(seed x\)/);

    const id = /^(fault_\d+)/.exec(lines[1]!)![1]!;
    io.stdout.length = 0;
    expect(await runFaultsClear(id, {}, deps())).toBe(0);
    expect(io.out()).toContain(`Removed ${id}`);
    expect((await api.call('POST', '/v1/payments', paymentBody())).status).toBe(201);
    expect(await runFaultsClear(undefined, {}, deps())).toBe(0);
    expect((await api.call('GET', '/_sandbox/faults')).body.data).toEqual([]);
  });

  it('bad input names the field (locally, or from the API); registered in the CLI', async () => {
    await expect(runFaultsAdd('delay', {}, deps())).rejects.toMatchObject({ code: 'parameter_missing', param: 'delay_ms' });
    await expect(runFaultsAdd('504', {}, deps())).rejects.toMatchObject({ param: 'fault' });
    await expect(runFaultsAdd('503', { times: 'two' }, deps())).rejects.toMatchObject({ code: 'invalid_usage', param: 'times' });
    expect(await main(['node', 'paycli', 'faults', 'add', 'reset', '--path', '/v1/payments', '--times', '1', '--sandbox-url', api.sandbox.url, '--api-key', api.sandbox.merchant.secret_key])).toBe(0);
    expect((await api.call('GET', '/_sandbox/faults')).body.data[0]).toMatchObject({ fault: 'reset', times: 1 });
  });
});
