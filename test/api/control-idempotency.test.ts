/** The control API's POSTs honour Idempotency-Key like the API's: a repeat returns the first answer and changes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentBody, startTestSandbox, type Api } from '../helpers/sandbox.js';

let api: Api;
beforeAll(async () => {
  api = await startTestSandbox();
});
afterAll(() => api.close());

const wallet = () => api.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'wallet', wallet: 'alipay' } }));

describe('Idempotency-Key on /_sandbox POSTs', () => {
  it('a repeated buyer action with the same key returns the first answer; without a key it is a 409', async () => {
    const pay = (await wallet()).body;
    const headers = { 'Idempotency-Key': `buyer-${pay.id}` };
    const [a, b] = await Promise.all([
      api.call('POST', `/_sandbox/buyer/${pay.id}/complete`, {}, { key: null, headers }),
      api.call('POST', `/_sandbox/buyer/${pay.id}/complete`, {}, { key: null, headers }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body).toEqual(a.body);
    expect(a.body.status).toBe('succeeded');
    expect([a.headers.get('idempotent-replayed'), b.headers.get('idempotent-replayed')]).toContain('true');
    const again = await api.call('POST', `/_sandbox/buyer/${pay.id}/complete`, {}, { key: null });
    expect(again.status).toBe(409);
    const events = await api.call('GET', `/v1/events?payment_id=${pay.id}&type=payment.succeeded`);
    expect(events.body.data).toHaveLength(1);
  });

  it('the same key with another body is a 422; a repeated chaos rule is created once', async () => {
    const headers = { 'Idempotency-Key': 'chaos-1' };
    const first = await api.call('POST', '/_sandbox/chaos', { events: ['payment.succeeded'], times: 1, drop: true }, { headers });
    const second = await api.call('POST', '/_sandbox/chaos', { events: ['payment.succeeded'], times: 1, drop: true }, { headers });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body).toEqual(first.body);
    expect((await api.call('GET', '/_sandbox/chaos')).body.data).toHaveLength(1);
    const other = await api.call('POST', '/_sandbox/chaos', { events: ['payment.failed'], drop: true }, { headers });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    await api.call('DELETE', '/_sandbox/chaos');
  });
});
