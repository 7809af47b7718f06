/**
 * `paycli listen` against a real sandbox and a real local receiver: the forwarded notification verifies
 * with `standardwebhooks` using the printed secret, the filter and headers apply, the sandbox restarting is
 * survived, and a silent connection is noticed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { FakeClock } from '../../src/clock.js';
import { runEventsResend } from '../../src/commands/events.js';
import { runListen } from '../../src/commands/listen.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { paymentBody, startReceiver, startTestSandbox, type Api, type Receiver } from '../helpers/sandbox.js';
import { captureOutput, stopSwitch, tempDir, writeRuntimeFile, type Captured } from './helpers.js';

let io: Captured;
let dir: string;
const cleanup: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
});
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

async function sandboxAndReceiver(status = 200): Promise<{ api: Api; receiver: Receiver }> {
  const api = await startTestSandbox();
  const receiver = await startReceiver(() => ({ status }));
  cleanup.push(() => api.close(), () => receiver.close());
  return { api, receiver };
}

/** Starts `listen` and returns once it printed that it is ready. */
async function startListen(opts: Parameters<typeof runListen>[0], extra: Partial<Parameters<typeof runListen>[1]> = {}) {
  const stop = stopSwitch();
  const done = runListen(opts, { cwd: dir, env: {}, stop: stop.promise, ...extra });
  cleanup.push(async () => {
    stop.stop();
    await done.catch(() => undefined);
  });
  await vi.waitFor(() => expect(io.out()).toMatch(opts.json ? /"type":"ready"/ : /Ready!/), { timeout: 5000 });
  return { stop, done };
}

describe('paycli listen', () => {
  it('forwards each event signed with the printed secret; the receiver verifies it with standardwebhooks', async () => {
    const { api, receiver } = await sandboxAndReceiver();
    writeRuntimeFile(dir, api.sandbox);
    const { stop, done } = await startListen({ forwardTo: receiver.url });
    const secret = /signing secret is (whsec_\S+)/.exec(io.out())![1]!;
    expect(secret).toBe(api.sandbox.merchant.webhook_secret);

    const created = await api.call('POST', '/v1/payments', paymentBody());
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(2));
    const events = (await api.call('GET', `/v1/events?payment_id=${created.body.id}`)).body.data.reverse();
    for (const [i, req] of receiver.requests.entries()) {
      const payload = new Webhook(secret).verify(req.body, req.headers as Record<string, string>) as { id: string; type: string; data: { object: { id: string } } };
      expect(payload.id).toBe(events[i].id);
      expect(req.headers['webhook-id']).toBe(events[i].id);
      expect(payload.data.object.id).toBe(created.body.id);
    }
    expect(receiver.requests.map((r) => JSON.parse(r.body).type).sort()).toEqual(['payment.created', 'payment.succeeded']);
    await vi.waitFor(() => expect(io.out()).toMatch(new RegExp(`\\d\\d:\\d\\d:\\d\\d\\s+payment\\.succeeded\\s+${events[1].id}\\s+200\\s+\\d+ ms`)));

    stop.stop();
    expect(await done).toBe(0);
    expect(io.out()).toContain('Stopped listening.');
  });

  it('forwards an event resent while it runs again, with the same id; `events resend` counts it as a destination', async () => {
    const { api, receiver } = await sandboxAndReceiver();
    writeRuntimeFile(dir, api.sandbox);
    await startListen({ forwardTo: receiver.url });
    const created = await api.call('POST', '/v1/payments', paymentBody());
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(2));
    const succeeded = (await api.call('GET', `/v1/events?payment_id=${created.body.id}&type=payment.succeeded`)).body.data[0];
    const first = receiver.requests.find((r) => r.headers['webhook-id'] === succeeded.id)!;

    // The payment has no notify_url: listen is the only destination, and the resend says so.
    expect(await runEventsResend(succeeded.id, {}, { cwd: dir, env: {} })).toBe(0);
    expect(io.out()).toContain('1 paycli listen session(s)');
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(3));
    const again = receiver.requests[2]!;
    expect(again.headers['webhook-id']).toBe(succeeded.id);
    expect(JSON.parse(again.body)).toEqual(JSON.parse(first.body));
    new Webhook(api.sandbox.merchant.webhook_secret).verify(again.body, again.headers as Record<string, string>);
    await vi.waitFor(() => expect(io.out()).toMatch(new RegExp(`payment\\.succeeded\\s+${succeeded.id}\\s+200\\s+\\d+ ms \\(resent\\)`)));

    // Resent to one named URL (--to): listen is not a destination then. A sentinel event proves the order.
    const other = await startReceiver();
    cleanup.push(() => other.close());
    const res = await api.call('POST', `/_sandbox/events/${succeeded.id}/resend`, { url: other.url, retry: false });
    expect(res.body).toMatchObject({ deliveries: 1, listeners: 0 });
    await api.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'wallet', wallet: 'paypal' } }));
    await vi.waitFor(() => expect(receiver.requests.map((r) => JSON.parse(r.body).type)).toContain('payment.pending'));
    expect(receiver.requests.filter((r) => r.headers['webhook-id'] === succeeded.id)).toHaveLength(2);
  });

  it('an app answering 404 at / (a bare port): says which path was tried and how to set it, once', async () => {
    const api = await startTestSandbox();
    const app = await startReceiver((req) => ({ status: req.path === '/webhooks' ? 200 : 404 }));
    cleanup.push(() => api.close(), () => app.close());
    writeRuntimeFile(dir, api.sandbox);
    const port = new URL(app.url).port;
    await startListen({ forwardTo: port });
    await api.call('POST', '/v1/payments', paymentBody());
    await vi.waitFor(() => expect(io.out()).toMatch(/payment\.succeeded\s+evt_\w+\s+404/));
    const hint = `Your app answered 404 to POST / (http://127.0.0.1:${port}/): no route there. Give the path it receives notifications on, e.g. --forward-to http://127.0.0.1:${port}/webhooks`;
    expect(io.out()).toContain(hint);
    expect(io.out().split(hint)).toHaveLength(2);

    // events resend --to names its own flag.
    const evt = (await api.call('GET', '/v1/events?limit=1')).body.data[0];
    io.stdout.length = 0;
    expect(await runEventsResend(evt.id, { to: port }, { cwd: dir, env: {} })).toBe(1);
    expect(io.out()).toContain(`e.g. --to http://127.0.0.1:${port}/webhooks`);
  });

  it('--events filters with wildcards, --headers adds headers, --json prints one line per delivery', async () => {
    const { api, receiver } = await sandboxAndReceiver(500);
    const { stop, done } = await startListen({
      forwardTo: receiver.url,
      events: 'payment.failed,refund.*',
      headers: 'X-Env: dev,Authorization: Bearer a,b',
      json: true,
      sandboxUrl: api.sandbox.url,
      apiKey: api.sandbox.merchant.secret_key,
    });
    await api.call('POST', '/v1/payments', paymentBody()); // created + succeeded: filtered out
    const ok = await api.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'card', card: { number: '4000000000005126', exp_month: 12, exp_year: 2034 } } }));
    await api.call('POST', '/v1/refunds', { payment_id: ok.body.id }); // refund.failed: forwarded
    await api.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'card', card: { number: '4000000000000002', exp_month: 12, exp_year: 2034 } } }));
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(2));
    // payment.failed is the last event raised: once it arrived, listen has seen (and filtered) every earlier
    // one, and stopping waits for the deliveries under way, so nothing filtered out can still arrive.
    stop.stop();
    expect(await done).toBe(0);
    expect(receiver.requests.map((r) => JSON.parse(r.body).type)).toEqual(['refund.failed', 'payment.failed']);
    expect(receiver.requests[0]!.headers['x-env']).toBe('dev');
    expect(receiver.requests[0]!.headers.authorization).toBe('Bearer a,b');

    await vi.waitFor(() => expect(io.json().filter((l) => l.type === 'delivery')).toHaveLength(2));
    const lines = io.json();
    expect(lines[0]).toMatchObject({ type: 'ready', webhook_secret: api.sandbox.merchant.webhook_secret, forward_to: receiver.url });
    expect(lines.filter((l) => l.type === 'delivery').map((l) => [l.event_type, l.status, l.acknowledged])).toEqual([
      ['refund.failed', 500, false],
      ['payment.failed', 500, false],
    ]);
  });

  it('reports an app that is down as an error line, and keeps going', async () => {
    const { api } = await sandboxAndReceiver();
    writeRuntimeFile(dir, api.sandbox);
    const gone = await startReceiver();
    await gone.close();
    await startListen({ forwardTo: String(new URL(gone.url).port), json: true });
    await api.call('POST', '/v1/payments', paymentBody());
    await vi.waitFor(() => expect(io.json().filter((l) => l.type === 'delivery')).toHaveLength(2));
    const d = io.json().find((l) => l.type === 'delivery');
    expect(d).toMatchObject({ status: null, acknowledged: false, url: `http://127.0.0.1:${new URL(gone.url).port}/` });
    expect(d.error).toMatch(/ECONNREFUSED/);
  });

  it('--print-secret prints only the secret', async () => {
    const { api } = await sandboxAndReceiver();
    writeRuntimeFile(dir, api.sandbox);
    expect(await runListen({ printSecret: true }, { cwd: dir, env: {} })).toBe(0);
    expect(io.out()).toBe(`${api.sandbox.merchant.webhook_secret}\n`);
  });

  it('is registered in the CLI: --print-secret through main()', async () => {
    const { api } = await sandboxAndReceiver();
    const code = await main(['node', 'paycli', 'listen', '--print-secret', '--sandbox-url', api.sandbox.url, '--api-key', api.sandbox.merchant.secret_key]);
    expect(code).toBe(0);
    expect(io.out()).toBe(`${api.sandbox.merchant.webhook_secret}\n`);
  });

  it('fails fast with a hint when no sandbox runs, and asks for --forward-to', async () => {
    await expect(runListen({ forwardTo: '3000', sandboxUrl: 'http://127.0.0.1:9', apiKey: 'sk_test_x' }, { cwd: dir, env: {} })).rejects.toMatchObject({
      code: 'sandbox_unreachable',
    });
    await expect(runListen({}, { cwd: dir, env: {} })).rejects.toMatchObject({ code: 'invalid_usage' });
    await expect(runListen({ forwardTo: 'ftp://x' }, { cwd: dir, env: {} })).rejects.toMatchObject({ code: 'invalid_usage' });
    await expect(runListen({ forwardTo: '3000', events: 'payment.nope' }, { cwd: dir, env: {} })).rejects.toMatchObject({ code: 'invalid_usage' });
  });

  it('reconnects when the sandbox restarts on the same port, says so, and forwards what happened meanwhile', async () => {
    const dataFile = path.join(dir, 'sandbox.json');
    let sandbox: Sandbox = await startSandbox({ port: 0, dataFile });
    cleanup.push(() => sandbox.close());
    const receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    writeRuntimeFile(dir, sandbox);
    const secret0 = sandbox.merchant.webhook_secret;
    // listen's reconnection waits on a fake clock (started at the real time, so signatures stay fresh): the
    // sandbox is back and has a new payment before listen tries again, so the catch-up is what delivers it.
    const clock = new FakeClock(Date.now());
    await startListen({ forwardTo: receiver.url }, { backoffMs: [1000], clock });

    await sandbox.close();
    await vi.waitFor(() => expect(io.out()).toMatch(/Lost the sandbox at .*Reconnecting/), { timeout: 5000 });
    sandbox = await startSandbox({ port: sandbox.port, dataFile });
    expect(sandbox.merchant.webhook_secret).toBe(secret0);
    const key = sandbox.merchant.secret_key;
    const res = await fetch(`${sandbox.url}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(paymentBody()),
    });
    expect(res.status).toBe(201);
    expect(receiver.requests).toHaveLength(0);
    await clock.advance(1000);
    await vi.waitFor(() => expect(io.out()).toMatch(/Reconnected to the sandbox/), { timeout: 5000 });
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(2), { timeout: 5000 });
    for (const req of receiver.requests) new Webhook(secret0).verify(req.body, req.headers as Record<string, string>);
    expect(io.out()).not.toMatch(/secret changed/);
  });

  it('follows a sandbox restarted in memory with new keys: keeps its address meanwhile, finds the new key, says the secret changed', async () => {
    let sandbox: Sandbox = await startSandbox({ port: 0, inMemory: true });
    cleanup.push(() => sandbox.close());
    const receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    writeRuntimeFile(dir, sandbox);
    await startListen({ forwardTo: receiver.url, json: true }, { backoffMs: [20] });

    // What `sandbox start` does on exit and on the next start: the runtime file goes, then comes back.
    await sandbox.close();
    await fs.rm(path.join(dir, '.paycli'), { recursive: true });
    await vi.waitFor(() => expect(io.json().filter((l) => l.type === 'disconnected').length).toBeGreaterThan(2), { timeout: 5000 });
    expect(io.json().filter((l) => l.type === 'disconnected').every((l) => l.sandbox_url === sandbox.url)).toBe(true);

    sandbox = await startSandbox({ port: sandbox.port, inMemory: true });
    writeRuntimeFile(dir, sandbox);
    await vi.waitFor(() => expect(io.json().find((l) => l.type === 'reconnected')).toMatchObject({ secret_changed: true, webhook_secret: sandbox.merchant.webhook_secret }), {
      timeout: 5000,
    });
    await fetch(`${sandbox.url}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.merchant.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify(paymentBody()),
    });
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(2), { timeout: 5000 });
    for (const req of receiver.requests) new Webhook(sandbox.merchant.webhook_secret).verify(req.body, req.headers as Record<string, string>);
  });

  it('notices a connection that went silent (no heartbeat) and reconnects', async () => {
    // A fake sandbox that sends `ready` and then nothing, not even heartbeats.
    let connections = 0;
    const server = createServer((req, res) => {
      connections++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: ready\ndata: ${JSON.stringify({ instance: 'i', version: '0', merchant_id: 'mch_1', webhook_secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', heartbeat_ms: 60, activity_seq: 0 })}\n\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await startListen({ forwardTo: '3000', sandboxUrl: url, apiKey: 'sk_test_x', json: true }, { heartbeatMs: 60, backoffMs: [20] });
    await vi.waitFor(() => expect(io.json().some((l) => l.type === 'disconnected' && /no heartbeat/.test(l.reason))).toBe(true), { timeout: 5000 });
    await vi.waitFor(() => expect(io.json().some((l) => l.type === 'reconnected')).toBe(true), { timeout: 5000 });
    expect(connections).toBeGreaterThanOrEqual(2);
  });
});
