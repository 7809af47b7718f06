/**
 * `paycli scenario run|validate|list` through `main(argv)` in-process: exit codes (0 pass, 1 fail,
 * 2 invalid input), reporters (JUnit parsed back as XML), --out, --bail, --filter, --builtin, and the keys
 * the app is configured with (--api-key / --webhook-secret, or PAYCLI_* in the environment).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import type { RunReport } from '../../src/scenarios/results.js';
import type { MerchantAppConfig, RunningApp } from '../fixtures/app-server.js';
import { startNaiveApp } from '../fixtures/naive-app.js';
import { startReferenceApp } from '../fixtures/reference-app.js';
import { ROOT } from './harness.js';
import { parseXml } from './xml.js';

const KEY = 'sk_test_scenario_cli_key';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let stdout = '';
let stderr = '';
let cwd = '';
let app: RunningApp | null = null;

beforeEach(() => {
  stdout = '';
  stderr = '';
  cwd = mkdtempSync(path.join(os.tmpdir(), 'paycli-cli-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  vi.spyOn(process, 'cwd').mockReturnValue(cwd);
});

afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await app?.close();
  app = null;
});

/** A port that was free a moment ago: the CLI's sandbox listens on a fixed port the app must know first. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts an app pointed at the port the CLI will use, with the keys given on the command line. */
async function appFor(start: (c: MerchantAppConfig) => Promise<RunningApp>): Promise<{ args: string[] }> {
  const port = await freePort();
  app = await start({ sandboxUrl: `http://127.0.0.1:${port}`, secretKey: KEY, webhookSecret: SECRET });
  return { args: ['--port', String(port), '--api-key', KEY, '--webhook-secret', SECRET, '--app-url', app.url] };
}

const run = (...args: string[]) => main(['node', 'paycli', 'scenario', ...args]);
const lib = (file = '') => path.join(ROOT, 'scenarios', file);

describe('scenario run', () => {
  it('exits 0 and writes a JUnit report with one testcase per scenario, showing progress meanwhile', async () => {
    const { args } = await appFor(startReferenceApp);
    const code = await run('run', lib(), '--reporter', 'junit', '--out', 'junit.xml', ...args);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const xml = parseXml(readFileSync(path.join(cwd, 'junit.xml'), 'utf8'));
    expect(xml.name).toBe('testsuites');
    const suite = xml.children.find((c) => c.name === 'testsuite')!;
    const cases = suite.children.filter((c) => c.name === 'testcase');
    expect(cases).toHaveLength(23);
    expect(suite.attributes).toMatchObject({ tests: '23', failures: '0', errors: '0', skipped: '0' });
    expect(cases.every((c) => c.children.length === 0)).toBe(true);
    expect(cases.map((c) => c.attributes.name)).toContain('notification dropped, the app must query');
    expect(stdout).toMatch(/\[ 1\/23\] ✓ 3-D Secure abandoned/);
    expect(stdout).toMatch(/23 scenarios: 23 passed/);
    expect(stdout).toMatch(/report written to junit\.xml/);
  });

  it('exits 1 when a scenario fails; the JUnit failure carries the message and the hint', async () => {
    const { args } = await appFor(startNaiveApp);
    const code = await run('run', lib(), '--filter', 'OUT OF ORDER', '--reporter', 'junit', ...args);
    expect(code).toBe(1);
    const xml = parseXml(stdout);
    const cases = xml.children[0]!.children.filter((c) => c.name === 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual(['notifications out of order']);
    const failure = cases[0]!.children.find((c) => c.name === 'failure')!;
    expect(failure.attributes.message).toMatch(/status is "pending", expected "paid"/);
    expect(failure.text).toMatch(/step 1 \(order: checkout 2500 USD\) at \+0ms: .*\n  hint: Notifications can arrive in any order/);
    // With the report on stdout, progress goes to stderr.
    expect(stderr).toMatch(/✗ notifications out of order/);
  });

  it('--bail skips the rest after the first failure; --reporter json prints the report', async () => {
    const { args } = await appFor(startNaiveApp);
    const code = await run('run', lib('conformance'), '--bail', '--reporter', 'json', ...args);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as RunReport;
    expect(report.scenarios.map((s) => s.status)).toEqual(['passed', 'failed', 'skipped', 'skipped', 'skipped']);
    expect(report.summary).toEqual({ total: 5, passed: 1, failed: 1, errors: 0, skipped: 3 });
  });

  it('--builtin conformance checks an endpoint, with keys from the environment', async () => {
    const port = await freePort();
    app = await startReferenceApp({ sandboxUrl: `http://127.0.0.1:${port}`, secretKey: KEY, webhookSecret: SECRET });
    vi.stubEnv('PAYCLI_API_KEY', KEY);
    vi.stubEnv('PAYCLI_WEBHOOK_SECRET', SECRET);
    vi.stubEnv('PAYCLI_APP_URL', app.url);
    vi.stubEnv('PAYCLI_PORT', String(port));
    try {
      expect(await run('run', '--builtin', 'conformance')).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    expect(stdout).toMatch(/5 scenarios: 5 passed/);
    expect(stdout).toContain(`secret key      ${KEY}`);
  });

  it('names built-in scenarios in the JUnit report by their place in the package, not by ../ paths; --out makes its folder', async () => {
    const { args } = await appFor(startReferenceApp);
    const out = path.join(cwd, 'reports', 'ci', 'junit.xml');
    expect(await run('run', '--builtin', 'conformance', ...args, '--reporter', 'junit', '--out', out)).toBe(0);
    const cases = parseXml(readFileSync(out, 'utf8')).children[0]!.children.filter((c) => c.name === 'testcase');
    expect(cases).toHaveLength(5);
    for (const c of cases) {
      expect(c.attributes.file).toMatch(/^paycli\/scenarios\/conformance\/[\w-]+\.yaml$/);
      expect(c.attributes.classname).toMatch(/^paycli\.scenarios\.conformance\.[\w-]+$/);
    }
  });

  it('says which scenario could not run when the app is not there (exit 1)', async () => {
    const port = await freePort();
    const code = await run('run', lib('card-success.yaml'), '--port', '0', '--app-url', `http://127.0.0.1:${port}`);
    expect(code).toBe(1);
    expect(stdout).toMatch(/! card payment succeeds/);
    expect(stdout).toMatch(/the app did not answer POST \/checkout at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(stdout).toMatch(/hint: Start the app before the run/);
  });

  it('exits 2 naming the file and the problem for an invalid scenario, before running anything', async () => {
    writeFileSync(path.join(cwd, 'bad.yaml'), 'version: 1\nname: bad\nsteps:\n  - advance: soon\n');
    expect(await run('run', 'bad.yaml', lib('card-success.yaml'))).toBe(2);
    expect(stderr).toMatch(/bad\.yaml:4:\d+: steps\[0\]\.advance: must be a duration such as 30m, or until_idle/);
    expect(stderr).toMatch(/\[invalid_scenario\]/);
    expect(stdout).toBe('');
  });

  it('exits 2 for a missing file, no paths, an unknown reporter, an unknown builtin, or a filter matching nothing', async () => {
    expect(await run('run', 'missing.yaml')).toBe(2);
    expect(stderr).toMatch(/missing\.yaml: no such file or directory/);
    expect(await run('run')).toBe(2);
    expect(await run('run', lib(), '--reporter', 'xml')).toBe(2);
    expect(await run('run', '--builtin', 'nope')).toBe(2);
    expect(await run('run', lib(), '--filter', 'no such scenario')).toBe(2);
    expect(await run('run', lib(), '--webhook-secret', 'secret')).toBe(2);
    expect(stderr).toMatch(/--webhook-secret is not a Standard Webhooks secret/);
  });
});

describe('scenario validate and list', () => {
  it('validate lists each file; exit 0 when all are valid, 2 otherwise', async () => {
    expect(await run('validate', lib())).toBe(0);
    expect(stdout).toMatch(/23 files: 23 valid/);
    writeFileSync(path.join(cwd, 'two.yaml'), 'version: 1\nname: two\nsteps:\n  - checkout: { amount: 5, currency: usd, card: "4242424242424242", wallet: alipay }\n');
    stdout = '';
    expect(await run('validate', 'two.yaml', '--json')).toBe(2);
    const out = JSON.parse(stdout);
    expect(out.valid).toBe(false);
    expect(out.files[0].problems[0]).toMatchObject({ file: 'two.yaml', line: 4, path: 'steps[0].checkout', message: 'give only one of card, wallet' });
  });

  it('list shows names, files and tags; defaults to ./scenarios', async () => {
    expect(await run('list', '--builtin', 'conformance', '--json')).toBe(0);
    expect((JSON.parse(stdout) as { name: string }[]).map((r) => r.name)).toHaveLength(5);
    // A built-in file is named from the package, not by a path climbing out of the working directory.
    expect((JSON.parse(stdout) as { file: string }[]).map((r) => r.file)).toEqual(expect.arrayContaining(['paycli/scenarios/conformance/1-valid-notification.yaml']));
    expect(await run('list')).toBe(2);
    expect(stderr).toMatch(/no scenarios\/ folder here/);
  });
});
