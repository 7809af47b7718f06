/**
 * Notifications to real local receivers: Standard Webhooks signatures that the `standardwebhooks` package
 * verifies, retries with one `webhook-id`, every attempt recorded, endpoint secrets, --forward-to.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { FakeClock } from '../../src/clock.js';
import { paymentBody, startReceiver, startTestSandbox, waitFor, type Api, type ReceivedRequest, type Receiver, closedAfterEach } from '../helpers/sandbox.js';

const { sandbox, receiver } = closedAfterEach();

const typeOf = (r: ReceivedRequest) => JSON.parse(r.body).type as string;
const verify = (secret: string, r: ReceivedRequest) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>);

describe('notify_url', () => {
  it('gets every event of the payment, signed with the merchant webhook secret and verified by standardwebhooks', async () => {
    const api = await sandbox();
    const rec = await receiver();
    const p = (await api.call('POST', '/v1/payments', paymentBody({ notify_url: rec.url }))).body;
    await api.call('POST', '/v1/refunds', { payment_id: p.id, amount: 500 });
    await waitFor(() => rec.requests.length >= 3);
    await api.sandbox.dispatcher.whenIdle();

    expect(rec.requests.map(typeOf).sort()).toEqual(['payment.created', 'payment.succeeded', 'refund.succeeded']);
    const events = (await api.call('GET', `/v1/events?payment_id=${p.id}`)).body.data as { id: string; type: string; created: number }[];
    for (const req of rec.requests) {
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/webhooks');
      expect(req.headers['content-type']).toBe('application/json');
      const verified = verify(api.sandbox.merchant.webhook_secret, req) as { id: string; type: string; created: number; data: { object: { id: string } } };
      expect(Object.keys(verified).sort()).toEqual(['created', 'data', 'id', 'type']);
      expect(events.map((e) => e.id)).toContain(verified.id);
      const event = events.find((e) => e.id === verified.id)!;
      expect(req.headers['webhook-id']).toBe(event.id);
      expect(verified).toMatchObject({ type: event.type, created: event.created });
      expect(Number(req.headers['webhook-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);
      // A tampered body or another secret does not verify.
      expect(() => new Webhook(api.sandbox.merchant.webhook_secret).verify(req.body.replace(/}$/, ' }'), req.headers as Record<string, string>)).toThrow();
      const other = (await api.call('POST', '/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/x', enabled_events: ['refund.failed'] })).body.secret;
      expect(() => verify(other, req)).toThrow();
    }
    const refundNotice = rec.requests.find((r) => typeOf(r) === 'refund.succeeded')!;
    expect(JSON.parse(refundNotice.body).data.object).toMatchObject({ object: 'refund', payment_id: p.id, amount: 500 });
  });

  it('a receiver answering 500, 500, 200 gets exactly three attempts with one webhook-id, all recorded', async () => {
    // Standard Webhooks verifiers reject timestamps over 5 minutes from the real time, so start the fake clock now.
    const clock = new FakeClock(Date.now());
    const api = await sandbox({ clock });
    let succeededAttempts = 0;
    const rec = await receiver((req) => {
      if (typeOf(req) !== 'payment.succeeded') return { status: 200 };
      succeededAttempts++;
      return succeededAttempts <= 2 ? { status: 500, body: `boom ${succeededAttempts}` } : { status: 200, body: 'thanks' };
    });
    const p = (await api.call('POST', '/v1/payments', paymentBody({ notify_url: rec.url }))).body;
    const event = (await api.call('GET', `/v1/events?payment_id=${p.id}&type=payment.succeeded`)).body.data[0];

    await clock.advance(0); // first attempts are due at once
    expect(succeededAttempts).toBe(1);
    await clock.advance(999);
    expect(succeededAttempts).toBe(1); // the first retry waits 1 s
    await clock.advance(1);
    expect(succeededAttempts).toBe(2);
    await clock.advance(4_999);
    expect(succeededAttempts).toBe(2); // the second waits 5 s
    await clock.advance(1);
    await api.sandbox.dispatcher.whenIdle();
    expect(succeededAttempts).toBe(3);
    await clock.advance(7 * 24 * 3_600_000);
    expect(succeededAttempts).toBe(3);

    const attempts = rec.requests.filter((r) => typeOf(r) === 'payment.succeeded');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]));
    for (const r of attempts) expect(() => verify(api.sandbox.merchant.webhook_secret, r)).not.toThrow();

    const log = await api.call('GET', `/_sandbox/deliveries?event_id=${event.id}`);
    expect(log.status).toBe(200);
    expect(log.body.data).toHaveLength(1);
    const d = log.body.data[0];
    expect(d).toMatchObject({ object: 'delivery', event_id: event.id, event_type: 'payment.succeeded', url: rec.url, kind: 'notify_url', status: 'succeeded', next_attempt_at: null });
    expect(d.secret).toBeUndefined();
    expect(d.attempts.map((a: { status: number }) => a.status)).toEqual([500, 500, 200]);
    expect(d.attempts.map((a: { response_excerpt: string }) => a.response_excerpt)).toEqual(['boom 1', 'boom 2', 'thanks']);
    expect(d.attempts.map((a: { acknowledged: boolean }) => a.acknowledged)).toEqual([false, false, true]);
    const t0 = d.attempts[0].at;
    expect(d.attempts.map((a: { at: number }) => a.at - t0)).toEqual([0, 1_000, 6_000]);
    for (const a of d.attempts) expect(a.latency_ms).toEqual(expect.any(Number));
    // And the request log shows each attempt.
    const activity = api.sandbox.activity.since(0).filter((e) => e.kind === 'delivery' && e.event_id === event.id);
    expect(activity).toHaveLength(3);
  });

  it('a receiver that keeps failing is retried on the schedule, then the delivery is failed', async () => {
    const clock = new FakeClock(Date.now());
    const api = await sandbox({ clock, retryScheduleMs: [1_000, 2_000] });
    const rec = await receiver(() => ({ status: 503 }));
    const p = (await api.call('POST', '/v1/payments', paymentBody({ notify_url: rec.url }))).body;
    await clock.runAll();
    await api.sandbox.dispatcher.whenIdle();
    const log = (await api.call('GET', '/_sandbox/deliveries')).body.data as { event_type: string; status: string; attempts: unknown[] }[];
    expect(log.map((d) => [d.event_type, d.status, d.attempts.length]).sort()).toEqual([
      ['payment.created', 'failed', 3],
      ['payment.succeeded', 'failed', 3],
    ]);
    expect(rec.requests).toHaveLength(6);
    expect((await api.call('GET', '/_sandbox/deliveries?status=failed')).body.data).toHaveLength(2);
    expect(p.status).toBe('succeeded');
  });

  it('a short real-time retry schedule delivers on the system clock too', async () => {
    const api = await sandbox({ retryScheduleMs: [20, 20] });
    let n = 0;
    const rec = await receiver((req) => (typeOf(req) === 'payment.succeeded' && ++n < 3 ? { status: 500 } : { status: 204 }));
    await api.call('POST', '/v1/payments', paymentBody({ notify_url: rec.url }));
    await waitFor(() => n === 3);
    await api.sandbox.dispatcher.whenIdle();
    const d = ((await api.call('GET', '/_sandbox/deliveries?status=succeeded')).body.data as { event_type: string; attempts: { status: number }[] }[]).find((x) => x.event_type === 'payment.succeeded')!;
    expect(d.attempts.map((a) => a.status)).toEqual([500, 500, 204]);
  });

  it('an unreachable notify_url is recorded as an attempt with an error, not a crash', async () => {
    const clock = new FakeClock(Date.now());
    const api = await sandbox({ clock, retryScheduleMs: [] });
    const gone = await startReceiver();
    await gone.close();
    await api.call('POST', '/v1/payments', paymentBody({ notify_url: gone.url }));
    await clock.advance(0);
    await api.sandbox.dispatcher.whenIdle();
    const log = (await api.call('GET', '/_sandbox/deliveries')).body.data as { status: string; attempts: { status: number | null; error: string }[] }[];
    expect(log).toHaveLength(2);
    for (const d of log) {
      expect(d.status).toBe('failed');
      expect(d.attempts[0]).toMatchObject({ status: null, error: expect.stringMatching(/ECONNREFUSED/) });
    }
  });
});

describe('webhook endpoints and --forward-to', () => {
  it('one event goes to notify_url, each matching endpoint and forwardTo, each signed with its own secret, one webhook-id', async () => {
    const notify = await receiver();
    const endpoint = await receiver();
    const forward = await receiver();
    const api = await sandbox({ forwardTo: forward.url });
    const we = (await api.call('POST', '/v1/webhook_endpoints', { url: endpoint.url, enabled_events: ['payment.succeeded'] })).body;
    const p = (await api.call('POST', '/v1/payments', paymentBody({ notify_url: notify.url }))).body;
    await waitFor(() => notify.requests.length >= 2 && endpoint.requests.length >= 1 && forward.requests.length >= 2);
    await api.sandbox.dispatcher.whenIdle();

    const succeeded = (await api.call('GET', `/v1/events?payment_id=${p.id}&type=payment.succeeded`)).body.data[0];
    const pick = (rec: Receiver) => rec.requests.find((r) => typeOf(r) === 'payment.succeeded')!;
    for (const rec of [notify, endpoint, forward]) expect(pick(rec).headers['webhook-id']).toBe(succeeded.id);
    expect(() => verify(api.sandbox.merchant.webhook_secret, pick(notify))).not.toThrow();
    expect(() => verify(api.sandbox.merchant.webhook_secret, pick(forward))).not.toThrow();
    expect(() => verify(we.secret, pick(endpoint))).not.toThrow();
    expect(() => verify(api.sandbox.merchant.webhook_secret, pick(endpoint))).toThrow();
    expect(endpoint.requests.map(typeOf)).toEqual(['payment.succeeded']);

    const kinds = ((await api.call('GET', `/_sandbox/deliveries?event_id=${succeeded.id}`)).body.data as { kind: string }[]).map((d) => d.kind).sort();
    expect(kinds).toEqual(['endpoint', 'forward', 'notify_url']);
  });

  it('forwardTo receives every event even when the payment has no notify_url', async () => {
    const forward = await receiver();
    const api = await sandbox({ forwardTo: forward.url });
    const p = (await api.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'wallet', wallet: 'alipay' } }))).body;
    await api.call('POST', `/_sandbox/buyer/${p.id}/complete`);
    await waitFor(() => forward.requests.length >= 3);
    await api.sandbox.dispatcher.whenIdle();
    expect(forward.requests.map(typeOf).sort()).toEqual(['payment.created', 'payment.pending', 'payment.succeeded']);
    for (const r of forward.requests) expect(() => verify(api.sandbox.merchant.webhook_secret, r)).not.toThrow();
  });

  it('a resent event carries the same webhook-id', async () => {
    const rec = await receiver();
    const api = await sandbox();
    const p = (await api.call('POST', '/v1/payments', paymentBody({ notify_url: rec.url }))).body;
    await waitFor(() => rec.requests.length >= 2);
    const created = (await api.call('GET', `/v1/events?payment_id=${p.id}&type=payment.created`)).body.data[0];
    const res = await api.call('POST', `/_sandbox/events/${created.id}/resend`);
    expect(res.body).toMatchObject({ ok: true, deliveries: 1 });
    await waitFor(() => rec.requests.length >= 3);
    const copies = rec.requests.filter((r) => r.headers['webhook-id'] === created.id);
    expect(copies).toHaveLength(2);
    expect(copies[0]!.body).toBe(copies[1]!.body);
  });
});
