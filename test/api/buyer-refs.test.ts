/**
 * The simulated buyer acts on a payment by any identifier a merchant holds: the paycli id, an id a
 * provider registered, or the merchant order number. (Provider-registered ids: test/providers.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, paymentBody, startTestSandbox, type Api } from '../helpers/sandbox.js';

let api: Api;
beforeAll(async () => {
  api = await startTestSandbox();
});
afterAll(() => api.close());

const waiting = async (merchant_order_id: string) =>
  (await api.call('POST', '/v1/payments', paymentBody({ merchant_order_id, payment_method: { type: 'wallet', wallet: 'wechat_pay' } }))).body;

describe('POST /_sandbox/buyer/{ref}/…', () => {
  it('complete by the merchant order number', async () => {
    const p = await waiting('ref-order-1');
    const done = await api.call('POST', '/_sandbox/buyer/ref-order-1/complete', undefined, { key: null });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: p.id, merchant_order_id: 'ref-order-1', status: 'succeeded' });
  });

  it('fail by the merchant order number with a failure_code', async () => {
    const p = await waiting('ref-order-2');
    const failed = await api.call('POST', '/_sandbox/buyer/ref-order-2/fail', { failure_code: 'insufficient_funds' }, { key: null });
    expect(failed.body).toMatchObject({ id: p.id, status: 'failed', failure_code: 'insufficient_funds' });
  });

  it('expire by the paycli id; the buyer page opens by order number too', async () => {
    const p = await waiting('ref-order-3');
    const page = await fetch(`${api.sandbox.url}/_sandbox/buyer/ref-order-3`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(p.id);
    const expired = await api.call('POST', `/_sandbox/buyer/${p.id}/expire`, undefined, { key: null });
    expect(expired.body).toMatchObject({ id: p.id, status: 'canceled', cancellation_reason: 'expired' });
  });

  it('an unknown ref is a 404 naming the forms a ref may take', async () => {
    const res = await api.call('POST', '/_sandbox/buyer/no-such-thing/complete', undefined, { key: null });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'resource_missing', param: 'ref', message: 'No payment is known as "no-such-thing".' });
    expect(res.body.error.hint).toContain('merchant order number');
  });

  it('the native response carries no provider field (native shapes are unchanged)', async () => {
    const p = (await api.call('POST', '/v1/payments', paymentBody({ payment_method: card('4242424242424242') }))).body;
    expect(p).not.toHaveProperty('provider');
    const ev = (await api.call('GET', `/v1/events?payment_id=${p.id}`)).body.data[0];
    expect(ev.data.object).not.toHaveProperty('provider');
  });
});
