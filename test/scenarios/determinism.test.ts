/**
 * Replay is deterministic and fast: two runs of one suite give the same JSON report apart from durations,
 * and a suite whose notifications are delayed and retried over hours finishes in seconds of wall time.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarios } from '../../src/scenarios/loader.js';
import { jsonReport } from '../../src/scenarios/reporters/json.js';
import type { RunReport } from '../../src/scenarios/results.js';
import type { MerchantAppConfig, RunningApp } from '../fixtures/app-server.js';
import { startNaiveApp } from '../fixtures/naive-app.js';
import { startReferenceApp } from '../fixtures/reference-app.js';
import { load, startBench } from './harness.js';

/** The report as JSON with every wall-clock duration removed. */
function withoutDurations(report: RunReport): unknown {
  return JSON.parse(jsonReport(report), (key, value) => (key === 'duration_ms' ? undefined : value));
}

async function runOnce(startApp: (config: MerchantAppConfig) => Promise<RunningApp>, seed = 'paycli'): Promise<RunReport> {
  // A fresh app each run: the app's own state (order numbers, seen webhook ids) is part of what is replayed.
  const bench = await startBench(startApp, seed);
  try {
    return await bench.run(load('scenarios'));
  } finally {
    await bench.close();
  }
}

describe('deterministic replay', () => {
  it('two runs of the library give identical JSON reports apart from durations', async () => {
    const [a, b] = [await runOnce(startReferenceApp), await runOnce(startReferenceApp)];
    expect(a.summary.passed).toBe(a.summary.total);
    expect(withoutDurations(b)).toEqual(withoutDurations(a));
    // …and the reports do hold the event sequences, with ids that come from the seed.
    expect(a.scenarios.every((s) => s.events.length > 0 && s.deliveries.length > 0)).toBe(true);
  });

  it('holds for failing runs too (the naive app), with the same failure messages', async () => {
    const [a, b] = [await runOnce(startNaiveApp), await runOnce(startNaiveApp)];
    expect(a.summary.failed).toBeGreaterThan(0);
    expect(withoutDurations(b)).toEqual(withoutDurations(a));
  });

  it('another seed gives other ids but the same outcomes', async () => {
    const [a, b] = [await runOnce(startReferenceApp, 'one'), await runOnce(startReferenceApp, 'two')];
    expect(b.scenarios.map((s) => [s.name, s.status])).toEqual(a.scenarios.map((s) => [s.name, s.status]));
    expect(b.scenarios[0]!.events[0]!.id).not.toBe(a.scenarios[0]!.events[0]!.id);
  });
});

const HOURS_SUITE = {
  'late.yaml': `version: 1
name: notification six hours late
steps:
  - id: order
    checkout: { amount: 2000, currency: usd, wallet: paypal }
  - buyer: { payment: "\${order.payment_id}", action: complete }
    notifications: { delay: 6h }
    expect:
      notifications: [{ event: payment.succeeded, status: pending }]
  - advance: 6h
    expect:
      notifications: [{ event: payment.succeeded, acknowledged: true, attempts: 1 }]
`,
  'retried.yaml': `version: 1
name: notification retried for a day
setup:
  merchant:
    retry_schedule: [2h, 6h, 12h, 24h]
steps:
  - id: order
    checkout: { amount: 2000, currency: usd, card: "4242424242424242" }
    notifications: { events: [payment.succeeded], fail_first: 4 }
  - advance: until_idle
    expect:
      notifications: [{ event: payment.succeeded, acknowledged: true, attempts: 5 }]
`,
  'expired.yaml': `version: 1
name: wallet left open for two days
steps:
  - id: order
    checkout: { amount: 2000, currency: cny, wallet: alipay }
  - advance: 48h
    expect:
      payment: { status: canceled, cancellation_reason: expired }
      app: { order: "\${order.order_id}", json: { status: canceled } }
`,
};

describe('virtual time', () => {
  it('runs a suite with hours of delays and retries in seconds of wall time', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paycli-hours-'));
    for (const [name, text] of Object.entries(HOURS_SUITE)) writeFileSync(path.join(dir, name), text);
    const bench = await startBench(startReferenceApp);
    try {
      // How long this takes in wall time is measured by bench/scenario-timing.js, not asserted here.
      const report = await bench.run(loadScenarios([dir], dir));
      expect(report.scenarios.map((s) => [s.name, s.status, s.failures])).toEqual(Object.keys(HOURS_SUITE).map(() => [expect.any(String), 'passed', []]));
      const retried = report.scenarios.find((s) => s.name === 'notification retried for a day')!;
      const attempts = retried.deliveries.find((d) => d.event_type === 'payment.succeeded')!.attempts;
      expect(attempts.map((a) => a.at_ms / 3_600_000)).toEqual([0, 2, 8, 20, 44]);
      const expired = report.scenarios.find((s) => s.name === 'wallet left open for two days')!;
      expect(expired.events.at(-1)).toMatchObject({ type: 'payment.canceled', at_ms: 30 * 60_000 });
    } finally {
      await bench.close();
    }
  });
});
