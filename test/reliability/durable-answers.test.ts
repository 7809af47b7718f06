/**
 * No response reveals state that a crash could still lose. Each test holds the journal append of a
 * first request (its change is staged, visible in memory, not yet durable), sends a second request that
 * would reveal it (a same-key replay, a 409 naming it, a read of it), and checks with a sentinel (a full
 * exchange on another connection after the server has taken the second request in) that the second is
 * not answered until the first is durable. Before the fix, each was answered at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdempotencyCache } from '../../src/core/idempotency.js';
import { PaymentService } from '../../src/core/payment-service.js';
import { closedAfterEach, paymentBody, type Api } from '../helpers/sandbox.js';
import { enospc, holdNextAppend, nthCall, tracked } from './held-writes.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'paycli-durable-answers-'));
});
// Registered before closedAfterEach, so it runs after the sandboxes are closed (hooks run as a stack).
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});
const env = closedAfterEach();

/** A full exchange that touches no store: once it is answered, an answer the server had already given would have arrived. */
async function sentinel(api: Api): Promise<void> {
  const res = await api.call('POST', '/_sandbox/chaos', { events: ['refund.failed'], times: 1 });
  expect(res.status).toBe(201);
  await new Promise((resolve) => setImmediate(resolve));
}

describe('answers wait for durability', () => {
  it('a concurrent same-key request is not replayed before the original is durable', async () => {
    const api = await env.sandbox({ inMemory: false, dataFile: path.join(dir, 'data.json') });
    const body = paymentBody();
    const runs = vi.spyOn(IdempotencyCache.prototype, 'run');
    const held = await holdNextAppend();
    const first = api.call('POST', '/v1/payments', body, { headers: { 'idempotency-key': 'pair-1' } });
    await held.entered;
    const second = tracked(api.call('POST', '/v1/payments', body, { headers: { 'idempotency-key': 'pair-1' } }));
    await nthCall(runs, 2);
    await sentinel(api);
    expect(second.settled).toBe(false);
    held.release();
    const [a, b] = await Promise.all([first, second.promise]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(b.body.id).toBe(a.body.id);
  });

  it('a 409 duplicate_merchant_order_id is not answered before the payment it names is durable', async () => {
    const api = await env.sandbox({ inMemory: false, dataFile: path.join(dir, 'data.json') });
    const body = paymentBody();
    // Each create is one unit of work.
    const creates = vi.spyOn(PaymentService.prototype, 'transact');
    const held = await holdNextAppend();
    const first = api.call('POST', '/v1/payments', body, { headers: { 'idempotency-key': 'a' } });
    await held.entered;
    const second = tracked(api.call('POST', '/v1/payments', body, { headers: { 'idempotency-key': 'b' } }));
    await nthCall(creates, 2);
    await sentinel(api);
    expect(second.settled).toBe(false);
    held.release();
    const [a, b] = await Promise.all([first, second.promise]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(409);
    expect(b.body.error).toMatchObject({ code: 'duplicate_merchant_order_id', payment_id: a.body.id });
  });

  it('a read of a payment is not answered before its creation is durable', async () => {
    const api = await env.sandbox({ inMemory: false, dataFile: path.join(dir, 'data.json') });
    const reads = vi.spyOn(PaymentService.prototype, 'getPayment');
    const held = await holdNextAppend();
    const first = api.call('POST', '/v1/payments', paymentBody());
    await held.entered;
    const staged = api.sandbox.store.list<{ id: string }>('payments');
    expect(staged).toHaveLength(1);
    const read = tracked(api.call('GET', `/v1/payments/${staged[0]!.id}`));
    await nthCall(reads, 1);
    await sentinel(api);
    expect(read.settled).toBe(false);
    held.release();
    const [a, r] = await Promise.all([first, read.promise]);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(a.body);
  });

  it('a read that showed a change whose write then failed is a 503, not the lost change', async () => {
    const api = await env.sandbox({ inMemory: false, dataFile: path.join(dir, 'data.json') });
    const reads = vi.spyOn(PaymentService.prototype, 'getPayment');
    const held = await holdNextAppend();
    const first = api.call('POST', '/v1/payments', paymentBody());
    await held.entered;
    const id = api.sandbox.store.list<{ id: string }>('payments')[0]!.id;
    const read = api.call('GET', `/v1/payments/${id}`);
    await nthCall(reads, 1);
    held.release(enospc()); // the held append fails, as on a full disk
    const [a, r] = await Promise.all([first, read]);
    expect(a.status).toBe(503);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('data_file_unwritable');
    expect((await api.call('GET', `/v1/payments/${id}`)).status).toBe(404);
  });
});
