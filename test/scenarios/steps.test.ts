/**
 * Step actions and checks not covered by the library: app requests, references between PSP steps, the
 * acknowledgement rule, request expectations with queries, and what happens when an action cannot run.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenarios } from '../../src/scenarios/loader.js';
import type { ScenarioResult } from '../../src/scenarios/results.js';
import { startReferenceApp } from '../fixtures/reference-app.js';
import { startBench, type Bench } from './harness.js';

let bench: Bench;
beforeAll(async () => {
  bench = await startBench(startReferenceApp);
});
afterAll(() => bench.close());

async function runText(text: string): Promise<ScenarioResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'paycli-steps-'));
  writeFileSync(path.join(dir, 's.yaml'), text);
  const report = await bench.run(loadScenarios(['s.yaml'], dir));
  return report.scenarios[0]!;
}

describe('steps', () => {
  it('chains PSP steps through references and checks responses, objects and the app', async () => {
    const r = await runText(`version: 1
name: chained
steps:
  - id: pay
    create_payment: { amount: 3000, currency: usd, card: "4242424242424242", capture_method: manual, notify_url: null }
    expect:
      response: { status: 201, json: { status: requires_capture, merchant_order_id: chained-1 } }
  - id: cap
    capture: { payment: "\${pay.id}", amount: "\${pay.amount}" }
    expect:
      payment: { id: "\${cap.id}", amount_captured: 3000 }
  - refund: { payment: "\${pay.id}", amount: 100 }
    expect:
      refund: { amount: 100, payment_id: "\${pay.id}" }
      notifications: [{ count: 0 }]
  - id: order
    checkout: { amount: 700, currency: usd, card: "4242424242424242" }
  - request: { path: "/orders/\${order.order_id}" }
    expect:
      response: { status: 200, json: { status: paid, amount: 700 } }
  - request: { path: /checkout, json: { amount: 1, currency: usd, payment_method: { type: card, card: { number: "4000000000000002", exp_month: 1, exp_year: 2030 } } } }
    expect:
      response: { status: 201, json: { status: failed } }
  - expect:
      app: { path: "/orders/\${order.order_id}", json: { status: paid } }
      app_requests:
        - { method: POST, path: /v1/payments, count: 2 }
        - { method: GET, path: "/v1/payments/\${order.payment_id}", max: 5 }
        - { path: /v1/refunds, count: 0 }
        - { method: POST, path: /v1/payments, query: { expand: payment_method }, count: 0 }
`);
    expect(r.failures).toEqual([]);
    expect(r.status).toBe('passed');
  });

  it('honours the acknowledgement rule: an app answering JSON is not acknowledged when the rule wants "success"', async () => {
    const r = await runText(`version: 1
name: alipay rule
setup:
  merchant:
    acknowledge: { status: [200], body: success }
    retry_schedule: [1m]
steps:
  - id: order
    checkout: { amount: 700, currency: usd, card: "4242424242424242" }
  - advance: until_idle
    expect:
      notifications:
        - { event: payment.succeeded, status: failed, attempts: 2, response_status: 200, response_contains: received }
        - { event: payment.succeeded, acknowledged: true }
`);
    expect(r.status).toBe('failed');
    expect(r.failures.map((f) => f.message)).toEqual([expect.stringMatching(/^payment\.succeeded \(evt_\w+\) was not acknowledged after 2 attempt\(s\): answered 200 /)]);
  });

  it('stops at an action that cannot run and skips the rest; a non-2xx answer nobody expected fails the step', async () => {
    const r = await runText(`version: 1
name: broken
steps:
  - create_payment: { amount: 100, currency: usd, card: "4242424242424242", notify_url: null }
  - id: missing
    request: { path: /nowhere }
  - cancel: { payment: "\${missing.id}" }
  - advance: 1m
`);
    expect(r.status).toBe('error');
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'error', 'skipped']);
    expect(r.failures.map((f) => [f.step, f.check, f.message])).toEqual([
      [2, 'action', expect.stringMatching(/^GET \/nowhere \(app\) answered 404/)],
      [3, 'action', '${missing.id}: missing has no field "id" (it has: error)'],
    ]);
  });
});
