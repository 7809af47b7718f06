/**
 * The dev-loop commands as a user runs them: `node bin/paycli.js …` in a child process (dist/ is built by
 * the global setup), found through the runtime file in the directory. These catch what in-process tests
 * cannot, such as a command whose process exits while it waits on an unref'd timer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { paymentBody, startReceiver, type Receiver } from '../helpers/sandbox.js';
import { tempDir, writeRuntimeFile } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'paycli.js');
const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

interface Child {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
}

function run(args: string[], cwd: string): Child {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', PAYCLI_SANDBOX_URL: '', PAYCLI_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanup.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { process: child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function setup(): Promise<{ dir: string; dataFile: string; sandbox: Sandbox; receiver: Receiver }> {
  const dir = await tempDir('paycli-devloop-bin-');
  const dataFile = path.join(dir, 'sandbox.json');
  const sandbox = await startSandbox({ port: 0, dataFile });
  const receiver = await startReceiver();
  writeRuntimeFile(dir, sandbox);
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }), () => receiver.close());
  return { dir, dataFile, sandbox, receiver };
}

async function pay(sandbox: Sandbox): Promise<void> {
  const res = await fetch(`${sandbox.url}/v1/payments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
    body: JSON.stringify(paymentBody()),
  });
  expect(res.status).toBe(201);
}

describe('dev-loop commands through bin/paycli.js', () => {
  it('listen survives a sandbox restart (it stays up while reconnecting), forwards verifiable events, stops on SIGINT', async () => {
    const s = await setup();
    const { dir, dataFile, receiver } = s;
    let sandbox = s.sandbox;
    cleanup.push(() => sandbox.close());

    const listen = run(['listen', '--forward-to', new URL(receiver.url).port], dir);
    // `Ready!` and the secret are two writes, which may reach the pipe as two chunks: wait for both.
    await vi.waitFor(() => expect(listen.stdout()).toMatch(/Ready![\s\S]*signing secret is whsec_\S+\n/), { timeout: 10_000 });
    const secret = /signing secret is (whsec_\S+)/.exec(listen.stdout())![1]!;
    await pay(sandbox);
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(2), { timeout: 5000 });

    await sandbox.close();
    await vi.waitFor(() => expect(listen.stdout()).toContain('Lost the sandbox'), { timeout: 5000 });
    // While the sandbox is down, a stand-in on its port refuses the event stream and counts listen's
    // reconnection attempts: each one after the first comes after a backoff wait, so the third proves the
    // process lived through several waits (an unref'd backoff timer would have let it exit).
    let attempts = 0;
    const standIn = createServer((req, res) => {
      if (req.url?.startsWith('/_sandbox/stream')) attempts++;
      res.writeHead(503, { 'content-type': 'application/json', connection: 'close' }).end('{"error":{"message":"restarting"}}');
    });
    await new Promise<void>((r) => standIn.listen(sandbox.port, '127.0.0.1', r));
    try {
      await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
    } finally {
      await new Promise<void>((r) => (standIn.close(() => r()), standIn.closeAllConnections()));
    }
    expect(listen.process.exitCode).toBeNull();

    sandbox = await startSandbox({ port: sandbox.port, dataFile });
    await vi.waitFor(() => expect(listen.stdout()).toContain('Reconnected to the sandbox'), { timeout: 10_000 });
    await pay(sandbox);
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(4), { timeout: 5000 });
    for (const req of receiver.requests) new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
    expect(listen.stdout()).toMatch(/\d\d:\d\d:\d\d\s+payment\.succeeded\s+evt_\w+\s+200\s+\d+ ms/);

    listen.process.kill('SIGINT');
    expect(await listen.exit).toBe(0);
    expect(listen.stdout()).toContain('Stopped listening.');
  });

  it('events resend waits for a slow app and prints its answer; trigger and logs tail run from the directory', async () => {
    const { dir, sandbox } = await setup();
    cleanup.push(() => sandbox.close());
    // A receiver that takes 400 ms to answer: resend must wait for it, not exit.
    const server = createServer((req, res) => {
      req.resume();
      setTimeout(() => res.end('ok'), 400);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())));
    const port = (server.address() as { port: number }).port;

    const trigger = run(['trigger', 'payment.succeeded', '--json'], dir);
    expect(await trigger.exit).toBe(0);
    const eventId = JSON.parse(trigger.stdout()).events[1].id;

    const resend = run(['events', 'resend', eventId, '--to', String(port)], dir);
    expect(await resend.exit).toBe(0);
    expect(resend.stdout()).toContain(`Resent ${eventId}`);
    expect(resend.stdout()).toMatch(/#1\s+\d\d:\d\d:\d\d\s+200\s+\d+ ms/);

    const logs = run(['logs', 'tail', '--no-follow', '--json', '--type', 'delivery'], dir);
    expect(await logs.exit).toBe(0);
    const lines = logs.stdout().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ kind: 'delivery', event_id: eventId, status: 200, url: `http://127.0.0.1:${port}/` })]);
  });

  it('sandbox status with none running exits non-zero with a hint', async () => {
    const dir = await tempDir('paycli-devloop-bin-');
    cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
    const status = run(['sandbox', 'status', '--sandbox-url', 'http://127.0.0.1:9'], dir);
    expect(await status.exit).toBe(1);
    expect(status.stderr()).toContain('No sandbox is running at http://127.0.0.1:9.');
    expect(status.stderr()).toContain('hint: Start one with `paycli sandbox start`');
  });
});
