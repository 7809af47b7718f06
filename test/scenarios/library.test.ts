/**
 * The scenario library in scenarios/ (and the conformance set in scenarios/conformance/) against the two
 * test apps: every scenario passes against the reference app; every chaos scenario fails against the naive
 * app, with a message saying what went wrong and a hint saying what to fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport, ScenarioResult } from '../../src/scenarios/results.js';
import { startNaiveApp } from '../fixtures/naive-app.js';
import { startReferenceApp } from '../fixtures/reference-app.js';
import { load, startBench, type Bench } from './harness.js';

const LIBRARY = load('scenarios');
const names = LIBRARY.map((l) => l.scenario.name);

function byName(report: RunReport, name: string): ScenarioResult {
  const s = report.scenarios.find((x) => x.name === name);
  if (!s) throw new Error(`no result for ${name}`);
  return s;
}

describe('against the reference app', () => {
  let bench: Bench;
  let report: RunReport;
  beforeAll(async () => {
    bench = await startBench(startReferenceApp);
    report = await bench.run(LIBRARY);
  });
  afterAll(() => bench.close());

  it.each(names)('%s passes', (name) => {
    const s = byName(report, name);
    expect(s.failures).toEqual([]);
    expect(s.status).toBe('passed');
    expect(s.steps.every((step) => step.status === 'passed')).toBe(true);
  });

  it('records the event sequence of each scenario', () => {
    const s = byName(report, 'notification delayed 30 minutes');
    expect(s.events.map((e) => e.type)).toEqual(['payment.created', 'payment.pending', 'payment.succeeded']);
    const late = s.deliveries.find((d) => d.event_type === 'payment.succeeded')!;
    expect(late.attempts).toEqual([expect.objectContaining({ at_ms: 30 * 60_000, status: 200, acknowledged: true })]);
    const reordered = byName(report, 'notifications out of order').deliveries;
    expect(reordered.map((d) => [d.event_type, d.attempts[0]!.at_ms])).toEqual([
      ['payment.created', 7000],
      ['payment.succeeded', 6000],
    ]);
  });
});

/** What the naive app gets wrong in each chaos scenario, as the failure messages must say it. */
const NAIVE_FAILURES: Record<string, RegExp[]> = {
  'notification delayed 30 minutes': [/GET \/orders\/ord_\d+: status is "pending", expected "paid"/, /changed during the step: fulfilments 0 → 1, status "pending" → "paid"/],
  'notification duplicated': [/GET \/orders\/ord_\d+ changed during the step: fulfilments 4 → 6/],
  'notifications out of order': [/GET \/orders\/ord_\d+: status is "pending", expected "paid"/],
  'notification dropped, the app must query': [/status is "pending", expected "paid"/, /the app made 0 request\(s\) to the sandbox matching GET \/v1\/payments\*, expected at least 1/],
  'notification fails twice then is acknowledged': [/status is "pending", expected "paid"/, /changed during the step/],
  'conformance: a tampered signature is rejected': [/the app accepted the tampered copy of payment\.succeeded \(evt_\w+\): answered 200/],
  'conformance: a stale timestamp is rejected': [/the app accepted the stale copy of payment\.succeeded \(evt_\w+\): answered 200/],
  'conformance: duplicates are acknowledged and change nothing': [/changed during the step: fulfilments 3 → 4/],
  'conformance: out-of-order notifications do not regress the order': [/status is "pending", expected "paid"/],
};

describe('against the naive app', () => {
  let bench: Bench;
  let report: RunReport;
  beforeAll(async () => {
    bench = await startBench(startNaiveApp);
    report = await bench.run(LIBRARY);
  });
  afterAll(() => bench.close());

  it.each(Object.entries(NAIVE_FAILURES))('%s fails, saying why', (name, reasons) => {
    const s = byName(report, name);
    expect(s.status).toBe('failed');
    expect(s.failures.map((f) => f.message)).toEqual(reasons.map((r) => expect.stringMatching(r)));
    for (const f of s.failures) expect(f.hint?.length ?? 0, `hint for: ${f.message}`).toBeGreaterThan(30);
  });

  it('passes the scenarios that need no robustness (so the failures above are about chaos)', () => {
    for (const name of ['card payment succeeds', 'card declined for insufficient funds', '3-D Secure completed', 'wallet payment paid', 'over-refund rejected']) {
      expect(byName(report, name).status, name).toBe('passed');
    }
  });

  it('covers every chaos scenario of the library', () => {
    const chaos = LIBRARY.filter((l) => l.scenario.tags?.includes('chaos') || l.scenario.tags?.includes('signature') || l.scenario.tags?.includes('duplicate') || l.scenario.tags?.includes('reorder'));
    expect(chaos.map((l) => l.scenario.name).sort()).toEqual(Object.keys(NAIVE_FAILURES).sort());
  });
});
