/** `paycli stats` against a real sandbox on a virtual clock: the dashboard's figures in the terminal. */
import { promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { sinceSeconds } from '../../src/commands/stats.js';
import { card, closedAfterEach, paymentBody, type Api } from '../helpers/sandbox.js';
import { captureOutput, tempDir, writeRuntimeFile, type Captured } from './helpers.js';

const env = closedAfterEach();
let io: Captured;
let dir: string;

beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

async function sandboxWithHistory(): Promise<Api> {
  const api = await env.sandbox({ virtualClock: true });
  await api.call('POST', '/v1/payments', paymentBody({ amount: 1000 }));
  await api.call('POST', '/v1/payments', paymentBody({ payment_method: card('4000000000009995') }));
  // Two days later (virtual time): one more success, refunded in part.
  await api.call('POST', '/_sandbox/clock/advance', { ms: 2 * 86_400_000 });
  const later = (await api.call('POST', '/v1/payments', paymentBody({ amount: 3000, payment_method: { type: 'wallet', wallet: 'paypal' } }))).body;
  await api.call('POST', `/_sandbox/buyer/${later.id}/complete`);
  await api.call('POST', '/v1/refunds', { payment_id: later.id, amount: 500 });
  writeRuntimeFile(dir, api.sandbox);
  return api;
}

const run = (...args: string[]) => main(['node', 'paycli', 'stats', ...args]);

describe('paycli stats', () => {
  it('prints the same figures as the dashboard', async () => {
    const api = await sandboxWithHistory();
    vi.spyOn(process, 'cwd').mockReturnValue(dir);
    expect(await run()).toBe(0);
    const text = io.out();
    expect(text).toContain('Payments all time, all providers');
    expect(text).toMatch(/payments\s+3\s+\(succeeded 2, failed 1\)/);
    expect(text).toMatch(/success rate\s+66\.7%/);
    expect(text).toMatch(/captured\s+40\.00 USD/);
    expect(text).toMatch(/refunded\s+5\.00 USD/);
    expect(text).toMatch(/refund rate\s+50\.0% \(1 payments refunded\)/);
    expect(text).toMatch(/decline reasons\s+insufficient_funds 1/);
    expect(text).toMatch(/methods\s+card 2 \(66\.7%\), paypal 1 \(33\.3%\)/);

    io.stdout.length = 0;
    expect(await run('--json')).toBe(0);
    expect(io.json()[0]).toEqual((await api.call('GET', '/_dashboard/api/stats')).body);
  });

  it('--since counts back from the sandbox clock; --provider narrows', async () => {
    await sandboxWithHistory();
    vi.spyOn(process, 'cwd').mockReturnValue(dir);
    expect(await run('--since', '1d', '--json')).toBe(0);
    expect(io.json()[0].payments).toEqual({ total: 1, by_status: { succeeded: 1 } });
    io.stdout.length = 0;
    expect(await run('--provider', 'stripe', '--json')).toBe(0);
    expect(io.json()[0].payments.total).toBe(0);
  });

  it('bad flags are usage errors', async () => {
    expect(await run('--since', 'last tuesday', '--sandbox-url', 'http://127.0.0.1:9')).toBe(2);
    expect(io.err()).toContain('--since must be a duration such as 24h or 7d');
    expect(await run('--provider', 'Not A Name')).toBe(2);
  });

  it('reads durations and dates', () => {
    const now = Date.UTC(2026, 2, 15, 12, 0, 0);
    expect(sinceSeconds('24h', now)).toBe(now / 1000 - 86_400);
    expect(sinceSeconds('2026-03-01', now)).toBe(Date.UTC(2026, 2, 1) / 1000);
    expect(sinceSeconds('2026-03-01T06:30:00Z', now)).toBe(Date.UTC(2026, 2, 1, 6, 30) / 1000);
    expect(() => sinceSeconds('1500', now)).toThrow(/--since must be/);
  });
});
