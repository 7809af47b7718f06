/**
 * The `fault:` step and `--builtin psp-faults`: the PSP's own API fails for the app (503, 429, a reset
 * connection); an app that retries with its Idempotency-Key passes, one that does not is told why; the
 * runner's own checks are never faulted.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadScenarios } from '../../src/scenarios/loader.js';
import { builtinSetPath } from '../../src/scenarios/builtin.js';
import { startNaiveApp } from '../fixtures/naive-app.js';
import { startReferenceApp } from '../fixtures/reference-app.js';
import { startBench } from './harness.js';

const set = () => loadScenarios([builtinSetPath('psp-faults')], process.cwd());

describe('psp faults', () => {
  it('an app that retries with the same Idempotency-Key passes every scenario of the set', async () => {
    const bench = await startBench(startReferenceApp);
    try {
      const report = await bench.run(set());
      expect(report.scenarios.map((s) => [s.name, s.status, s.failures.map((f) => f.message)])).toEqual(report.scenarios.map((s) => [s.name, 'passed', []]));
      expect(report.summary.passed).toBe(3);
    } finally {
      await bench.close();
    }
  });

  it('an app that does not retry fails each, with the hint', async () => {
    const bench = await startBench(startNaiveApp);
    try {
      const report = await bench.run(set());
      expect(report.scenarios.map((s) => s.status)).toEqual(['failed', 'failed', 'failed']);
      const first = report.scenarios[0]!.failures[0]!;
      expect(first.message).toMatch(/POST \/checkout \(app\) answered 5\d\d/);
      expect(first.hint).toMatch(/Retry a 5xx from the PSP with the same Idempotency-Key/);
    } finally {
      await bench.close();
    }
  });

  it("faults apply to the app's requests, not to the runner's own checks", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'paycli-faults-'));
    writeFileSync(
      path.join(dir, 'reads.yaml'),
      `version: 1
name: every read fails for the app
steps:
  - fault: { method: GET, fault: "503" }
  - id: order
    checkout: { amount: 2000, currency: usd, card: "4242424242424242" }
    expect:
      payment: { status: succeeded, amount_captured: 2000 }
      notifications: [{ event: payment.succeeded, count: 1 }]
`,
    );
    const bench = await startBench(startReferenceApp);
    try {
      const report = await bench.run(loadScenarios([dir], dir));
      expect(report.scenarios[0]!.failures).toEqual([]);
      expect(report.scenarios[0]!.status).toBe('passed');
    } finally {
      await bench.close();
    }
  });
});
