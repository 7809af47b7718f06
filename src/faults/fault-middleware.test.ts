import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { ActivityLog } from '../core/activity-log.js';
import { faultMiddleware, pendingFault, RUNNER_HEADER, type FaultRenderer } from './fault-middleware.js';
import { FaultRules } from './fault-rules.js';

const servers: import('node:http').Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => (s.closeAllConnections(), s.close())));

/** A provider whose faults have their own shape and headers, as Stripe's `Stripe-Should-Retry`. */
const stripeLike: FaultRenderer = (err, decision) => ({ status: err.status, headers: { 'Stripe-Should-Retry': 'true' }, body: { error: { type: 'api_error', message: err.message, rule: decision.rule.id } } });

async function start(rules: FaultRules, render: FaultRenderer = stripeLike): Promise<string> {
  const app = express();
  app.use('/v1', faultMiddleware({ rules, provider: 'stripe', activity: new ActivityLog(), clock: new FakeClock(0), render }));
  // A route that answers a fault handed to it (a renderer that returned null), as a signing provider does.
  app.get('/v1/charges', (_req, res) => {
    const fault = pendingFault(res);
    if (fault) return void res.status(200).json({ answered_by_route: fault.code });
    res.json({ ok: true });
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('faultMiddleware', () => {
  it("renders through the provider's renderer (its shape and headers), only for its own provider name", async () => {
    const rules = new FaultRules();
    rules.add({ provider: 'stripe', method: 'GET', path: '/v1/charges', fault: '503', retry_after_s: null, delay_ms: null, times: 1, percent: null, seed: null });
    rules.add({ provider: 'alipay', method: '*', path: '*', fault: '500', retry_after_s: null, delay_ms: null, times: null, percent: null, seed: null });
    const url = await start(rules);
    const res = await fetch(`${url}/v1/charges`);
    expect(res.status).toBe(503);
    expect(res.headers.get('stripe-should-retry')).toBe('true');
    expect(await res.json()).toEqual({ error: { type: 'api_error', message: expect.stringContaining('fault_1'), rule: 'fault_1' } });
    // The alipay rule does not apply to this provider; the stripe rule is used up.
    expect((await fetch(`${url}/v1/charges`)).status).toBe(200);
  });

  it('429 gets Retry-After; the scenario runner\'s own requests are never faulted', async () => {
    const rules = new FaultRules();
    rules.add({ provider: '*', method: '*', path: '*', fault: '429', retry_after_s: 7, delay_ms: null, times: null, percent: null, seed: null });
    const url = await start(rules);
    const limited = await fetch(`${url}/v1/charges`);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await fetch(`${url}/v1/charges`, { headers: { [RUNNER_HEADER]: '1' } })).status).toBe(200);
  });

  it('a renderer returning null hands the fault to the route (with Retry-After on a 429)', async () => {
    const rules = new FaultRules();
    rules.add({ provider: '*', method: '*', path: '*', fault: '429', retry_after_s: 4, delay_ms: null, times: 1, percent: null, seed: null });
    const url = await start(rules, () => null);
    const handed = await fetch(`${url}/v1/charges`);
    expect([handed.status, handed.headers.get('retry-after'), await handed.json()]).toEqual([200, '4', { answered_by_route: 'rate_limited' }]);
    expect(await (await fetch(`${url}/v1/charges`)).json()).toEqual({ ok: true });
  });
});
