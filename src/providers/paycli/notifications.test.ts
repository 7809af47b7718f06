import { randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { Payment, PaycliEvent } from '../../engine/types.js';
import { PAYCLI_RETRY_SCHEDULE_MS, paycliNotificationProtocol } from './notifications.js';
import { toNativePayment } from './serialize.js';

const secret = `whsec_${randomBytes(24).toString('base64')}`;
const nowSec = () => Math.floor(Date.now() / 1000);
const buyerUrl = (id: string) => `http://127.0.0.1:4242/_sandbox/buyer/${id}`;
const protocol = paycliNotificationProtocol(buyerUrl);

const payment = {
  id: 'pay_123',
  merchant_id: 'mch_1',
  merchant_order_id: 'order-1',
  amount: 1999,
  currency: 'EUR',
  status: 'succeeded',
} as Payment;
const event: PaycliEvent = { id: 'evt_123', object: 'event', merchant_id: 'mch_1', type: 'payment.succeeded', created: 1767225600, data: { object: payment } };

describe('paycli notification protocol', () => {
  it('serialises the event without merchant_id', () => {
    const { body } = protocol.sign(event, secret, { timestampSec: nowSec() });
    expect(JSON.parse(body)).toEqual({ id: 'evt_123', type: 'payment.succeeded', created: 1767225600, data: { object: toNativePayment(payment, buyerUrl) } });
    expect(JSON.parse(body)).not.toHaveProperty('merchant_id');
  });

  it('sends JSON, a paycli user agent and the Standard Webhooks headers', () => {
    const ts = nowSec();
    const { headers } = protocol.sign(event, secret, { timestampSec: ts });
    expect(headers['content-type']).toBe('application/json');
    expect(headers['user-agent']).toMatch(/^paycli-sandbox\/\S+$/);
    expect(headers['webhook-id']).toBe('evt_123');
    expect(headers['webhook-timestamp']).toBe(String(ts));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('is accepted by the standardwebhooks verifier', () => {
    const { headers, body } = protocol.sign(event, secret, { timestampSec: nowSec() });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('keeps webhook-id across sends at different times (receivers deduplicate on it)', () => {
    const a = protocol.sign(event, secret, { timestampSec: nowSec() });
    const b = protocol.sign(event, secret, { timestampSec: nowSec() + 3600 });
    expect(b.headers['webhook-id']).toBe(a.headers['webhook-id']);
    expect(b.headers['webhook-signature']).not.toBe(a.headers['webhook-signature']);
  });

  it('does not verify with another secret', () => {
    const { headers, body } = protocol.sign(event, secret, { timestampSec: nowSec() });
    const other = `whsec_${randomBytes(24).toString('base64')}`;
    expect(() => new Webhook(other).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it.each([
    { probe: 'tampered' as const, message: /No matching signature/, timestampShift: 0 },
    { probe: 'stale' as const, message: /too old/, timestampShift: -600 },
  ])('a $probe probe is rejected by the verifier', ({ probe, message, timestampShift }) => {
    const ts = nowSec();
    const { headers, body } = protocol.sign(event, secret, { timestampSec: ts, probe });
    expect(headers['webhook-id']).toBe('evt_123');
    expect(headers['webhook-timestamp']).toBe(String(ts + timestampShift));
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(message);
  });

  it('signs a stale probe validly (only its age is wrong)', () => {
    const ts = nowSec();
    const { headers, body } = protocol.sign(event, secret, { timestampSec: ts, probe: 'stale' });
    const expected = new Webhook(secret).sign('evt_123', new Date((ts - 600) * 1000), body);
    expect(headers['webhook-signature']).toBe(expected);
  });

  it('signs a forged probe validly with another secret: the genuine body, refused by the endpoint secret', () => {
    const ts = nowSec();
    const genuine = protocol.sign(event, secret, { timestampSec: ts });
    const { headers, body } = protocol.sign(event, secret, { timestampSec: ts, probe: 'forged' });
    expect(body).toBe(genuine.body);
    expect(headers['webhook-timestamp']).toBe(String(ts));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(headers['webhook-signature']).not.toBe(genuine.headers['webhook-signature']);
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/No matching signature/);
  });

  it('keeps the body of a tampered probe genuine', () => {
    const ts = nowSec();
    expect(protocol.sign(event, secret, { timestampSec: ts, probe: 'tampered' }).body).toBe(
      protocol.sign(event, secret, { timestampSec: ts }).body,
    );
  });

  it.each([
    [200, true],
    [201, true],
    [204, true],
    [299, true],
    [199, false],
    [301, false],
    [400, false],
    [410, false],
    [500, false],
  ])('status %i acknowledged: %s', (status, ack) => {
    expect(protocol.isAcknowledged(status, '')).toBe(ack);
  });

  it('retries 1s, 5s, 30s, 2m, 10m, 1h, 3h, 6h, 12h, 24h and times out after 10 s', () => {
    const s = 1000;
    const h = 3_600_000;
    expect(PAYCLI_RETRY_SCHEDULE_MS).toEqual([1 * s, 5 * s, 30 * s, 120 * s, 600 * s, 1 * h, 3 * h, 6 * h, 12 * h, 24 * h]);
    expect(protocol.defaultRetryScheduleMs).toBe(PAYCLI_RETRY_SCHEDULE_MS);
    expect(protocol.defaultTimeoutMs).toBe(10_000);
    expect(protocol.name).toBe('paycli');
  });
});
