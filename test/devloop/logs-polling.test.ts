/**
 * The request log holds the API's traffic, not paycli's own looking at it: `logs tail` and `events resend`
 * polling do not show up; `GET /_sandbox/requests?limit=n` gives the newest n entries (oldest first).
 */
import { promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runEventsResend } from '../../src/commands/events.js';
import { runLogsTail } from '../../src/commands/logs.js';
import { paymentBody, startReceiver, startTestSandbox, type Api, type Receiver } from '../helpers/sandbox.js';
import { captureOutput, tempDir, writeRuntimeFile, type Captured } from './helpers.js';

let io: Captured;
let dir: string;
let api: Api;
let receiver: Receiver;

beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
  api = await startTestSandbox();
  receiver = await startReceiver();
  writeRuntimeFile(dir, api.sandbox);
});
afterEach(async () => {
  await api.close();
  await receiver.close();
  vi.restoreAllMocks();
  await fs.rm(dir, { recursive: true, force: true });
});

const requestPaths = async () => (await api.call('GET', '/_sandbox/requests')).body.data.filter((e: any) => e.kind === 'request').map((e: any) => `${e.method} ${e.path}`);

describe('the request log', () => {
  it('?limit=n gives the newest n entries, oldest first; a bad limit is a 400 naming it', async () => {
    for (let i = 1; i <= 3; i++) await api.call('GET', `/v1/payments/pay_${i}`);
    const res = await api.call('GET', '/_sandbox/requests?limit=2');
    expect(res.body.data.map((e: any) => e.path)).toEqual(['/v1/payments/pay_2', '/v1/payments/pay_3']);
    const bad = await api.call('GET', '/_sandbox/requests?limit=0');
    expect(bad).toMatchObject({ status: 400, body: { error: { param: 'limit' } } });
  });

  it("logs tail and events resend polling are not logged; the API's requests and the buyer's page are", async () => {
    const p = (await api.call('POST', '/v1/payments', paymentBody({ notify_url: receiver.url }))).body;
    await vi.waitFor(() => expect(receiver.requests.length).toBe(2));
    await api.call('GET', `/_sandbox/buyer/${p.id}`, undefined, { key: null });
    await runLogsTail({ follow: false }, { cwd: dir, env: {} });
    await runLogsTail({ follow: false, json: true }, { cwd: dir, env: {} });
    const evt = (await api.call('GET', `/v1/events?payment_id=${p.id}&limit=1`)).body.data[0];
    expect(await runEventsResend(evt.id, {}, { cwd: dir, env: {} })).toBe(0);

    const paths = await requestPaths();
    expect(paths).toContain('POST /v1/payments');
    expect(paths).toContain(`GET /_sandbox/buyer/${p.id}`);
    expect(paths).toContain(`POST /_sandbox/events/${evt.id}/resend`);
    expect(paths.filter((x: string) => /^GET \/_sandbox\/(requests|deliveries|health|stream)/.test(x))).toEqual([]);
    expect(io.out()).not.toMatch(/GET\s+\/_sandbox\/requests/);
  });
});
