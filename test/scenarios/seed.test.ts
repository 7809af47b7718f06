/**
 * Seeds: a default run gets a fresh seed, printed, so a second run against the same app process does not
 * repeat ids; `--seed` repeats a run exactly; and an app that answers as if it saw an id before is told so.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import type { RunReport } from '../../src/scenarios/results.js';
import { parseJson, pspCall, serve, type MerchantAppConfig, type RunningApp } from '../fixtures/app-server.js';
import { startReferenceApp } from '../fixtures/reference-app.js';
import { ROOT } from './harness.js';

const KEY = 'sk_test_scenario_seed_key';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let stdout = '';
let app: RunningApp | null = null;

beforeEach(() => {
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  vi.spyOn(process, 'cwd').mockReturnValue(mkdtempSync(path.join(os.tmpdir(), 'paycli-seed-')));
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await app?.close();
  app = null;
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A merchant app as the README's receiver is: it deduplicates on webhook-id (answering `duplicate: true`)
 * and learns that an order is paid only from the notification.
 */
async function startDedupingApp(config: MerchantAppConfig): Promise<RunningApp> {
  const orders = new Map<string, { order_id: string; payment_id: string; status: string }>();
  const seen = new Set<string>();
  let seq = 0;
  let selfUrl = '';
  const served = await serve(0, async (req) => {
    if (req.method === 'POST' && req.path === '/checkout') {
      const body = parseJson(req.raw) ?? {};
      const orderId = `ord_${++seq}`;
      const created = await pspCall(config, 'POST', '/v1/payments', { amount: body.amount, currency: body.currency, merchant_order_id: orderId, payment_method: body.payment_method, notify_url: `${selfUrl}/webhooks` });
      const order = { order_id: orderId, payment_id: created.json.id as string, status: 'pending' };
      orders.set(orderId, order);
      return { status: 201, body: order };
    }
    if (req.method === 'POST' && req.path === '/webhooks') {
      const id = String(req.headers['webhook-id']);
      if (seen.has(id)) return { status: 200, body: { received: true, duplicate: true } };
      seen.add(id);
      const event = parseJson(req.raw);
      const order = [...orders.values()].find((o) => o.payment_id === event?.data?.object?.id);
      if (order && event.type === 'payment.succeeded') order.status = 'paid';
      return { status: 200, body: { received: true } };
    }
    const m = /^\/orders\/([^/]+)$/.exec(req.path);
    const order = m ? orders.get(m[1]!) : undefined;
    return order ? { status: 200, body: order } : { status: 404, body: { error: 'not found' } };
  });
  selfUrl = served.url;
  return served;
}

/** One app process for several runs: its memory of seen event ids lasts across them. */
async function oneApp(start: (c: MerchantAppConfig) => Promise<RunningApp> = startDedupingApp): Promise<string[]> {
  const port = await freePort();
  app = await start({ sandboxUrl: `http://127.0.0.1:${port}`, secretKey: KEY, webhookSecret: SECRET });
  return ['--port', String(port), '--api-key', KEY, '--webhook-secret', SECRET, '--app-url', app.url];
}

const scenario = path.join(ROOT, 'scenarios', 'card-success.yaml');
const run = async (...args: string[]) => {
  stdout = '';
  const code = await main(['node', 'paycli', 'scenario', 'run', scenario, ...args]);
  return { code, out: stdout };
};

describe('scenario run seeds', () => {
  it('two default runs against the same app process both pass, each with its own printed seed', async () => {
    const args = await oneApp();
    const first = await run(...args);
    const second = await run(...args);
    expect(first.code, first.out).toBe(0);
    expect(second.code, second.out).toBe(0);
    const seedOf = (out: string) => /seed\s+(\S+) \(repeat this run exactly with --seed \1\)/.exec(out)?.[1];
    expect(seedOf(first.out)).toMatch(/^[0-9a-f]{8}$/);
    expect(seedOf(second.out)).toMatch(/^[0-9a-f]{8}$/);
    expect(seedOf(second.out)).not.toBe(seedOf(first.out));
    // The keys the app is configured with do not change with the seed.
    expect(first.out).toContain(`secret key      ${KEY}`);
  });

  it('--seed repeats a run exactly (fresh app each time): the same JSON report apart from durations', async () => {
    const reports: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      const args = await oneApp(startReferenceApp);
      const { code, out } = await run(...args, '--seed', 'abc', '--reporter', 'json');
      expect(code).toBe(0);
      const report = JSON.parse(out) as RunReport;
      expect(report.seed).toBe('abc');
      reports.push(JSON.parse(out, (k, v) => (k === 'duration_ms' ? undefined : v)));
      await app!.close();
      app = null;
    }
    expect(reports[1]).toEqual(reports[0]);
  });

  it('the same --seed twice against the same app process: the failure says the app saw the ids before', async () => {
    const args = await oneApp();
    expect((await run(...args, '--seed', 'again')).code).toBe(0);
    const second = await run(...args, '--seed', 'again');
    expect(second.code).toBe(1);
    expect(second.out).toMatch(/note: the app answered the first delivery of evt_\w+(, evt_\w+)* as a duplicate: it saw (this event id|these event ids) before this run/);
    expect(second.out).toMatch(/hint: Ids come from the seed \(again\).*Restart the app, or run without --seed/);
  });
});
