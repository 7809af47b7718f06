/**
 * `/_sandbox/chaos` validates like the endpoint API (400 naming the field), answers in snake_case, and
 * applies the first matching rule only, in the order armed (as documented).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { paymentBody, startReceiver, startTestSandbox, type Api, type Receiver } from '../helpers/sandbox.js';

let api: Api;
let receiver: Receiver;
beforeAll(async () => {
  api = await startTestSandbox({ retryScheduleMs: [3_600_000] });
  receiver = await startReceiver();
});
afterAll(async () => {
  await api.close();
  await receiver.close();
});
afterEach(() => api.call('DELETE', '/_sandbox/chaos'));

describe('POST /_sandbox/chaos', () => {
  it.each([
    [{ events: ['payment.succeded'], drop: true }, 'events.0', /not a known event type/],
    [{ events: ['order.*'], drop: true }, 'events.0', /not a known event type/],
    [{ destinations: ['listen'], drop: true }, 'destinations.0', /./],
    [{ drop: true, duplicates: 2 }, 'duplicates', /drop loses the notification/],
    [{ drop: true, fail_first: 1 }, 'fail_first', /drop loses the notification/],
    [{ drop: true, delay_ms: 1000 }, 'delay_ms', /drop loses the notification/],
    [{ drop: true, dely_ms: 1000 }, 'dely_ms', /Unknown parameter/],
  ])('%j is a 400 naming %s', async (body, param, message) => {
    const res = await api.call('POST', '/_sandbox/chaos', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'parameter_invalid', param });
    expect(res.body.error.message).toMatch(message);
    expect((await api.call('GET', '/_sandbox/chaos')).body.data).toEqual([]);
  });

  it('accepts wildcards and a probe with drop and delay; answers and lists in snake_case', async () => {
    const res = await api.call('POST', '/_sandbox/chaos', { events: ['payment.*'], times: 2, delay_ms: 5000, fail_first: 1, duplicates: 1 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^chaos_/),
      object: 'chaos_rule',
      events: ['payment.*'],
      payment_id: null,
      merchant_order_id: null,
      destinations: null,
      times_remaining: 2,
      delay_ms: 5000,
      duplicates: 1,
      drop: false,
      fail_first: 1,
      probe: null,
    });
    expect((await api.call('POST', '/_sandbox/chaos', { drop: true, probe: 'stale', delay_ms: 10 })).status).toBe(201);
    const list = (await api.call('GET', '/_sandbox/chaos')).body.data;
    expect(list.map((r: Record<string, unknown>) => Object.keys(r).filter((k) => /[A-Z]/.test(k)))).toEqual([[], []]);
    expect(list[1]).toMatchObject({ drop: true, probe: 'stale', delay_ms: 10 });
  });

  it('several armed rules: a notification takes the first that matches, in the order armed', async () => {
    await api.call('POST', '/_sandbox/chaos', { events: ['payment.succeeded'], times: 1, duplicates: 1 });
    await api.call('POST', '/_sandbox/chaos', { events: ['payment.*'], times: 1, drop: true });
    const p = (await api.call('POST', '/v1/payments', paymentBody({ notify_url: receiver.url }))).body;
    await vi.waitFor(async () => expect((await api.call('GET', `/_sandbox/deliveries?limit=100`)).body.data.filter((d: any) => d.attempts.length > 0 || d.status === 'dropped').length).toBeGreaterThanOrEqual(3));
    const events = (await api.call('GET', `/v1/events?payment_id=${p.id}`)).body.data;
    const deliveries = (await api.call('GET', '/_sandbox/deliveries?limit=100')).body.data;
    const of = (type: string) => deliveries.filter((d: any) => d.event_id === events.find((e: any) => e.type === type).id);
    // payment.created (first) takes the payment.* drop rule; payment.succeeded takes its own duplicate rule.
    expect(of('payment.created').map((d: any) => d.status)).toEqual(['dropped']);
    expect(of('payment.succeeded')).toHaveLength(2);
    expect((await api.call('GET', '/_sandbox/chaos')).body.data).toEqual([]);
  });
});
