/** Ctrl-C during `scenario run`: the summary is printed and a partial report written, with the rest skipped. */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runScenarioCommand } from '../../src/commands/scenario-run.js';
import type { RunReport } from '../../src/scenarios/results.js';
import type { RunningApp } from '../fixtures/app-server.js';
import { startReferenceApp } from '../fixtures/reference-app.js';
import { LIBRARY } from './harness.js';

const KEY = 'sk_test_interrupt_key';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let app: RunningApp | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('scenario run interrupted', () => {
  it('finishes the step under way, prints the summary, writes the partial report, exits 130', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'paycli-interrupt-'));
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    app = await startReferenceApp({ sandboxUrl: `http://127.0.0.1:${port}`, secretKey: KEY, webhookSecret: SECRET });

    const interrupt = new AbortController();
    let out = '';
    const stdout = (t: string) => {
      out += t;
      // "Ctrl-C" as soon as the first scenario is reported.
      if (/\[ 1\/23\]/.test(t)) interrupt.abort();
    };
    const code = await runScenarioCommand(
      [LIBRARY],
      { port: String(port), apiKey: KEY, webhookSecret: SECRET, appUrl: app.url, reporter: 'json', out: 'report.json', seed: 'interrupt' },
      { cwd, env: {}, stdout, stderr: () => {}, signal: interrupt.signal },
    );
    expect(code).toBe(130);
    expect(out).toMatch(/23 scenarios: 1 passed, 22 skipped/);
    expect(out).toContain('Interrupted (Ctrl-C)');
    const report = JSON.parse(readFileSync(path.join(cwd, 'report.json'), 'utf8')) as RunReport;
    expect(report.interrupted).toBe(true);
    expect(report.summary).toMatchObject({ total: 23, passed: 1, skipped: 22 });
  });
});
