/**
 * A real crash of the whole sandbox: a child `node` process runs the compiled sandbox (dist/, built once by
 * test/global-setup.ts) on a data file; the parent creates, captures and refunds payments through the API,
 * records every write the sandbox acknowledged, SIGKILLs the child mid-load, restarts it on the same file
 * and checks that every acknowledged write is there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const compiled = path.join(repo, 'dist/sandbox/sandbox.js');

const CHILD = `
const { startSandbox } = await import(${JSON.stringify(pathToFileURL(compiled).href)});
const sandbox = await startSandbox({ port: 0, dataFile: process.argv[2] });
process.stdout.write(JSON.stringify({ url: sandbox.url, key: sandbox.merchant.secret_key, webhook_secret: sandbox.merchant.webhook_secret }) + '\\n');
`;

interface Running {
  child: ChildProcess;
  url: string;
  key: string;
  webhook_secret: string;
}

let dir: string;
let script: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  await access(compiled).catch(() => {
    throw new Error(`${compiled} is missing: the vitest globalSetup (test/global-setup.ts) builds it; run the suite with the repo's vitest config`);
  });
  dir = await mkdtemp(path.join(tmpdir(), 'paycli-sigkill-'));
  script = path.join(dir, 'child.mjs');
  await writeFile(script, CHILD);
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** Starts the compiled sandbox in a child process and waits for its readiness line. */
function startChild(dataFile: string): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, dataFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.on('exit', () => children.delete(child));
    let out = '';
    let err = '';
    const guard = setTimeout(() => reject(new Error(`child did not start: ${err}`)), 20_000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(guard);
        resolve({ child, ...(JSON.parse(line) as { url: string; key: string; webhook_secret: string }) });
      }
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      clearTimeout(guard);
      reject(new Error(`child exited (${code}) before it was ready: ${err}`));
    });
  });
}

function kill(r: Running): Promise<void> {
  return new Promise((resolve) => {
    r.child.once('exit', () => resolve());
    r.child.kill('SIGKILL');
  });
}

async function post(r: Running, p: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(r.url + p, { method: 'POST', headers: { authorization: `Bearer ${r.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

interface Acked {
  created: Set<string>;
  captured: Set<string>;
  refunds: Map<string, string>; // refund id → payment id
}

/**
 * Eight concurrent writers create a manual-capture payment, capture it, and refund every other one, until
 * `killAfter` writes are acknowledged; then the child is SIGKILLed while requests are still in flight.
 */
async function loadAndKill(r: Running, round: number, killAfter: number, acked: Acked): Promise<void> {
  let writes = 0;
  let killed: Promise<void> | null = null;
  const count = () => {
    writes++;
    if (writes >= killAfter && !killed) killed = kill(r);
  };
  let n = 0;
  const writer = async () => {
    while (!killed) {
      const i = n++;
      try {
        const created = await post(r, '/v1/payments', { amount: 1000 + i, currency: 'usd', merchant_order_id: `r${round}-${i}`, capture_method: 'manual', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034 } } });
        if (created.status !== 201) throw new Error(`create answered ${created.status}`);
        acked.created.add(created.body.id);
        count();
        const captured = await post(r, `/v1/payments/${created.body.id}/capture`, {});
        if (captured.status !== 200) throw new Error(`capture answered ${captured.status}`);
        acked.captured.add(created.body.id);
        count();
        if (i % 2 === 0) {
          const refund = await post(r, '/v1/refunds', { payment_id: created.body.id, amount: 100 });
          if (refund.status !== 201) throw new Error(`refund answered ${refund.status}`);
          acked.refunds.set(refund.body.id, created.body.id);
          count();
        }
      } catch (err) {
        // Once the child is killed, requests in flight fail: that is the point. Before, nothing may fail.
        if (!killed) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));
  await killed;
}

async function getJson(r: Running, p: string): Promise<{ status: number; body: any }> {
  const res = await fetch(r.url + p, { headers: { authorization: `Bearer ${r.key}` } });
  return { status: res.status, body: await res.json() };
}

describe('sandbox under SIGKILL', () => {
  // Many child processes killed and restarted: minutes on a loaded machine, never a hang.
  it('loses no acknowledged write across repeated kills and keeps its keys', { timeout: 120_000 }, async () => {
    const dataFile = path.join(dir, 'sandbox.json');
    const acked: Acked = { created: new Set(), captured: new Set(), refunds: new Map() };
    let keys: { key: string; webhook_secret: string } | null = null;

    for (const [round, killAfter] of [150, 400, 700].entries()) {
      const r = await startChild(dataFile);
      if (keys) expect({ key: r.key, webhook_secret: r.webhook_secret }).toEqual(keys);
      keys = { key: r.key, webhook_secret: r.webhook_secret };
      await loadAndKill(r, round, killAfter, acked);
    }

    const r = await startChild(dataFile);
    try {
      expect({ key: r.key, webhook_secret: r.webhook_secret }).toEqual(keys);
      const health = (await fetch(`${r.url}/_sandbox/health`).then((x) => x.json())) as { counts: { payments: number } };
      expect(health.counts.payments).toBeGreaterThanOrEqual(acked.created.size);

      const missing: string[] = [];
      const notCaptured: string[] = [];
      for (const id of acked.created) {
        const p = await getJson(r, `/v1/payments/${id}`);
        if (p.status !== 200) missing.push(id);
        else if (acked.captured.has(id) && p.body.status !== 'succeeded') notCaptured.push(id);
      }
      const missingRefunds: string[] = [];
      for (const [refundId, paymentId] of acked.refunds) {
        const res = await getJson(r, `/v1/refunds/${refundId}`);
        if (res.status !== 200 || res.body.payment_id !== paymentId) missingRefunds.push(refundId);
      }
      expect(missing).toEqual([]);
      expect(notCaptured).toEqual([]);
      expect(missingRefunds).toEqual([]);
      expect(acked.created.size).toBeGreaterThan(300);
      expect(acked.refunds.size).toBeGreaterThan(100);

      // The restarted sandbox still works normally on the recovered file.
      const more = await post(r, '/v1/payments', { amount: 500, currency: 'usd', merchant_order_id: 'after-crash', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034 } } });
      expect(more.status).toBe(201);
    } finally {
      await kill(r);
    }
  });
});
