/**
 * `paycli trigger` against a real sandbox: every fixture creates real objects and raises exactly the
 * events it declares (read back from GET /v1/events), reasons pick the decline, overrides apply, and the
 * notifications really flow to a notify_url.
 */
import { promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { runTrigger } from '../../src/commands/trigger.js';
import { FIXTURES, DECLINE_CARDS } from '../../src/trigger/fixtures.js';
import { fill } from '../../src/trigger/run-fixture.js';
import { startReceiver, startTestSandbox, type Api } from '../helpers/sandbox.js';
import { captureOutput, tempDir, writeRuntimeFile, type Captured } from './helpers.js';

let io: Captured;
let dir: string;
let api: Api;

beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
  api = await startTestSandbox();
  writeRuntimeFile(dir, api.sandbox);
});
afterEach(async () => {
  await api.close();
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

const deps = () => ({ cwd: dir, env: {} });
const lastJson = () => JSON.parse(io.out().trim().split('\n').at(-1)!);

describe('paycli trigger', () => {
  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s creates real objects and raises exactly its events', async (name, fixture) => {
    expect(await runTrigger(name, { json: true }, deps())).toBe(0);
    const result = lastJson();
    const paymentId = result.steps[0].object.id;
    expect(paymentId).toMatch(/^pay_/);
    const events = (await api.call('GET', `/v1/events?payment_id=${paymentId}&limit=100`)).body.data.reverse();
    expect(events.map((e: { type: string }) => e.type)).toEqual(fixture.events);
    expect(result.events.map((e: { id: string }) => e.id)).toEqual(events.map((e: { id: string }) => e.id));
    for (const o of result.objects) {
      const path = o.object === 'refund' ? `/v1/refunds/${o.id}` : `/v1/payments/${o.id}`;
      expect((await api.call('GET', path)).body.status).toBe(o.status);
    }
  });

  it.each([...DECLINE_CARDS.keys()])('payment.failed --reason %s declines with that code', async (reason) => {
    expect(await runTrigger('payment.failed', { reason, json: true }, deps())).toBe(0);
    const payment = (await api.call('GET', `/v1/payments/${lastJson().objects[0].id}`)).body;
    expect(payment.status).toBe('failed');
    expect(payment.failure_code).toBe(reason);
  });

  it('payment.failed.3ds --reason sets the failure code the buyer fails with', async () => {
    await runTrigger('payment.failed.3ds', { reason: 'card_declined', json: true }, deps());
    const payment = (await api.call('GET', `/v1/payments/${lastJson().objects[0].id}`)).body;
    expect(payment).toMatchObject({ status: 'failed', failure_code: 'card_declined' });
  });

  it('applies --amount, --currency and --notify-url, and the notifications reach that URL', async () => {
    const receiver = await startReceiver();
    try {
      expect(await runTrigger('refund.succeeded', { amount: '1234', currency: 'EUR', notifyUrl: receiver.url }, deps())).toBe(0);
      const text = io.out();
      const paymentId = /payment\s+(pay_\w+)/.exec(text)![1]!;
      expect(text).toMatch(/refund\s+re_\w+\s+succeeded\s+12\.34 EUR/);
      expect(text).toMatch(/refund\.succeeded\s+evt_/);
      const payment = (await api.call('GET', `/v1/payments/${paymentId}`)).body;
      expect(payment).toMatchObject({ amount: 1234, currency: 'EUR', amount_refunded: 1234, notify_url: receiver.url });
      await vi.waitFor(() => expect(receiver.requests.map((r) => JSON.parse(r.body).type).sort()).toEqual(['payment.created', 'payment.succeeded', 'refund.succeeded']));
    } finally {
      await receiver.close();
    }
  });

  it('warns when --card changes the outcome the fixture expects', async () => {
    await runTrigger('payment.succeeded', { card: '4000 0000 0000 0002' }, deps());
    expect(io.out()).toMatch(/payment\s+pay_\w+\s+failed/);
    expect(io.out()).toMatch(/! Expected payment\.created, payment\.succeeded/);
  });

  it('refuses overrides that do not apply, unknown reasons and names (with a suggestion)', async () => {
    await expect(runTrigger('payment.pending', { card: '4242424242424242' }, deps())).rejects.toMatchObject({ code: 'invalid_usage' });
    await expect(runTrigger('payment.failed', { reason: 'bad_luck' }, deps())).rejects.toMatchObject({ code: 'invalid_usage', hint: expect.stringContaining('insufficient_funds') });
    await expect(runTrigger('payment.failed', { reason: 'lost_card', card: '4242424242424242' }, deps())).rejects.toMatchObject({ code: 'invalid_usage' });
    await expect(runTrigger('payment.succeeded', { reason: 'lost_card' }, deps())).rejects.toMatchObject({ code: 'invalid_usage' });
    await expect(runTrigger('payment.succeeded', { amount: '12.5' }, deps())).rejects.toMatchObject({ code: 'invalid_usage' });
    await expect(runTrigger('payment.succeded', {}, deps())).rejects.toMatchObject({ hint: expect.stringContaining('Did you mean payment.succeeded?') });
    await expect(runTrigger(undefined, {}, deps())).rejects.toMatchObject({ code: 'invalid_usage' });
    expect(api.sandbox.store.count('payments')).toBe(0);
  });

  it('--list shows every fixture with a description', async () => {
    expect(await main(['node', 'paycli', 'trigger', '--list'])).toBe(0);
    const lines = io.out().split('\n');
    for (const f of FIXTURES) expect(lines.some((l) => l.startsWith(f.name + ' ') && l.trimEnd().endsWith(f.description))).toBe(true);
    expect(io.out()).toContain('insufficient_funds');
  });

  it('runs through main() with --sandbox-url/--api-key', async () => {
    const code = await main(['node', 'paycli', 'trigger', 'payment.captured', '--json', '--sandbox-url', api.sandbox.url, '--api-key', api.sandbox.merchant.secret_key]);
    expect(code).toBe(0);
    expect(lastJson().objects[0]).toMatchObject({ object: 'payment', status: 'succeeded' });
  });
});

describe('fixture templates', () => {
  it('keeps whole-placeholder types, drops unset keys, interpolates parts and step references', () => {
    expect(fill({ a: '${amount}', n: '${notify_url}', p: '/v1/payments/${payment:id}/capture', list: ['${amount}'] }, { amount: 5 }, { payment: { id: 'pay_1' } })).toEqual({
      a: 5,
      p: '/v1/payments/pay_1/capture',
      list: [5],
    });
    expect(() => fill('${refund:id}', {}, {})).toThrow(/no earlier step "refund"/);
  });
});
