/**
 * End to end: `bin/paycli.js sandbox start` as a user runs it (dist/ is built by the global setup).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { TEST_CARDS } from '../../src/engine/cards.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'paycli.js');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(args: string[], cwd: string): ChildProcess {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function collect(child: ChildProcess): { stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { stdout: () => stdout, stderr: () => stderr, exit };
}

async function firstLine(child: ChildProcess): Promise<string> {
  let buf = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(buf.slice(0, i));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before printing`)));
  });
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'paycli-e2e-'));

/** The nice value of each thread of a process (Linux), main thread first. */
function threadNiceValues(pid: number): number[] {
  const tids = readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => (a === pid ? -1 : b === pid ? 1 : a - b));
  return tids.map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('paycli sandbox start', () => {
  test.runIf(process.platform === 'linux')('keeps its event loop ahead of its helper threads (signatures, file writes)', async () => {
    const child = run(['sandbox', 'start', '--port', '0', '--json', '--in-memory'], tmp());
    collect(child);
    await firstLine(child);
    const [main, ...helpers] = threadNiceValues(child.pid!);
    // The event loop keeps the priority it was started with (this test's own)...
    expect(main).toBe(os.getPriority());
    // ...and libuv's pool (4 threads) and V8's helpers run at nice 10 (or lower still, if started so).
    expect(helpers.length).toBeGreaterThanOrEqual(4);
    expect(helpers.every((nice) => nice >= Math.max(10, main!))).toBe(true);
  });

  test('--json prints a readiness line; the API works; SIGTERM stops it cleanly and keeps the data', async () => {
    const dir = tmp();
    const child = run(['sandbox', 'start', '--port', '0', '--json'], dir);
    const out = collect(child);
    const ready = JSON.parse(await firstLine(child));
    expect(ready).toMatchObject({ event: 'ready', data_file: path.join(dir, '.paycli', 'sandbox.json') });
    expect(ready.secret_key).toMatch(/^sk_test_/);
    expect(ready.webhook_secret).toMatch(/^whsec_/);
    expect(JSON.parse(readFileSync(path.join(dir, '.paycli', 'sandbox.runtime.json'), 'utf8')).url).toBe(ready.url);
    // The dashboard and its files are served by the built package.
    expect(ready.dashboard_url).toBe(`${ready.url}/`);
    expect(await (await fetch(ready.dashboard_url)).text()).toContain('<title>paycli sandbox</title>');
    expect((await fetch(`${ready.url}/_dashboard/assets/chart.umd.min.js`)).status).toBe(200);

    const res = await fetch(`${ready.url}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ready.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 1000, currency: 'eur', merchant_order_id: 'e2e-1', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2040 } } }),
    });
    expect(res.status).toBe(201);
    const payment = (await res.json()) as { id: string };

    child.kill('SIGTERM');
    expect(await out.exit).toBe(0);
    expect(existsSync(path.join(dir, '.paycli', 'sandbox.runtime.json'))).toBe(false);
    expect(out.stdout()).toContain('"event":"request"');

    // Same data file: same keys, and the payment is still there.
    const again = run(['sandbox', 'start', '--port', '0', '--json', '--quiet'], dir);
    const againOut = collect(again);
    const ready2 = JSON.parse(await firstLine(again));
    expect(ready2.secret_key).toBe(ready.secret_key);
    expect(ready2.webhook_secret).toBe(ready.webhook_secret);
    const got = await fetch(`${ready2.url}/v1/payments/${payment.id}`, { headers: { authorization: `Bearer ${ready2.secret_key}` } });
    expect(got.status).toBe(200);
    expect(((await got.json()) as { status: string }).status).toBe('succeeded');
    again.kill('SIGINT');
    expect(await againOut.exit).toBe(0);
  });

  test('a port in use is a one-line error with a hint and exit 1, not a stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const out = collect(run(['sandbox', 'start', '--port', String(port), '--in-memory'], tmp()));
      expect(await out.exit).toBe(1);
      expect(out.stderr()).toContain(`Port ${port}`);
      expect(out.stderr()).toContain('hint:');
      expect(out.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  test('an unreadable data file is a clear error with a hint and exit 1', async () => {
    const dir = tmp();
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{ this is not json');
    const out = collect(run(['sandbox', 'start', '--port', '0', '--data', file], dir));
    expect(await out.exit).toBe(1);
    expect(out.stderr()).toContain('broken.json');
    expect(out.stderr()).toContain('hint:');
    expect(out.stderr()).not.toMatch(/\n\s+at /);
    expect(readFileSync(file, 'utf8')).toBe('{ this is not json');
  });

  test('the readiness line lists every served provider with its URL and credentials', async () => {
    const dir = tmp();
    const child = run(['sandbox', 'start', '--port', '0', '--json', '--providers', 'paycli'], dir);
    const ready = JSON.parse(await firstLine(child));
    expect(ready.providers).toEqual({
      paycli: { url: ready.url, secret_key: ready.secret_key, publishable_key: ready.publishable_key, webhook_secret: ready.webhook_secret },
    });
  });

  test('an unknown --providers name is a usage error (exit 2) listing the registered ones', async () => {
    const out = collect(run(['sandbox', 'start', '--port', '0', '--providers', 'paycli,nope'], tmp()));
    expect(await out.exit).toBe(2);
    expect(out.stderr()).toContain('Unknown provider "nope" (from --providers)');
    expect(out.stderr()).toContain('Registered providers: paycli');
  });

  test('invalid flags are usage errors (exit 2) naming the flag', async () => {
    const out = collect(run(['sandbox', 'start', '--port', 'abc'], tmp()));
    expect(await out.exit).toBe(2);
    expect(out.stderr()).toContain('abc');
    const fwd = collect(run(['sandbox', 'start', '--port', '0', '--forward-to', 'ftp://x'], tmp()));
    expect(await fwd.exit).toBe(2);
    expect(fwd.stderr()).toContain('--forward-to');
  });

  test('`npx paycli` in the project runs this build (the README\'s first command)', async () => {
    const child = spawn('npx', ['paycli', '--version'], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const out = collect(child);
    expect(await out.exit).toBe(0);
    expect(out.stdout().trim()).toBe(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version);
    // npx links the project into its cache on the first run in a new clone, which can take half a minute.
  }, 120_000);

  test('--version answers', async () => {
    const out = collect(run(['--version'], tmp()));
    expect(await out.exit).toBe(0);
    expect(out.stdout().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('README', () => {
  test('the test-card table lists every card of the engine table with its failure code', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const card of TEST_CARDS) {
      const row = readme.split('\n').find((l) => l.startsWith(`| ${card.number} |`));
      // A full table row: number, outcome, status, failure code.
      expect(row, `README row for ${card.number}`).toMatch(new RegExp(`^\\| ${card.number} \\| [^|]+ \\| [^|]+ \\|[^|]*\\|$`));
      if (card.behaviour.kind === 'decline' || card.behaviour.kind === 'risk_block') expect(row).toContain(`\`${card.behaviour.failure_code}\``);
    }
  });

  test('states the two set-up commands exactly', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme).toContain('npm install && npx paycli sandbox start');
    expect(readme).toContain('npm install && npm test');
  });
});

describe('paycli sandbox start --virtual-clock', () => {
  test('retries wait for virtual time, advanced over the control API, and still verify', async () => {
    const { startReceiver } = await import('../helpers/sandbox.js');
    const { Webhook } = await import('standardwebhooks');
    const receiver = await startReceiver((_req, i) => ({ status: i === 0 ? 500 : 200 }));
    const child = run(['sandbox', 'start', '--port', '0', '--json', '--quiet', '--in-memory', '--virtual-clock'], tmp());
    const out = collect(child);
    try {
      const ready = JSON.parse(await firstLine(child));
      expect(ready.virtual_clock).toBe(true);
      const headers = { authorization: `Bearer ${ready.secret_key}`, 'content-type': 'application/json' };
      const res = await fetch(`${ready.url}/v1/payments`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ amount: 1000, currency: 'usd', merchant_order_id: 'vc-1', notify_url: receiver.url, payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2040 } } }),
      });
      expect(res.status).toBe(201);
      const advance = (ms: number) => fetch(`${ready.url}/_sandbox/clock/advance`, { method: 'POST', headers, body: JSON.stringify({ ms }) });
      await advance(0);
      // payment.created and payment.succeeded: both first attempts answered, the first with 500.
      expect(receiver.requests.length).toBe(2);
      await advance(999);
      expect(receiver.requests.length).toBe(2);
      await advance(1);
      expect(receiver.requests.length).toBe(3);
      const [first, , retry] = receiver.requests;
      expect(retry!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
      expect(() => new Webhook(ready.webhook_secret).verify(retry!.body, retry!.headers as Record<string, string>)).not.toThrow();
    } finally {
      child.kill('SIGTERM');
      await out.exit;
      await receiver.close();
    }
  });
});

describe('isLoopback', () => {
  test.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
  ])('%s → %s', async (host, expected) => {
    const { isLoopback } = await import('../../src/commands/sandbox-start.js');
    expect(isLoopback(host)).toBe(expected);
  });
});
