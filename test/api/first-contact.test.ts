/**
 * What a first user meets in the API: the buyer page of a plain card payment is not a 3-D Secure page, the
 * payment.created snapshot is the payment as the API answered it, a key sent without "Bearer" is named as
 * such, and a misspelled field is reported as unknown (with a suggestion), not as the missing one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { card, paymentBody, startTestSandbox, type Api } from '../helpers/sandbox.js';

let api: Api;
beforeAll(async () => {
  api = await startTestSandbox();
});
afterAll(() => api.close());

describe('first contact with the API', () => {
  it('the buyer page: 3-D Secure only for a payment that needs it', async () => {
    const plain = (await api.call('POST', '/v1/payments', paymentBody())).body;
    const page = (await api.call('GET', `/_sandbox/buyer/${plain.id}`, undefined, { key: null })).body as string;
    expect(page).not.toContain('3-D Secure');
    expect(page).toContain('Card payment with the card ending 4242');
    const threeDs = (await api.call('POST', '/v1/payments', paymentBody({ payment_method: card('4000002760003184') }))).body;
    expect((await api.call('GET', `/_sandbox/buyer/${threeDs.id}`, undefined, { key: null })).body).toContain('3-D Secure authentication for the card ending 3184');
  });

  it('payment.created carries the payment as the create call answered it (never pending for a card)', async () => {
    const p = (await api.call('POST', '/v1/payments', paymentBody())).body;
    const created = (await api.call('GET', `/v1/events?payment_id=${p.id}&type=payment.created`)).body.data[0];
    expect(created.data.object).toEqual(p);
    expect(created.data.object.status).toBe('succeeded');
  });

  it('a key without "Bearer" says the scheme is missing, not "(empty)"', async () => {
    const res = await api.call('GET', '/v1/payments', undefined, { key: null, headers: { authorization: api.sandbox.merchant.secret_key } });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe(`The Authorization header has no "Bearer" scheme: got "${api.sandbox.merchant.secret_key.slice(0, 12)}…".`);
    expect(res.body.error.message).not.toContain('(empty)');
    expect(res.body.error.hint).toContain('Authorization: Bearer');
  });

  it('a misspelled field is unknown (did you mean), not reported as the missing one', async () => {
    const { amount, ...rest } = paymentBody();
    const res = await api.call('POST', '/v1/payments', { ...rest, amout: amount });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param: 'amout', message: 'Unknown parameter: amout. Did you mean amount?' });
    const nested = await api.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'card', card: { numbr: '4242424242424242', exp_month: 12, exp_year: 2034 } } }));
    expect(nested.body.error).toMatchObject({ param: 'payment_method.card.numbr' });
  });
});
