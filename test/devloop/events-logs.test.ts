/**
 * `paycli events list|show|resend` and `paycli logs tail` against a real sandbox and a real receiver.
 */
import { promises as fs } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { runEventsCancelRetries, runEventsList, runEventsResend, runEventsShow } from '../../src/commands/events.js';
import { freePort } from '../webhooks/fixtures.js';
import { runLogsTail } from '../../src/commands/logs.js';
import { paymentBody, startReceiver, startTestSandbox, type Api, type Receiver } from '../helpers/sandbox.js';
import { captureOutput, stopSwitch, tempDir, writeRuntimeFile, type Captured } from './helpers.js';

let io: Captured;
let dir: string;
let api: Api;
let receiver: Receiver;

beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
  // Retries far off, so a failed notification's next attempt never lands inside a test.
  api = await startTestSandbox({ retryScheduleMs: [3_600_000] });
  receiver = await startReceiver((req) => ({ status: req.path.includes('fail') ? 503 : 200 }));
  writeRuntimeFile(dir, api.sandbox);
});
afterEach(async () => {
  await api.close();
  await receiver.close();
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

const deps = () => ({ cwd: dir, env: {} });
const jsonLines = () => io.json();

/** A payment notifying the receiver; waits for both notifications. */
async function paidWithNotifications(): Promise<{ paymentId: string; events: any[] }> {
  const p = await api.call('POST', '/v1/payments', paymentBody({ notify_url: receiver.url }));
  await vi.waitFor(() => expect(receiver.requests.length).toBeGreaterThanOrEqual(2));
  const events = (await api.call('GET', `/v1/events?payment_id=${p.body.id}`)).body.data;
  return { paymentId: p.body.id, events };
}

describe('paycli events', () => {
  it('list: newest first, filtered by --type (wildcards) and --payment, --json as the API list', async () => {
    const { paymentId } = await paidWithNotifications();
    const other = await api.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'wallet', wallet: 'paypal' } }));
    expect(await runEventsList({}, deps())).toBe(0);
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`evt_\\w+\\s+payment\\.pending\\s+${other.body.id}\\s+pending`));
    expect(lines[3]).toMatch(new RegExp(`payment\\.created\\s+${paymentId}`));

    io.stdout.length = 0;
    await runEventsList({ type: 'payment.succeeded', json: true }, deps());
    expect(jsonLines()[0].data.map((e: any) => e.type)).toEqual(['payment.succeeded']);
    io.stdout.length = 0;
    await runEventsList({ payment: other.body.id, limit: '1', json: true }, deps());
    expect(jsonLines()[0]).toMatchObject({ has_more: true, data: [{ type: 'payment.pending' }] });
    await expect(runEventsList({ limit: '500' }, deps())).rejects.toMatchObject({ code: 'invalid_usage' });
    await expect(runEventsList({ type: 'payment.nope' }, deps())).rejects.toMatchObject({ code: 'invalid_usage' });
  });

  it('show: the event, its object, and each delivery with its attempts', async () => {
    const { events } = await paidWithNotifications();
    const succeeded = events.find((e: any) => e.type === 'payment.succeeded');
    await vi.waitFor(async () => expect((await api.call('GET', `/_sandbox/deliveries?event_id=${succeeded.id}`)).body.data[0].attempts).toHaveLength(1));
    expect(await runEventsShow(succeeded.id, {}, deps())).toBe(0);
    const text = io.out();
    expect(text).toContain(`payment.succeeded  ${succeeded.id}`);
    expect(text).toMatch(/payment pay_\w+\s+succeeded\s+20\.00 USD/);
    expect(text).toContain('Deliveries (1)');
    expect(text).toMatch(new RegExp(`dlv_\\w+\\s+notify_url\\s+${receiver.url}\\s+succeeded`));
    expect(text).toMatch(/#1\s+\d\d:\d\d:\d\d\s+200\s+\d+ ms/);

    io.stdout.length = 0;
    await runEventsShow(succeeded.id, { json: true }, deps());
    const shown = jsonLines()[0];
    expect(shown.event.id).toBe(succeeded.id);
    expect(shown.deliveries[0]).toMatchObject({ event_id: succeeded.id, kind: 'notify_url', status: 'succeeded' });
    expect(shown.deliveries[0].secret).toBeUndefined();
    await expect(runEventsShow('evt_nope', {}, deps())).rejects.toMatchObject({ code: 'resource_missing' });
  });

  it('resend: delivers the same event id again (same webhook-id, verifiable) and shows the attempt', async () => {
    const { events } = await paidWithNotifications();
    const succeeded = events.find((e: any) => e.type === 'payment.succeeded');
    const first = receiver.requests.find((r) => r.headers['webhook-id'] === succeeded.id)!;
    const before = receiver.requests.length;

    expect(await runEventsResend(succeeded.id, {}, deps())).toBe(0);
    expect(receiver.requests).toHaveLength(before + 1);
    const again = receiver.requests.at(-1)!;
    expect(again.headers['webhook-id']).toBe(succeeded.id);
    expect(again.body).toBe(first.body);
    new Webhook(api.sandbox.merchant.webhook_secret).verify(again.body, again.headers as Record<string, string>);
    expect(io.out()).toMatch(new RegExp(`Resent ${succeeded.id}`));
    expect(io.out()).toMatch(/#1\s+\d\d:\d\d:\d\d\s+200/);

    // --to another URL (a port works too), through main().
    const other = await startReceiver();
    try {
      const port = new URL(other.url).port;
      const code = await main(['node', 'paycli', 'events', 'resend', succeeded.id, '--to', port, '--json', '--sandbox-url', api.sandbox.url, '--api-key', api.sandbox.merchant.secret_key]);
      expect(code).toBe(0);
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]!.headers['webhook-id']).toBe(succeeded.id);
      expect(other.requests[0]!.path).toBe('/');
      const result = JSON.parse(io.out().trim().split('\n').at(-1)!);
      expect(result).toMatchObject({ event_id: succeeded.id, timed_out: false, deliveries: [{ kind: 'forward', status: 'succeeded', url: `http://127.0.0.1:${port}/` }] });
    } finally {
      await other.close();
    }
  });

  it('resend --to a dead port: says it failed, exits 1, one attempt and no retries', async () => {
    const { events } = await paidWithNotifications();
    const succeeded = events.find((e: any) => e.type === 'payment.succeeded');
    const port = String(await freePort());
    expect(await runEventsResend(succeeded.id, { to: port }, deps())).toBe(1);
    expect(io.out()).toContain('✗');
    expect(io.out()).not.toContain('✓');
    expect(io.out()).toContain('--retry');
    const sent = (await api.call('GET', `/_sandbox/deliveries?event_id=${succeeded.id}`)).body.data.find((d: any) => d.url === `http://127.0.0.1:${port}/`);
    expect(sent).toMatchObject({ status: 'failed', next_attempt_at: null, retry: false });
    expect(sent.attempts).toHaveLength(1);

    io.stdout.length = 0;
    const code = await main(['node', 'paycli', 'events', 'resend', succeeded.id, '--to', port, '--json', '--sandbox-url', api.sandbox.url, '--api-key', api.sandbox.merchant.secret_key]);
    expect(code).toBe(1);
    expect(JSON.parse(io.out().trim())).toMatchObject({ acknowledged: false, timed_out: false, deliveries: [{ status: 'failed' }] });
  });

  it('resend --retry puts a failure on the schedule; cancel-retries (command and control API) stops it', async () => {
    const { events } = await paidWithNotifications();
    const succeeded = events.find((e: any) => e.type === 'payment.succeeded');
    const failing = receiver.url.replace('/webhooks', '/fail');
    expect(await runEventsResend(succeeded.id, { to: failing, retry: true }, deps())).toBe(1);
    expect(io.out()).toContain(`paycli events cancel-retries ${succeeded.id}`);
    const pending = (await api.call('GET', `/_sandbox/deliveries?event_id=${succeeded.id}&status=pending`)).body.data;
    expect(pending).toHaveLength(1);
    expect(pending[0].next_attempt_at).toBeGreaterThan(0);

    io.stdout.length = 0;
    expect(await runEventsCancelRetries(succeeded.id, {}, deps())).toBe(0);
    expect(io.out()).toContain(`Cancelled the pending retries of 1 delivery of ${succeeded.id}`);
    const after = (await api.call('GET', `/_sandbox/deliveries?event_id=${succeeded.id}&status=canceled`)).body.data;
    expect(after.map((d: any) => [d.id, d.next_attempt_at])).toEqual([[pending[0].id, null]]);
    expect((await api.call('GET', `/_sandbox/deliveries?event_id=${succeeded.id}&status=pending`)).body.data).toEqual([]);

    // The control API: nothing left to cancel; an unknown event is a 404.
    const again = await api.call('POST', `/_sandbox/events/${succeeded.id}/cancel_retries`);
    expect(again).toMatchObject({ status: 200, body: { ok: true, event_id: succeeded.id, canceled: [] } });
    expect((await api.call('POST', '/_sandbox/events/evt_nope/cancel_retries')).status).toBe(404);
  });

  it('resend on a virtual clock: queued at once (exit 0, no 15 s wait), sent when the clock is advanced', async () => {
    const virtual = await startTestSandbox({ virtualClock: true });
    try {
      writeRuntimeFile(dir, virtual.sandbox);
      const p = await virtual.call('POST', '/v1/payments', paymentBody({ notify_url: receiver.url }));
      const evt = (await virtual.call('GET', `/v1/events?payment_id=${p.body.id}&type=payment.succeeded`)).body.data[0];
      // A clock that fails the test if the command waits on it: the resend must not poll until a deadline.
      const clock = { now: () => 0, setTimer: () => ({ id: 0 }), clearTimer: () => {} };
      const unsent = async () => (await virtual.call('GET', `/_sandbox/deliveries?event_id=${evt.id}`)).body.data.filter((d: any) => d.attempts.length === 0).length;
      // The original notification waits for the clock too.
      const waiting = await unsent();
      let reads = 0;
      clock.now = () => {
        if (++reads > 3) throw new Error('the resend waited on a virtual clock');
        return 0;
      };
      expect(await runEventsResend(evt.id, {}, { ...deps(), clock })).toBe(0);
      expect(io.out()).toContain(`Queued ${evt.id}`);
      expect(io.out()).toContain('virtual clock');
      expect(await unsent()).toBe(waiting + 1);

      const before = receiver.requests.length;
      expect((await virtual.call('POST', '/_sandbox/clock/advance', { ms: 0 })).status).toBe(200);
      await vi.waitFor(() => expect(receiver.requests.length).toBeGreaterThan(before));
      expect(receiver.requests.at(-1)!.headers['webhook-id']).toBe(evt.id);
    } finally {
      await virtual.close();
    }
  });

  it('resend: an event with nowhere to go says to pass --to', async () => {
    await api.call('POST', '/v1/payments', paymentBody());
    const evt = (await api.call('GET', '/v1/events?limit=1')).body.data[0];
    await expect(runEventsResend(evt.id, {}, deps())).rejects.toMatchObject({ code: 'invalid_state', hint: expect.stringContaining('--to') });
  });
});

describe('paycli logs tail', () => {
  it('--no-follow --json: the requests and deliveries logged so far, one JSON line each', async () => {
    await paidWithNotifications();
    await api.call('POST', '/v1/payments', paymentBody({ notify_url: `${receiver.url}/fail` }));
    await api.call('GET', '/v1/payments/pay_missing');
    await vi.waitFor(() => expect(receiver.requests.length).toBeGreaterThanOrEqual(4));
    await vi.waitFor(() => expect(api.sandbox.activity.since(0).filter((e) => e.kind === 'delivery')).toHaveLength(4));

    expect(await runLogsTail({ follow: false, json: true }, deps())).toBe(0);
    const all = jsonLines();
    expect(all.filter((e) => e.kind === 'request').map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'POST /v1/payments 201',
      'GET /v1/events 200',
      'POST /v1/payments 201',
      'GET /v1/payments/pay_missing 404',
    ]);
    const deliveries = all.filter((e) => e.kind === 'delivery');
    expect(deliveries).toHaveLength(4);
    expect(deliveries.every((d) => d.destination === 'notify_url' && d.event_id.startsWith('evt_'))).toBe(true);

    io.stdout.length = 0;
    await runLogsTail({ follow: false, json: true, type: 'delivery', status: '5xx' }, deps());
    expect(jsonLines().map((e) => [e.kind, e.status])).toEqual([
      ['delivery', 503],
      ['delivery', 503],
    ]);
    io.stdout.length = 0;
    await runLogsTail({ follow: false, json: true, path: '/v1/payments/', status: '404' }, deps());
    expect(jsonLines().map((e) => e.path)).toEqual(['/v1/payments/pay_missing']);
    await expect(runLogsTail({ follow: false, status: 'bad' }, deps())).rejects.toMatchObject({ code: 'invalid_usage' });
  });

  it('human lines, and --limit keeps the newest', async () => {
    await api.call('GET', '/v1/payments/pay_1');
    await api.call('GET', '/v1/payments/pay_2');
    const code = await main(['node', 'paycli', 'logs', 'tail', '--no-follow', '--limit', '1', '--sandbox-url', api.sandbox.url, '--api-key', api.sandbox.merchant.secret_key]);
    expect(code).toBe(0);
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3}\s+→ GET\s+\/v1\/payments\/pay_2\s+404 resource_missing\s+[\d.]+ ms$/);
  });

  it('follows: new requests and deliveries appear as they happen, filters apply', async () => {
    await api.call('GET', '/v1/payments/before');
    const stop = stopSwitch();
    const done = runLogsTail({ json: true, type: 'delivery' }, { ...deps(), stop: stop.promise });
    await vi.waitFor(() => expect(jsonLines().some((l) => l.type === 'following')).toBe(true));
    await api.call('POST', '/v1/payments', paymentBody({ notify_url: receiver.url }));
    await vi.waitFor(() => expect(jsonLines().filter((l) => l.kind === 'delivery')).toHaveLength(2));
    expect(jsonLines().some((l) => l.kind === 'request')).toBe(false);
    stop.stop();
    expect(await done).toBe(0);
  });
});
