/**
 * `--builtin webhook-endpoint` checks a notification endpoint given only its URL (no /checkout, no
 * /orders); `--builtin conformance` stays the whole-app set; and conformance files copied into your own
 * folder replace the built-in ones instead of colliding with `--builtin conformance`.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { runScenarioCommand } from '../../src/commands/scenario-run.js';
import { runScenarioList } from '../../src/commands/scenario-list.js';
import type { RunReport } from '../../src/scenarios/results.js';
import { ROOT } from './harness.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? (server.closeAllConnections(), server.close(() => r())) : r()));
  server = null;
});

/** A server with one route, POST /api/psp/notify; `verify` false accepts anything. */
async function endpoint(verify: boolean): Promise<string> {
  const wh = new Webhook(SECRET);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/api/psp/notify') return res.writeHead(404).end();
      try {
        if (verify) wh.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>);
      } catch {
        return res.writeHead(400).end('bad signature');
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as { port: number }).port}/api/psp/notify`;
}

async function run(args: Parameters<typeof runScenarioCommand>[1]): Promise<{ code: number; report: RunReport }> {
  let out = '';
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'paycli-endpoint-'));
  const code = await runScenarioCommand([], { port: '0', webhookSecret: SECRET, reporter: 'json', seed: 'endpoint', ...args }, { cwd, env: {}, stdout: (t) => (out += t), stderr: () => {} });
  return { code, report: JSON.parse(out) as RunReport };
}

describe('--builtin webhook-endpoint', () => {
  it('passes a correct endpoint given only its URL (no checkout or order route exists)', async () => {
    const url = await endpoint(true);
    const { code, report } = await run({ builtin: 'webhook-endpoint', notifyUrl: url });
    expect(report.scenarios.map((s) => [s.name, s.status, s.failures.map((f) => f.message)])).toEqual([
      ['webhook endpoint: a valid notification is acknowledged in time', 'passed', []],
      ['webhook endpoint: a tampered signature is rejected', 'passed', []],
      ['webhook endpoint: a stale timestamp is rejected', 'passed', []],
      ['webhook endpoint: a duplicate is acknowledged', 'passed', []],
    ]);
    expect(code).toBe(0);
  });

  it('fails an endpoint that accepts tampered and stale notifications, naming them', async () => {
    const url = await endpoint(false);
    const { code, report } = await run({ builtin: 'webhook-endpoint', notifyUrl: url });
    expect(code).toBe(1);
    expect(report.scenarios.filter((s) => s.status === 'failed').map((s) => s.name)).toEqual([
      'webhook endpoint: a tampered signature is rejected',
      'webhook endpoint: a stale timestamp is rejected',
    ]);
  });

  it('the whole-app conformance set is another thing: it needs the checkout route', async () => {
    const url = await endpoint(true);
    const { code, report } = await run({ builtin: 'conformance', notifyUrl: url, appUrl: url.replace('/api/psp/notify', '') });
    expect(code).toBe(1);
    expect(report.scenarios[0]!.failures[0]!.message).toMatch(/POST \/checkout \(app\) answered 404/);
  });
});

describe('copied conformance files', () => {
  it('replace the built-in ones of the same name instead of colliding with --builtin conformance', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'paycli-copied-'));
    cpSync(path.join(ROOT, 'scenarios', 'conformance'), path.join(cwd, 'scenarios', 'conformance'), { recursive: true });
    let out = '';
    const code = await runScenarioList(['scenarios'], { builtin: 'conformance', json: true }, { cwd, env: {}, stdout: (t) => (out += t), stderr: () => {} });
    expect(code).toBe(0);
    const rows = JSON.parse(out) as { name: string; file: string }[];
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.file.startsWith('scenarios/conformance/'))).toBe(true);
  });
});
