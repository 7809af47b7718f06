/**
 * Every example in README.md and docs/*.md runs, for real, against a sandbox this test starts (port 0):
 * each fenced shell block command by command in document order, each JavaScript or TypeScript snippet as a
 * program. Each must succeed (exit 0, 2xx), and answer what the docs show next to it. A new example is run
 * without touching this file; the rules it follows are in CONTRIBUTING.md, "Examples are run".
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_SEED } from '../../src/scenarios/runner.js';
import { runMerchant } from '../../src/scenarios/scenario-sandbox.js';
import { serve, type RunningApp } from '../fixtures/app-server.js';
import { startReferenceApp } from '../fixtures/reference-app.js';
import { ROOT } from '../scenarios/harness.js';
import { allBlocks, type Block, type Command } from './doc-examples.js';
import {
  keepsRunning,
  linkModules,
  listening,
  moduleSource,
  outputPattern,
  rememberIds,
  reportingValues,
  shownValues,
  runShell,
  startBackground,
  waitUntil,
  withIds,
  withKeys,
  withPorts,
  writeShims,
  type Background,
  type Ports,
  type Run,
} from './example-runner.js';

const blocks = allBlocks(ROOT);
const files = [...new Set(blocks.map((b) => b.file))];
const runnable = (b: Block) => b.language !== null && b.notRun === null;
const bin = path.join(ROOT, 'bin', 'paycli.js');

let work = '';
let baseEnv: Record<string, string> = {};
let sandbox: Background;
let runtime: { url: string; secret_key: string; publishable_key?: string; webhook_secret: string; providers: Record<string, { url: string; secret_key?: string; app_id?: string }> };

const portOf = (url: string) => Number(new URL(url).port);

/** A free port, for the sandbox `paycli scenario run` starts (it would take 4242). */
async function freePort(): Promise<number> {
  const probe = await serve(0, async () => ({ status: 404, body: null }));
  await probe.close();
  return portOf(probe.url);
}

/**
 * Your app on port 3000: the project's reference merchant app (the scenario contract: `POST /checkout`,
 * notifications, `GET /orders/:id`), talking to the sandbox `paycli scenario run` starts and verifying
 * notifications with the webhook secret of the sandbox the examples use. It takes notifications on any
 * other POST path, as the docs' `--notify-url` examples name several.
 */
async function startApp(port: number, scenarioPort: number, webhookSecret: string): Promise<RunningApp> {
  const app = await startReferenceApp({ sandboxUrl: `http://127.0.0.1:${scenarioPort}`, secretKey: runMerchant({ seed: DEFAULT_SEED }).secret_key, webhookSecret });
  const front = await serve(port, async (req) => {
    const target = req.method === 'POST' && req.path !== '/checkout' ? '/webhooks' : req.path;
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
    const res = await fetch(app.url + target, { method: req.method, headers, body: req.method === 'GET' ? undefined : req.raw });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  });
  return { url: front.url, close: async () => (await front.close(), await app.close()) };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'paycli-doc-examples-'));
  linkModules(work, ROOT);
  const shims = writeShims(work);
  const env: Record<string, string> = {};
  const scenarioPort = await freePort();
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(PAYCLI_|NGROK_|FORCE_COLOR)/.test(k)) env[k] = v;
  // What `npx paycli sandbox start` runs as: every provider, each on a free port.
  const home = path.join(work, 'sandbox');
  mkdirSync(home);
  sandbox = startBackground([process.execPath, bin, 'sandbox', 'start', '--port', '0', '--stripe-port', '0', '--alipay-port', '0', '--wechatpay-port', '0'], home, { ...env, NO_COLOR: '1' });
  const runtimeFile = path.join(home, '.paycli', 'sandbox.runtime.json');
  expect(await waitUntil(() => existsSync(runtimeFile) && /listening/.test(sandbox.output()), sandbox, 100_000), sandbox.output()).toBe(true);
  runtime = JSON.parse(readFileSync(runtimeFile, 'utf8'));
  // The keys a reader copies from the banner into their environment.
  baseEnv = {
    ...env,
    PATH: `${shims}:${env.PATH ?? ''}`,
    NO_COLOR: '1',
    PSP_WEBHOOK_SECRET: runtime.webhook_secret,
    STRIPE_SECRET_KEY: runtime.providers.stripe!.secret_key!,
    ALIPAY_APP_ID: runtime.providers.alipay!.app_id!,
    // `paycli scenario run` serves its own sandbox here instead of on 4242, and signs with the secret your
    // app (below) verifies.
    PAYCLI_PORT: String(scenarioPort),
    PAYCLI_WEBHOOK_SECRET: runtime.webhook_secret,
  };
}, 120_000);

afterAll(async () => {
  if (sandbox) expect((await sandbox.stop()).code).toBe(0);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What a page's examples share: its directory, the ids they printed, the environment they exported. */
interface Page {
  dir: string;
  ports: Ports;
  app: RunningApp | null;
  env: Record<string, string>;
  ids: Map<string, string>;
  /** The keys of the sandbox the page's commands talk to. */
  keys: { secret_key: string; publishable_key?: string; webhook_secret: string };
  running: { command: string; where: string; bg: Background; output: string[] }[];
}

function describeRun(where: string, command: string, run: Run): string {
  return `${where}: ${command}\nexit ${run.code ?? run.signal}; statuses ${run.statuses.join(',') || '-'}\n--- stdout\n${run.stdout.slice(-4000)}\n--- stderr\n${run.stderr.slice(-4000)}`;
}

/** Every output line the docs show is among what was printed. */
function expectOutput(where: string, shown: string[], printed: string, ports: Ports): void {
  const lines = printed.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  for (const line of shown) {
    if (line.trim() === '' || /^→/.test(line)) continue;
    const pattern = outputPattern(withPorts(line, ports));
    expect(
      lines.some((l) => pattern.test(l)),
      `${where}: the docs show "${line}", not printed:\n${printed}`,
    ).toBe(true);
  }
}

/** `# → 201 {"status":"succeeded",…}` / `# → 400 refund_exceeds_captured`: the status, code and fields. */
function expectArrow(where: string, arrow: string, run: Run): void {
  const status = /^(\d{3})\b/.exec(arrow);
  if (status) expect(run.statuses.at(-1), `${where}: the docs say ${status[1]}`).toBe(Number(status[1]));
  const code = /^\d{3}\s+([a-z]+(?:_[a-z]+)+)\b/.exec(arrow);
  if (code) expect(run.stdout, `${where}: the docs say ${code[1]}`).toContain(code[1]);
  const fields = [...arrow.matchAll(/"(\w+)":("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)/g)].filter((m) => !m[2]!.includes('…'));
  if (fields.length === 0) return;
  const answer = JSON.parse(run.stdout) as Record<string, unknown>;
  for (const [, key, value] of fields) expect(answer[key!], `${where}: "${key}"`).toEqual(JSON.parse(value!));
}

async function runCommand(page: Page, block: Block, command: Command): Promise<void> {
  const where = `${block.file}:${command.line}`;
  const text = withKeys(withIds(withPorts(command.text, page.ports), page.ids), page.keys);
  if (keepsRunning(text)) {
    if (/^(npx )?paycli sandbox start$/.test(text)) {
      // The sandbox this test started is that command, run in this directory's stead.
      expectOutput(where, command.output, sandbox.output(), { ...page.ports, paycli: portOf(runtime.url) });
      return;
    }
    const starts = /\bpaycli sandbox start\b/.test(text);
    // Another sandbox, with that command's options, on free ports: as for a reader, it is the one this
    // directory's later commands (and 4242) talk to from now on.
    const argv = ['bash', '-c', starts ? `${text} --port 0 --stripe-port 0 --alipay-port 0 --wechatpay-port 0` : text.replace(/&\s*$/, '')];
    const runtimeFile = path.join(page.dir, '.paycli', 'sandbox.runtime.json');
    const bg = startBackground(argv, page.dir, page.env);
    const started = () => JSON.parse(readFileSync(runtimeFile, 'utf8')).url !== runtime.url;
    const ready = await waitUntil(() => (starts ? existsSync(runtimeFile) && started() && /listening|"ready"/.test(bg.output()) : bg.output().includes('\n')), bg, 50_000);
    expect(ready, `${where}: ${text} did not start:\n${bg.output()}`).toBe(true);
    if (starts) {
      const now = JSON.parse(readFileSync(runtimeFile, 'utf8')) as typeof runtime;
      const port = (name: string, old: number) => (now.providers?.[name] ? portOf(now.providers[name]!.url) : old);
      page.ports = { ...page.ports, paycli: portOf(now.url), stripe: port('stripe', page.ports.stripe), alipay: port('alipay', page.ports.alipay), wechatpay: port('wechatpay', page.ports.wechatpay) };
      page.env = { ...page.env, PSP_WEBHOOK_SECRET: now.webhook_secret, PAYCLI_WEBHOOK_SECRET: now.webhook_secret };
      page.keys = now;
      await page.app?.close();
      page.app = await startApp(page.ports.app, Number(baseEnv.PAYCLI_PORT), now.webhook_secret);
    }
    page.running.push({ command: text, where, bg, output: command.output });
    return;
  }
  const run = await runShell(text, page.dir, page.env);
  const report = describeRun(where, text, run);
  expect(run.code, report).toBe(0);
  if (command.arrow && /^\d{3}\b/.test(command.arrow)) expectArrow(report, command.arrow, run);
  else for (const s of run.statuses) expect(s >= 200 && s < 300, report).toBe(true);
  expectOutput(where, command.output, run.stdout, page.ports);
  if (run.env) page.env = run.env;
  rememberIds(run.stdout, page.ids);
}

async function runSnippet(page: Page, block: Block): Promise<void> {
  const where = `${block.file}:${block.line}`;
  const shown = shownValues(block.code);
  const source = withPorts(reportingValues(moduleSource(block.code, block.language as 'js' | 'ts'), shown.map((v) => v.binding)), page.ports);
  const file = path.join(page.dir, `example-${block.line}.mjs`);
  writeFileSync(file, source);
  if (source.includes(`.listen(${page.ports.app})`)) {
    // A receiver in place of your app, for this block: it must acknowledge the page's latest event, sent
    // again to it (at /webhooks) by `paycli events resend`.
    await page.app?.close();
    const bg = startBackground([process.execPath, file], page.dir, page.env);
    try {
      expect(await waitUntil(() => listening(page.ports.app), bg), `${where}: the server did not start:\n${bg.output()}`).toBe(true);
      const events = await (await fetch(`${runtime.url}/v1/events?limit=1`, { headers: { authorization: `Bearer ${runtime.secret_key}` } })).json() as { data: { id: string }[] };
      expect(events.data.length, `${where}: no event yet to send to the receiver`).toBe(1);
      const run = await runShell(`paycli events resend ${events.data[0]!.id} --to http://127.0.0.1:${page.ports.app}/webhooks`, page.dir, page.env);
      expect(run.code, `${describeRun(where, 'paycli events resend', run)}\n--- the receiver\n${bg.output()}`).toBe(0);
    } finally {
      await bg.stop();
      page.app = await startApp(page.ports.app, Number(baseEnv.PAYCLI_PORT), runtime.webhook_secret);
    }
    return;
  }
  const bg = startBackground([process.execPath, file], page.dir, page.env);
  const timer = setTimeout(() => void bg.stop(), 60_000);
  const run = await bg.exited;
  clearTimeout(timer);
  const report = describeRun(where, `node ${path.basename(file)}`, run);
  expect(run.code, report).toBe(0);
  rememberIds(run.stdout, page.ids);
  if (shown.length === 0) return;
  const values = JSON.parse(/^doc-example-values (.*)$/m.exec(run.stdout)?.[1] ?? 'null') as Record<string, Record<string, unknown> | null> | null;
  for (const v of shown) {
    const value = values?.[v.binding];
    const at = `${block.file}:${block.line + v.line}: ${v.binding}`;
    expect(value, `${at}\n${report}`).toBeTruthy();
    if (v.className) expect([value!.__class, value!.type], at).toContain(v.className);
    for (const [key, expected] of v.fields) {
      // `…` stands for the rest of the value, and the word it ends (a date, an id).
      if (typeof expected === 'string' && expected.includes('…')) expect(String(value![key]), `${at}.${key}`).toMatch(new RegExp(`^${withPorts(expected, page.ports).replace(/[\w-]*…$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      else expect(value![key], `${at}.${key}`).toEqual(expected);
    }
  }
}

/** A scenario file shown in the docs is valid: `paycli scenario validate` accepts it. */
async function validateScenario(page: Page, block: Block): Promise<void> {
  const file = path.join(page.dir, `example-${block.line}.yaml`);
  writeFileSync(file, block.code);
  const run = await runShell(`paycli scenario validate ${path.basename(file)}`, page.dir, page.env);
  expect(run.code, describeRun(`${block.file}:${block.line}`, 'paycli scenario validate', run)).toBe(0);
}

for (const file of files) {
  const pageBlocks = blocks.filter((b) => b.file === file && runnable(b));
  if (pageBlocks.length === 0) continue;
  describe(file, () => {
    const page: Page = { dir: '', ports: { paycli: 0, stripe: 0, alipay: 0, wechatpay: 0, app: 0 }, app: null, env: {}, ids: new Map(), keys: { secret_key: '', webhook_secret: '' }, running: [] };

    beforeAll(async () => {
      // A page starts from an empty sandbox (same keys) and a directory where `sandbox start` ran.
      const reset = await fetch(`${runtime.url}/_sandbox/reset`, { method: 'POST', headers: { authorization: `Bearer ${runtime.secret_key}` } });
      expect(reset.status).toBe(200);
      page.dir = path.join(work, file.replace(/[^\w]+/g, '-'));
      mkdirSync(page.dir, { recursive: true });
      cpSync(path.join(work, 'sandbox', '.paycli'), path.join(page.dir, '.paycli'), { recursive: true, filter: (src) => !/sandbox\.json/.test(path.basename(src)) });
      cpSync(path.join(ROOT, 'scenarios'), path.join(page.dir, 'scenarios'), { recursive: true });
      page.app = await startApp(0, Number(baseEnv.PAYCLI_PORT), runtime.webhook_secret);
      page.ports = {
        paycli: portOf(runtime.url),
        stripe: portOf(runtime.providers.stripe!.url),
        alipay: portOf(runtime.providers.alipay!.url),
        wechatpay: portOf(runtime.providers.wechatpay!.url),
        app: portOf(page.app.url),
      };
      // Your app's address, for scenario files that name none (PAYCLI_APP_URL overrides setup.app.base_url).
      page.env = { ...baseEnv, PAYCLI_APP_URL: page.app.url };
      page.keys = runtime;
    });

    afterAll(async () => {
      for (const r of page.running.splice(0)) await r.bg.stop();
      await page.app?.close();
    });

    for (const block of pageBlocks) {
      test(`${block.file}:${block.line} (${block.info || 'transcript'})`, async () => {
        if (block.language === 'shell') for (const command of block.commands) await runCommand(page, block, command);
        else if (block.language === 'scenario') await validateScenario(page, block);
        else await runSnippet(page, block);
      }, 240_000);
    }

    test('what kept running shows what the docs show, and stops cleanly', async () => {
      for (const r of page.running.splice(0)) {
        const run = await r.bg.stop();
        expect(run.code, describeRun(r.where, r.command, run)).toBe(0);
        expectOutput(r.where, r.output, run.stdout + run.stderr, page.ports);
      }
    }, 60_000);
  });
}
