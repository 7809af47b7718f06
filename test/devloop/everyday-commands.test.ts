/**
 * `paycli payments|refunds|endpoints`: thin commands over the API against a real sandbox, found through
 * the runtime file like the other commands; tables fit the terminal; `--json` prints the API's answer.
 */
import { promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { runEndpointsCreate, runEndpointsDelete, runEndpointsList } from '../../src/commands/endpoints.js';
import { runPaymentsCancel, runPaymentsCapture, runPaymentsCreate, runPaymentsList, runPaymentsShow } from '../../src/commands/payments.js';
import { runRefundsCreate, runRefundsList, runRefundsShow } from '../../src/commands/refunds.js';
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

const deps = (columns = 200) => ({ cwd: dir, env: { COLUMNS: String(columns) } });
const lastJson = () => JSON.parse(io.out().trim().split('\n').at(-1)!);
const reset = () => (io.stdout.length = 0);

describe('paycli payments', () => {
  it('create (card by default, wallet, manual capture), show, capture, cancel, with --json as the API object', async () => {
    expect(await runPaymentsCreate({ amount: '1999', currency: 'eur', json: true }, deps())).toBe(0);
    const card = lastJson();
    expect(card).toMatchObject({ object: 'payment', status: 'succeeded', amount: 1999, currency: 'EUR', merchant_order_id: expect.stringMatching(/^cli_/) });
    expect((await api.call('GET', `/v1/payments/${card.id}`)).body.status).toBe('succeeded');

    reset();
    await runPaymentsCreate({ amount: '500', manualCapture: true, order: 'ord-manual' }, deps());
    const manual = (await api.call('GET', '/v1/payments?merchant_order_id=ord-manual')).body.data[0];
    expect(manual.status).toBe('requires_capture');
    expect(io.out()).toMatch(new RegExp(`payment ${manual.id}\\s+requires_capture`));
    expect(io.out()).toMatch(/order\s+ord-manual/);

    reset();
    expect(await runPaymentsCapture(manual.id, { amount: '300', json: true }, deps())).toBe(0);
    expect(lastJson()).toMatchObject({ id: manual.id, status: 'succeeded', amount_captured: 300 });

    reset();
    await runPaymentsCreate({ amount: '700', wallet: 'alipay', json: true }, deps());
    const wallet = lastJson();
    expect(wallet.status).toBe('pending');
    reset();
    expect(await runPaymentsCancel(wallet.id, { reason: 'buyer left' }, deps())).toBe(0);
    expect(io.out()).toMatch(new RegExp(`payment ${wallet.id}\\s+canceled`));

    reset();
    expect(await runPaymentsShow(card.id, {}, deps())).toBe(0);
    expect(io.out()).toMatch(/amount\s+19\.99 EUR/);
    expect(io.out()).toMatch(/method\s+visa 4242/);
  });

  it('bad input is a usage error naming the flag; an API refusal keeps its code', async () => {
    await expect(runPaymentsCreate({}, deps())).rejects.toMatchObject({ code: 'invalid_usage', param: 'amount' });
    await expect(runPaymentsCreate({ amount: '19.99' }, deps())).rejects.toMatchObject({ code: 'invalid_usage', param: 'amount' });
    await expect(runPaymentsCreate({ amount: '100', wallet: 'cash' }, deps())).rejects.toMatchObject({ code: 'invalid_usage', param: 'wallet' });
    await expect(runPaymentsList({ status: 'paid' }, deps())).rejects.toMatchObject({ code: 'invalid_usage', param: 'status' });
    await expect(runPaymentsCreate({ amount: '100', card: '4242424242424241' }, deps())).rejects.toMatchObject({ code: 'invalid_card_number' });
    await expect(runPaymentsShow('pay_nope', {}, deps())).rejects.toMatchObject({ code: 'resource_missing' });
  });

  it('list: a table with a header, newest first, that fits the terminal; filters; --json', async () => {
    const long = `order-${'x'.repeat(80)}`;
    await runPaymentsCreate({ amount: '100', order: long }, deps());
    await runPaymentsCreate({ amount: '200', card: '4000000000009995', order: 'declined-1' }, deps());
    reset();
    expect(await runPaymentsList({}, deps(200))).toBe(0);
    expect(io.out().split('\n')[0]).toMatch(/^ID\s+STATUS\s+AMOUNT\s+REFUNDED\s+METHOD\s+ORDER\s+CREATED \(UTC\)$/);
    reset();
    // 80 columns: the long order id is cut first, then the created time is left out; ids stay whole.
    expect(await runPaymentsList({}, deps(80))).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+AMOUNT\s+REFUNDED\s+METHOD\s+ORDER$/);
    expect(lines[1]).toMatch(/^pay_\w{20,}\s+failed\s+2\.00 USD\s+-\s+visa 9995\s+declin/);
    expect(lines[2]).toMatch(/^pay_\w{20,}\s+succeeded\s+1\.00 USD\s+-\s+visa 4242\s+order-x*…$/);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
    // The columns line up: every row's STATUS starts where the header's does.
    const at = lines[0]!.indexOf('STATUS');
    for (const l of lines.slice(1)) expect(l.slice(at)).toMatch(/^(failed|succeeded)/);

    reset();
    await runPaymentsList({ status: 'failed', json: true }, deps());
    expect(lastJson().data.map((p: { merchant_order_id: string }) => p.merchant_order_id)).toEqual(['declined-1']);
  });

  it('runs through main() with the same sandbox discovery (--sandbox-url takes a port)', async () => {
    const port = new URL(api.sandbox.url).port;
    expect(await main(['node', 'paycli', 'payments', 'create', '--amount', '1234', '--json', '--sandbox-url', port, '--api-key', api.sandbox.merchant.secret_key])).toBe(0);
    expect(lastJson()).toMatchObject({ amount: 1234, status: 'succeeded' });
    reset();
    io.stderr.length = 0;
    expect(await main(['node', 'paycli', 'payments', 'show', 'pay_nope', '--sandbox-url', port, '--api-key', api.sandbox.merchant.secret_key])).toBe(1);
    expect(io.err()).toMatch(/resource_missing/);
  });
});

describe('paycli refunds', () => {
  it('create (partial, then the rest), list, show; over-refunding keeps the API error', async () => {
    await runPaymentsCreate({ amount: '2000', json: true }, deps());
    const pay = lastJson();
    reset();
    expect(await runRefundsCreate(pay.id, { amount: '500', reason: 'requested_by_customer', json: true }, deps())).toBe(0);
    const first = lastJson();
    expect(first).toMatchObject({ object: 'refund', amount: 500, status: 'succeeded', payment_id: pay.id });
    reset();
    expect(await runRefundsCreate(pay.id, {}, deps())).toBe(0);
    expect(io.out()).toMatch(/amount\s+15\.00 USD/);
    await expect(runRefundsCreate(pay.id, { amount: '1' }, deps())).rejects.toMatchObject({ code: 'refund_exceeds_captured' });

    reset();
    expect(await runRefundsList({ payment: pay.id }, deps())).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+AMOUNT\s+PAYMENT\s+ORDER/);
    expect(lines.slice(1).map((l) => /(\d+\.\d\d) USD/.exec(l)![1])).toEqual(['15.00', '5.00']);
    reset();
    expect(await runRefundsShow(first.id, { json: true }, deps())).toBe(0);
    expect(lastJson().id).toBe(first.id);
  });
});

describe('paycli endpoints', () => {
  it('create (a port or a URL, --events), list, delete; create prints the signing secret', async () => {
    const receiver = await startReceiver();
    try {
      expect(await runEndpointsCreate(receiver.url, { events: 'payment.*' }, deps())).toBe(0);
      expect(io.out()).toMatch(/Created we_\w+ → http:\/\/127\.0\.0\.1:\d+\/webhooks \(payment\.\*\)/);
      expect(io.out()).toMatch(/signing secret whsec_/);
      reset();
      await runEndpointsCreate('3000', { json: true }, deps());
      const second = lastJson();
      expect(second).toMatchObject({ url: 'http://127.0.0.1:3000/', enabled_events: ['*'] });
      await expect(runEndpointsCreate('3000', { events: 'payment.nope' }, deps())).rejects.toMatchObject({ code: 'invalid_usage' });

      reset();
      expect(await runEndpointsList({}, deps())).toBe(0);
      expect(io.out().trimEnd().split('\n')).toHaveLength(3);
      // The endpoint receives events.
      await runPaymentsCreate({ amount: '100' }, deps());
      await vi.waitFor(() => expect(receiver.requests.length).toBeGreaterThanOrEqual(2));

      reset();
      expect(await runEndpointsDelete(second.id, {}, deps())).toBe(0);
      expect(io.out()).toContain(`Deleted ${second.id}`);
      reset();
      await runEndpointsList({ json: true }, deps());
      expect(lastJson().data).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});
