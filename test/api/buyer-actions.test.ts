/**
 * 3-D Secure and wallet payments wait for the simulated buyer: next_action, the buyer page and its form,
 * the control API's complete/fail/expire, and expiry after 30 minutes on a FakeClock.
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
