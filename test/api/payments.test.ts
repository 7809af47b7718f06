/**
 * The native API's payment lifecycle, over real HTTP: card outcomes, capture, cancel, refunds, listing and
 * order-id rules. Buyer actions and expiry are in buyer-actions.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, paymentBody, startTestSandbox, type Api } from '../helpers/sandbox.js';

let api: Api;
beforeAll(async () => {
  api = await startTestSandbox();
});
afterAll(() => api.close());

const create = (overrides: Record<string, unknown> = {}) => api.call('POST', '/v1/payments', paymentBody(overrides));

describe('card outcomes', () => {
  it.each([
    ['4242424242424242', 'succeeded', null],
    ['4000000000009995', 'failed', 'insufficient_funds'],
    ['4000000000000069', 'failed', 'expired_card'],
    ['4000000000000002', 'failed', 'card_declined'],
    ['4000000000000127', 'failed', 'incorrect_cvc'],
    ['4000000000000119', 'failed', 'processing_error'],
    ['4100000000000019', 'failed', 'fraudulent'],
    ['4000000000009987', 'failed', 'lost_card'],
    ['4000000000009979', 'failed', 'stolen_card'],
    ['4000000000006975', 'failed', 'card_velocity_exceeded'],
    ['4000002760003184', 'requires_action', null],
    ['5555555555554444', 'succeeded', null],
    ['4242 4242 4242 4242', 'succeeded', null],
  ])('%s → 201 %s %s', async (number, status, failureCode) => {
    const res = await create({ payment_method: card(number) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ object: 'payment', status, failure_code: failureCode, amount: 2000, currency: 'USD', amount_refunded: 0 });
    expect(res.body.id).toMatch(/^pay_/);
    expect(res.body.created).toEqual(expect.any(Number));
    if (failureCode) expect(res.body.failure_message).toEqual(expect.any(String));
    const fetched = await api.call('GET', `/v1/payments/${res.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(res.body);
  });

  it('any past expiry is expired_card', async () => {
    const res = await create({ payment_method: card('4242424242424242', 2020, 1) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'failed', failure_code: 'expired_card' });
  });

  it('manual capture leaves a success card in requires_capture', async () => {
    const res = await create({ capture_method: 'manual' });
    expect(res.body).toMatchObject({ status: 'requires_capture', amount_captured: 0 });
  });

  it('currency is accepted in any case and returned uppercase', async () => {
    for (const currency of ['eur', 'EUR', 'eUr']) {
      const res = await create({ currency });
      expect(res.status).toBe(201);
      expect(res.body.currency).toBe('EUR');
    }
  });

  it('a second order with the same merchant_order_id is 409 and creates nothing', async () => {
    const first = await create({ merchant_order_id: 'dup-1' });
    expect(first.status).toBe(201);
    const before = api.sandbox.store.count('payments');
    const second = await create({ merchant_order_id: 'dup-1', amount: 999 });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'duplicate_merchant_order_id', param: 'merchant_order_id', type: 'invalid_request_error' });
    expect(api.sandbox.store.count('payments')).toBe(before);
    // Even a declined first attempt holds the order id: the merchant must use a new one.
    await create({ merchant_order_id: 'dup-2', payment_method: card('4000000000000002') });
    expect((await create({ merchant_order_id: 'dup-2' })).status).toBe(409);
  });
});

describe('capture and cancel', () => {
  it('captures in full by default', async () => {
    const p = await create({ capture_method: 'manual', amount: 5000 });
    const res = await api.call('POST', `/v1/payments/${p.body.id}/capture`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'succeeded', amount: 5000, amount_captured: 5000 });
  });

  it('captures part, then refuses a second capture', async () => {
    const p = await create({ capture_method: 'manual', amount: 5000 });
    const res = await api.call('POST', `/v1/payments/${p.body.id}/capture`, { amount: 3000 });
    expect(res.body).toMatchObject({ status: 'succeeded', amount_captured: 3000 });
    const again = await api.call('POST', `/v1/payments/${p.body.id}/capture`, { amount: 1000 });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'invalid_state' });
  });

  it('over the authorised amount is a 400 on amount, and the payment stays capturable', async () => {
    const p = await create({ capture_method: 'manual', amount: 5000 });
    const res = await api.call('POST', `/v1/payments/${p.body.id}/capture`, { amount: 5001 });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'capture_exceeds_authorized', param: 'amount' });
    expect((await api.call('GET', `/v1/payments/${p.body.id}`)).body.status).toBe('requires_capture');
  });

  it.each([
    ['succeeded', {}],
    ['failed', { payment_method: card('4000000000009995') }],
    ['requires_action', { payment_method: card('4000002760003184') }],
    ['pending', { payment_method: { type: 'wallet', wallet: 'alipay' } }],
  ])('a %s payment cannot be captured (409 invalid_state)', async (_status, overrides) => {
    const p = await create(overrides);
    const res = await api.call('POST', `/v1/payments/${p.body.id}/capture`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('invalid_state');
  });

  it.each([
    ['requires_capture', { capture_method: 'manual' }],
    ['requires_action', { payment_method: card('4000002760003184') }],
    ['pending', { payment_method: { type: 'wallet', wallet: 'apple_pay' } }],
  ])('a %s payment can be canceled', async (_status, overrides) => {
    const p = await create(overrides);
    const res = await api.call('POST', `/v1/payments/${p.body.id}/cancel`, { cancellation_reason: 'requested_by_customer' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'canceled', cancellation_reason: 'requested_by_customer', next_action: null });
    expect((await api.call('POST', `/v1/payments/${p.body.id}/cancel`)).status).toBe(409);
  });

  it.each([
    ['succeeded', {}],
    ['failed', { payment_method: card('4000000000000002') }],
  ])('a %s payment cannot be canceled (409 invalid_state)', async (_status, overrides) => {
    const p = await create(overrides);
    const res = await api.call('POST', `/v1/payments/${p.body.id}/cancel`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('invalid_state');
  });
});

describe('refunds', () => {
  it('a partial refund, then the rest, succeed; a further refund is rejected', async () => {
    const p = await create({ amount: 3000 });
    const first = await api.call('POST', '/v1/refunds', { payment_id: p.body.id, amount: 1000, reason: 'requested_by_customer' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ object: 'refund', payment_id: p.body.id, amount: 1000, currency: 'USD', status: 'succeeded' });
    expect(first.body.id).toMatch(/^re_/);
    expect((await api.call('GET', `/v1/payments/${p.body.id}`)).body.amount_refunded).toBe(1000);

    const rest = await api.call('POST', '/v1/refunds', { payment_id: p.body.id });
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ amount: 2000, status: 'succeeded' });
    expect((await api.call('GET', `/v1/payments/${p.body.id}`)).body).toMatchObject({ amount_refunded: 3000, status: 'succeeded' });

    const further = await api.call('POST', '/v1/refunds', { payment_id: p.body.id, amount: 1 });
    expect(further.status).toBe(400);
    expect(further.body.error).toMatchObject({ code: 'refund_exceeds_captured', param: 'amount' });

    expect((await api.call('GET', `/v1/refunds/${first.body.id}`)).body).toEqual(first.body);
    const list = await api.call('GET', `/v1/refunds?payment_id=${p.body.id}`);
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([rest.body.id, first.body.id]);
  });

  it('more than captured in one refund is rejected', async () => {
    const p = await create({ amount: 3000 });
    const res = await api.call('POST', '/v1/refunds', { payment_id: p.body.id, amount: 3001 });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'refund_exceeds_captured', param: 'amount' });
  });

  it.each([
    ['failed', { payment_method: card('4000000000009995') }],
    ['uncaptured', { capture_method: 'manual' }],
    ['pending', { payment_method: { type: 'wallet', wallet: 'alipay' } }],
  ])('a %s payment cannot be refunded (409 invalid_state on payment_id)', async (_name, overrides) => {
    const p = await create(overrides);
    const res = await api.call('POST', '/v1/refunds', { payment_id: p.body.id });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'invalid_state', param: 'payment_id' });
  });

  it('the refund_fails card gives a failed refund (201, status failed)', async () => {
    const p = await create({ payment_method: card('4000000000005126') });
    const res = await api.call('POST', '/v1/refunds', { payment_id: p.body.id, amount: 500 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'failed', amount: 500 });
    expect((await api.call('GET', `/v1/payments/${p.body.id}`)).body.amount_refunded).toBe(0);
  });

  it('an unknown payment is 404 on payment_id', async () => {
    const res = await api.call('POST', '/v1/refunds', { payment_id: 'pay_unknown' });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'resource_missing', param: 'payment_id' });
  });
});

describe('listing payments', () => {
  it('newest first, limit, starting_after, filters', async () => {
    const own = await startTestSandbox();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const body = paymentBody({ merchant_order_id: `list-${i}`, payment_method: card(i % 2 ? '4000000000000002' : '4242424242424242') });
        ids.push((await own.call('POST', '/v1/payments', body)).body.id);
      }
      const newest = [...ids].reverse();
      const all = await own.call('GET', '/v1/payments');
      expect(all.body).toMatchObject({ object: 'list', has_more: false, next_cursor: null });
      expect(all.body.data.map((p: { id: string }) => p.id)).toEqual(newest);

      const page1 = await own.call('GET', '/v1/payments?limit=2');
      expect(page1.body.data.map((p: { id: string }) => p.id)).toEqual(newest.slice(0, 2));
      expect(page1.body).toMatchObject({ has_more: true, next_cursor: newest[1] });
      const page2 = await own.call('GET', `/v1/payments?limit=2&starting_after=${page1.body.next_cursor}`);
      expect(page2.body.data.map((p: { id: string }) => p.id)).toEqual(newest.slice(2, 4));
      const page3 = await own.call('GET', `/v1/payments?limit=2&starting_after=${page2.body.next_cursor}`);
      expect(page3.body).toMatchObject({ has_more: false, next_cursor: null });
      expect(page3.body.data.map((p: { id: string }) => p.id)).toEqual(newest.slice(4));

      const byOrder = await own.call('GET', '/v1/payments?merchant_order_id=list-3');
      expect(byOrder.body.data.map((p: { id: string }) => p.id)).toEqual([ids[3]]);
      expect((await own.call('GET', '/v1/payments?merchant_order_id=nope')).body.data).toEqual([]);

      const failed = await own.call('GET', '/v1/payments?status=failed');
      expect(failed.body.data.map((p: { id: string }) => p.id)).toEqual([ids[3], ids[1]]);
      const succeededPage = await own.call('GET', '/v1/payments?status=succeeded&limit=2');
      expect(succeededPage.body.data.map((p: { id: string }) => p.id)).toEqual([ids[4], ids[2]]);
      expect(succeededPage.body.has_more).toBe(true);
      expect((await own.call('GET', '/v1/payments?merchant_order_id=list-3&status=succeeded')).body.data).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['status=paid', 'status'],
    ['colour=red', 'colour'],
  ])('?%s is a 400 on %s', async (query, param) => {
    const res = await api.call('GET', `/v1/payments?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe(param);
  });
});

describe('lenient where people are', () => {
  it('takes a two-digit expiry year as 20xx, and a past one is declined as expired', async () => {
    const future = await create({ payment_method: card('4242424242424242', 34, 12) });
    expect(future.status).toBe(201);
    expect(future.body.payment_method.card.exp_year).toBe(2034);
    const past = await create({ payment_method: card('4242424242424242', 20, 1) });
    expect(past.body).toMatchObject({ status: 'failed', failure_code: 'expired_card' });
  });

  it('takes a free-text refund reason and cancellation reason', async () => {
    const paid = await create();
    const refund = await api.call('POST', '/v1/refunds', { payment_id: paid.body.id, amount: 100, reason: 'customer changed their mind' });
    expect(refund.status).toBe(201);
    expect(refund.body.reason).toBe('customer changed their mind');
    const held = await create({ capture_method: 'manual' });
    const canceled = await api.call('POST', `/v1/payments/${held.body.id}/cancel`, { cancellation_reason: 'out of stock' });
    expect(canceled.body).toMatchObject({ status: 'canceled', cancellation_reason: 'out of stock' });
  });
});
