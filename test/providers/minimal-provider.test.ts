/**
 * The provider seam, end to end, with a test-only provider that is a folder (./minimal) and one line in a
 * copy of the registry: its own port beside the main one, one store, credentials minted once and kept,
 * key files 0600, its own body parsing and error shape, notifications in its own protocol signed with its
 * credentials at send time, and the simulated buyer acting on its payments by any identifier.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeClock } from '../../src/clock.js';
import { loadProviders, PROVIDER_NAMES } from '../../src/providers/registry.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.js';
import { closedAfterEach, waitFor, type ReceivedRequest } from '../helpers/sandbox.js';
import { minimalProvider, type MinimalCredentials } from './minimal/index.js';

// The one registry line that adds the provider (here to a copy of the table, as it is for tests only).
const registry = { ...(await loadProviders()), minimal: minimalProvider };
const use = closedAfterEach();
const opened: Sandbox[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (opened.length) await opened.pop()!.close();
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ port: 0, inMemory: true, virtualClock: true, providers: ['minimal'], registry, ...options });
  opened.push(s);
  return s;
}

const credsOf = (s: Sandbox) => s.providers.minimal!.credentials as MinimalCredentials;

async function form(s: Sandbox, path: string, fields: Record<string, string>, key = credsOf(s).api_key) {
  const res = await fetch(s.providers.minimal!.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': key },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) as Record<string, unknown> };
}

function verify(req: ReceivedRequest, secret: string): URLSearchParams {
  const mac = createHmac('sha256', secret).update(req.body).digest('hex');
  expect(req.headers['x-minimal-signature']).toBe(mac);
  return new URLSearchParams(req.body);
}

describe('a provider is a folder and one registry line', () => {
  it('serves it at the root of its own port, with its credentials, key files and description', async () => {
    const s = await start();
    const p = s.providers.minimal!;
    expect(p.port).not.toBe(s.port);
    expect(p.url).toBe(`http://127.0.0.1:${p.port}`);
    expect(p.credentials).toEqual({ api_key: expect.stringMatching(/^mk_[0-9a-f]{24}$/), notify_secret: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const file = p.files['notify-secret.txt']!;
    expect(await readFile(file, 'utf8')).toBe(credsOf(s).notify_secret);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(p.description).toEqual({ url: p.url, api_key: credsOf(s).api_key, notify_secret_file: file });
    // The native provider is served too, on the main port, with its keys.
    expect(s.providers.paycli).toMatchObject({ url: s.url, port: s.port, description: { url: s.url, secret_key: s.merchant.secret_key } });
    expect(Object.keys(s.providers)).toEqual(['paycli', 'minimal']);
  });

  it('takes its own wire format and renders errors its own way, also outside its routes', async () => {
    const s = await start();
    const created = await form(s, '/orders', { order_no: 'A-1', amount: '1500', currency: 'cny' });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ order_no: 'A-1', status: 'PENDING', amount: 1500 });

    const missing = await form(s, '/orders', { amount: '1500', currency: 'cny' });
    expect(missing.status).toBe(400);
    expect(missing.text).toBe('ERR parameter_missing: Missing field: order_no');
    const badKey = await form(s, '/orders', { order_no: 'A-2', amount: '1', currency: 'cny' }, 'mk_wrong');
    expect([badKey.status, badKey.headers.get('x-minimal-error')]).toEqual([401, 'invalid_api_key']);
    const nowhere = await fetch(`${s.providers.minimal!.url}/v1/payments`, { headers: { 'x-api-key': credsOf(s).api_key } });
    expect([nowhere.status, await nowhere.text()]).toEqual([404, 'ERR route_not_found: Unrecognized request: GET /v1/payments']);

    // The payment is in the one store, recorded as the provider's, and not in the native API's lists.
    const [payment] = s.store.list<{ id: string; provider: string; merchant_order_id: string }>('payments');
    expect(payment).toMatchObject({ provider: 'minimal', merchant_order_id: 'A-1' });
    const native = await fetch(`${s.url}/v1/payments`, { headers: { authorization: `Bearer ${s.merchant.secret_key}` } });
    expect(((await native.json()) as { data: unknown[] }).data).toEqual([]);
  });

  it('merchant order numbers are unique per provider: the native API may reuse one', async () => {
    const s = await start();
    expect((await form(s, '/orders', { order_no: 'SAME', amount: '100', currency: 'usd' })).status).toBe(201);
    expect((await form(s, '/orders', { order_no: 'SAME', amount: '100', currency: 'usd' })).status).toBe(409);
    const res = await fetch(`${s.url}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.merchant.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 100, currency: 'usd', merchant_order_id: 'SAME', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034 } } }),
    });
    expect(res.status).toBe(201);
  });

  it.each([
    ['its own order id', (order: Record<string, unknown>) => String(order.order)],
    ['the merchant order number', () => 'B-1'],
  ])('the buyer completes its payment by %s; it notifies in its own protocol, acknowledged by OK', async (_what, refOf) => {
    const s = await start();
    const app = await use.receiver(() => ({ status: 200, body: 'OK' }));
    const order = (await form(s, '/orders', { order_no: 'B-1', amount: '990', currency: 'cny', notify_url: app.url })).json();
    const done = await fetch(`${s.url}/_sandbox/buyer/${encodeURIComponent(refOf(order))}/complete`, { method: 'POST' });
    expect(done.status).toBe(200);
    await (s.clock as FakeClock).advance(0);
    await s.dispatcher.whenIdle();
    await waitFor(() => app.requests.length === 1);
    const body = verify(app.requests[0]!, credsOf(s).notify_secret);
    expect(Object.fromEntries(body)).toMatchObject({ type: 'ORDER_PAID', order_no: 'B-1', amount: '990' });
    const [delivery] = s.store.list<{ id: string } & Record<string, unknown>>('deliveries');
    expect(delivery).toMatchObject({ provider: 'minimal', notification_id: body.get('id'), event_type: 'ORDER_PAID', status: 'succeeded' });
    // No secret is copied into the delivery.
    expect(JSON.stringify(delivery)).not.toContain(credsOf(s).notify_secret);
    const shown = await fetch(`${s.providers.minimal!.url}/orders/${String(order.order)}`, { headers: { 'x-api-key': credsOf(s).api_key } });
    expect(await shown.json()).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('a payment code decides at once; a refund can be pending and settle later on the clock', async () => {
    const s = await start();
    const app = await use.receiver(() => ({ status: 200, body: 'OK' }));
    const declined = (await form(s, '/orders', { order_no: 'C-0', amount: '500', currency: 'cny', payment_code: '284712345678909995', notify_url: app.url })).json();
    expect(declined).toMatchObject({ status: 'FAILED', failure: 'insufficient_funds' });
    const paid = (await form(s, '/orders', { order_no: 'C-1', amount: '500', currency: 'cny', payment_code: '284712345678901234', notify_url: app.url })).json();
    expect(paid).toMatchObject({ status: 'SUCCEEDED' });

    const refund = await form(s, `/orders/${String(paid.order)}/refund`, { later: '5000' });
    expect(refund.json()).toMatchObject({ status: 'PENDING' });
    await (s.clock as FakeClock).advance(0);
    await s.dispatcher.whenIdle();
    expect(app.requests.map((r) => new URLSearchParams(r.body).get('type'))).toEqual(['ORDER_FAILED', 'ORDER_PAID']);
    // Refunds settle on a whole second (domain times are Unix seconds): 5 s from now is at most 6 s away.
    await (s.clock as FakeClock).advance(4_000);
    expect(s.store.list<{ id: string; status: string }>('refunds').map((r) => r.status)).toEqual(['pending']);
    await (s.clock as FakeClock).advance(2_000);
    await (s.clock as FakeClock).advance(0);
    await s.dispatcher.whenIdle();
    await waitFor(() => app.requests.length === 3);
    expect(Object.fromEntries(verify(app.requests[2]!, credsOf(s).notify_secret))).toMatchObject({ type: 'REFUND_DONE', order_no: 'C-1', amount: '500' });
    expect(s.store.list<{ id: string; status: string }>('refunds').map((r) => r.status)).toEqual(['succeeded']);
  });

  it('mints credentials once per merchant and keeps them across restarts of a data file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paycli-provider-'));
    dirs.push(dir);
    const dataFile = join(dir, 'data.json');
    const first = await start({ inMemory: false, dataFile });
    const creds = credsOf(first);
    const file = first.providers.minimal!.files['notify-secret.txt']!;
    expect(file).toBe(join(dir, 'minimal', 'notify-secret.txt'));
    await form(first, '/orders', { order_no: 'D-1', amount: '100', currency: 'usd' });
    await first.close();
    opened.pop();
    const second = await start({ inMemory: false, dataFile });
    expect(credsOf(second)).toEqual(creds);
    const order = second.store.list<{ id: string; order_no: string }>('minimal_orders');
    expect(order.map((o) => o.order_no)).toEqual(['D-1']);
    // Without the provider the data file still opens, and keeps its documents.
    await second.close();
    opened.pop();
    const nativeOnly = await start({ inMemory: false, dataFile, providers: [] });
    expect(Object.keys(nativeOnly.providers)).toEqual(['paycli']);
    expect(nativeOnly.store.count('minimal_orders')).toBe(1);
  });

  it('an unknown provider name is a usage error naming the registered ones', async () => {
    // Every registered provider, in table order, then the test's own.
    const names = [...PROVIDER_NAMES, 'minimal'].join(', ');
    expect(names).toMatch(/^paycli, .*minimal$/);
    await expect(start({ providers: ['nope'] })).rejects.toMatchObject({ code: 'invalid_usage', hint: `Registered providers: ${names}.` });
  });
});
