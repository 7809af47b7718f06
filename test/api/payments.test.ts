/**
 * The native API's payment lifecycle, over real HTTP: card outcomes, buyer actions on 3-D Secure and
 * wallets (with expiry on a FakeClock), capture, cancel, refunds, listing and order-id rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
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

describe('buyer actions', () => {
  it('3-D Secure waits for the buyer; complete → succeeded', async () => {
    const res = await create({ payment_method: card('4000002760003184'), return_url: 'https://shop.example/back' });
    expect(res.body.status).toBe('requires_action');
    expect(res.body.next_action).toEqual({
      type: 'redirect_to_url',
      redirect_to_url: { url: `${api.sandbox.url}/_sandbox/buyer/${res.body.id}`, return_url: 'https://shop.example/back' },
    });
    const page = await fetch(res.body.next_action.redirect_to_url.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/html/);

    const done = await api.call('POST', `/_sandbox/buyer/${res.body.id}/complete`, undefined, { key: null });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: res.body.id, status: 'succeeded', next_action: null, amount_captured: 2000 });
    expect((await api.call('GET', `/v1/payments/${res.body.id}`)).body.status).toBe('succeeded');
    // Acting twice is an invalid state, not a second charge.
    const again = await api.call('POST', `/_sandbox/buyer/${res.body.id}/complete`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invalid_state');
  });

  it('3-D Secure with manual capture completes into requires_capture', async () => {
    const res = await create({ payment_method: card('4000002760003184'), capture_method: 'manual' });
    const done = await api.call('POST', `/_sandbox/buyer/${res.body.id}/complete`, {});
    expect(done.body.status).toBe('requires_capture');
  });

  it('the buyer can fail, with an optional failure code', async () => {
    const a = await create({ payment_method: card('4000002760003184') });
    expect((await api.call('POST', `/_sandbox/buyer/${a.body.id}/fail`)).body).toMatchObject({ status: 'failed', failure_code: 'authentication_failed' });
    const b = await create({ payment_method: { type: 'wallet', wallet: 'wechat_pay' } });
    const failed = await api.call('POST', `/_sandbox/buyer/${b.body.id}/fail`, { failure_code: 'insufficient_funds' });
    expect(failed.body).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' });
  });

  it.each([
    ['alipay', 'display_qr_code'],
    ['wechat_pay', 'display_qr_code'],
    ['paypal', 'redirect_to_url'],
    ['apple_pay', 'redirect_to_url'],
  ])('a %s payment is pending with a %s next_action until the buyer pays', async (wallet, kind) => {
    const res = await create({ payment_method: { type: 'wallet', wallet } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'pending', payment_method: { type: 'wallet', wallet }, next_action: { type: kind } });
    const target = kind === 'display_qr_code' ? res.body.next_action.display_qr_code.data : res.body.next_action.redirect_to_url.url;
    expect(target).toBe(`${api.sandbox.url}/_sandbox/buyer/${res.body.id}`);
    const done = await api.call('POST', `/_sandbox/buyer/${res.body.id}/complete`);
    expect(done.body).toMatchObject({ status: 'succeeded', next_action: null });
  });

  it('an unknown buyer action or payment is a 4xx', async () => {
    const res = await create({ payment_method: { type: 'wallet', wallet: 'alipay' } });
    const bad = await api.call('POST', `/_sandbox/buyer/${res.body.id}/pay`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'parameter_invalid', param: 'action' });
    const missing = await api.call('POST', '/_sandbox/buyer/pay_nope/complete');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('resource_missing');
  });

  it('a payment the buyer ignores expires after 30 minutes (FakeClock)', async () => {
    const clock = new FakeClock(Date.UTC(2026, 4, 1, 9, 0, 0));
    const fake = await startTestSandbox({ clock });
    try {
      const threeDs = await fake.call('POST', '/v1/payments', paymentBody({ payment_method: card('4000002760003184') }));
      const wallet = await fake.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'wallet', wallet: 'alipay' } }));
      expect(threeDs.body.expires_at).toBe(clock.now() / 1000 + 1800);
      await clock.advance(30 * 60_000 - 1);
      expect((await fake.call('GET', `/v1/payments/${threeDs.body.id}`)).body.status).toBe('requires_action');
      expect((await fake.call('GET', `/v1/payments/${wallet.body.id}`)).body.status).toBe('pending');
      await clock.advance(1);
      for (const id of [threeDs.body.id, wallet.body.id]) {
        const p = (await fake.call('GET', `/v1/payments/${id}`)).body;
        expect(p).toMatchObject({ status: 'canceled', cancellation_reason: 'expired', next_action: null });
        const events = await fake.call('GET', `/v1/events?payment_id=${id}`);
        expect(events.body.data[0].type).toBe('payment.canceled');
      }
      // Completing after expiry is too late.
      expect((await fake.call('POST', `/_sandbox/buyer/${wallet.body.id}/complete`)).status).toBe(409);
    } finally {
      await fake.close();
    }
  });

  it('closing the sandbox cancels its expiry timers', async () => {
    const clock = new FakeClock();
    const fake = await startTestSandbox({ clock });
    await fake.call('POST', '/v1/payments', paymentBody({ payment_method: card('4000002760003184') }));
    await fake.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'wallet', wallet: 'alipay' } }));
    await fake.close();
    expect(clock.pending).toBe(0);
    await expect(clock.advance(60 * 60_000)).resolves.toBeUndefined();
  });

  it('a reset drops the expiry timers of the payments it deletes', async () => {
    const clock = new FakeClock();
    const fake = await startTestSandbox({ clock });
    try {
      await fake.call('POST', '/v1/payments', paymentBody({ payment_method: card('4000002760003184') }));
      await fake.call('POST', '/_sandbox/reset');
      expect(clock.pending).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it('the buyer page form completes the payment and redirects to return_url', async () => {
    const res = await create({ payment_method: { type: 'wallet', wallet: 'paypal' }, return_url: 'https://shop.example/done' });
    const page = await (await fetch(res.body.next_action.redirect_to_url.url)).text();
    const action = /action="([^"]+\/complete)"/.exec(page)?.[1];
    expect(action).toBe(`/_sandbox/buyer/${res.body.id}/complete`);
    const submitted = await fetch(api.sandbox.url + action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: '',
    });
    expect(submitted.status).toBe(303);
    expect(submitted.headers.get('location')).toBe('https://shop.example/done');
    expect((await api.call('GET', `/v1/payments/${res.body.id}`)).body.status).toBe('succeeded');
    expect(await (await fetch(res.body.next_action.redirect_to_url.url)).text()).toContain('Nothing left to do');
  });

  it('a payment completed before the timeout does not expire', async () => {
    const clock = new FakeClock();
    const fake = await startTestSandbox({ clock });
    try {
      const res = await fake.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'wallet', wallet: 'paypal' } }));
      await clock.advance(10 * 60_000);
      await fake.call('POST', `/_sandbox/buyer/${res.body.id}/complete`);
      await clock.advance(60 * 60_000);
      expect((await fake.call('GET', `/v1/payments/${res.body.id}`)).body.status).toBe('succeeded');
    } finally {
      await fake.close();
    }
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
