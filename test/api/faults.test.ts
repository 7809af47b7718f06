/**
 * PSP API faults (`/_sandbox/faults`): matching requests answer 500/503 in the provider's error shape,
 * 429 with Retry-After, answer late, never answer, or have their connection reset; the next N or a seeded
 * percentage; every faulted request is in the request log; bad rules are a 400 naming the field.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runLogsTail } from '../../src/commands/logs.js';
import { captureOutput, tempDir, writeRuntimeFile } from '../devloop/helpers.js';
import { paymentBody, startTestSandbox, type Api } from '../helpers/sandbox.js';
import { vi } from 'vitest';

let api: Api;
beforeEach(async () => {
  api = await startTestSandbox();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await api.close();
});

const arm = (rule: Record<string, unknown>) => api.call('POST', '/_sandbox/faults', rule);
const log = async () => (await api.call('GET', '/_sandbox/requests')).body.data.filter((e: any) => e.kind === 'request');

describe('/_sandbox/faults', () => {
  it('503 for the next request only, in the native error shape; nothing is created; then normal again', async () => {
    const rule = await arm({ method: 'POST', path: '/v1/payments', fault: '503', times: 1 });
    expect(rule.status).toBe(201);
    expect(rule.body).toMatchObject({ id: expect.stringMatching(/^fault_/), object: 'fault_rule', provider: '*', method: 'POST', path: '/v1/payments', fault: '503', times: 1, applied: 0 });
    const failed = await api.call('POST', '/v1/payments', paymentBody());
    expect(failed.status).toBe(503);
    expect(failed.body.error).toMatchObject({ type: 'api_error', code: 'service_unavailable', fault_rule: rule.body.id, hint: expect.stringContaining('Idempotency-Key') });
    expect((await api.call('GET', '/v1/payments')).body.data).toEqual([]);
    expect((await api.call('POST', '/v1/payments', paymentBody())).status).toBe(201);
    expect((await api.call('GET', '/_sandbox/faults')).body.data).toEqual([]);
  });

  it('500 and 429 with Retry-After; GET requests only when the rule says GET', async () => {
    await arm({ method: 'GET', path: '/v1/payments*', fault: '429', retry_after_s: 2, times: 1 });
    await arm({ path: '/v1/refunds', fault: '500', times: 1 });
    expect((await api.call('POST', '/v1/payments', paymentBody())).status).toBe(201);
    const limited = await api.call('GET', '/v1/payments?limit=1');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
    const broken = await api.call('POST', '/v1/refunds', { payment_id: 'pay_x' });
    expect(broken.status).toBe(500);
    expect(broken.body.error.code).toBe('api_error');
  });

  it('delay answers normally (later); hang never answers; reset drops the connection; all are logged', async () => {
    await arm({ path: '/v1/payments', method: 'GET', fault: 'delay', delay_ms: 200, times: 1 });
    expect((await api.call('GET', '/v1/payments')).status).toBe(200);

    await arm({ path: '/v1/events', fault: 'hang', times: 1 });
    const hung = await fetch(`${api.sandbox.url}/v1/events`, { headers: { authorization: `Bearer ${api.sandbox.merchant.secret_key}` }, signal: AbortSignal.timeout(300) }).catch((e: Error) => e);
    expect(hung).toBeInstanceOf(Error);
    expect((hung as Error).name).toBe('TimeoutError');

    await arm({ path: '/v1/refunds', fault: 'reset', times: 1 });
    const reset = await fetch(`${api.sandbox.url}/v1/refunds`, { headers: { authorization: `Bearer ${api.sandbox.merchant.secret_key}` } }).catch((e: Error) => e);
    expect(reset).toBeInstanceOf(Error);

    const faulted = (await log()).filter((e: any) => e.fault).map((e: any) => [e.method, e.path, e.status, e.fault.replace(/fault_\d+/, 'fault_N')]);
    expect(faulted).toEqual([
      ['GET', '/v1/payments', 200, 'delay 200ms (fault_N)'],
      ['GET', '/v1/events', 0, 'hang (fault_N)'],
      ['GET', '/v1/refunds', 0, 'reset (fault_N)'],
    ]);

    // logs tail shows them.
    const io = captureOutput();
    const dir = await tempDir();
    writeRuntimeFile(dir, api.sandbox);
    await runLogsTail({ follow: false }, { cwd: dir, env: {} });
    expect(io.out()).toMatch(/GET\s+\/v1\/events\s+no answer\s+0 ms fault: hang \(fault_\d+\)/);
    expect(io.out()).toMatch(/GET\s+\/v1\/payments\s+200\s+[\d.]+ ms fault: delay 200ms/);
  });

  it('a seeded percentage faults the same requests every time; the control API is never faulted', async () => {
    const pattern = async () => {
      await api.call('POST', '/_sandbox/reset');
      expect((await arm({ path: '*', method: 'GET', fault: '503', percent: 50, seed: 'same' })).status).toBe(201);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await api.call('GET', '/v1/payments')).status);
      expect((await api.call('GET', '/_sandbox/health', undefined, { key: null })).status).toBe(200);
      return statuses;
    };
    const a = await pattern();
    expect(a.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(await pattern()).toEqual(a);
  });

  it.each([
    [{ fault: 'delay' }, 'delay_ms', 'parameter_missing'],
    [{ fault: '503', delay_ms: 5 }, 'delay_ms', 'parameter_invalid'],
    [{ fault: '503', retry_after_s: 5 }, 'retry_after_s', 'parameter_invalid'],
    [{ fault: '503', times: 1, percent: 10 }, 'percent', 'parameter_invalid'],
    [{ fault: '504' }, 'fault', 'parameter_invalid'],
    [{ fault: '503', path: 'v1/payments' }, 'path', 'parameter_invalid'],
    [{ fault: '503', method: 'GRAB' }, 'method', 'parameter_invalid'],
    [{ fault: '503', tims: 1 }, 'tims', 'parameter_invalid'],
  ])('%j is a 400 naming %s', async (body, param, code) => {
    const res = await arm(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code, param });
  });

  it('DELETE one rule or all; reset clears them', async () => {
    const one = (await arm({ fault: '503' })).body;
    await arm({ fault: '500' });
    expect((await api.call('DELETE', `/_sandbox/faults/${one.id}`)).body).toMatchObject({ id: one.id, deleted: true });
    expect((await api.call('DELETE', `/_sandbox/faults/${one.id}`)).status).toBe(404);
    expect((await api.call('GET', '/_sandbox/faults')).body.data).toHaveLength(1);
    await api.call('POST', '/_sandbox/reset');
    expect((await api.call('GET', '/_sandbox/faults')).body.data).toEqual([]);
  });
});
