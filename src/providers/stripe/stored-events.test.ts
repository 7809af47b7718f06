import { describe, expect, test } from 'vitest';
import { fromStoredEvent, toStoredEvent } from './stored-events.js';
import type { StripeEventDoc } from './stripe-state.js';

const event: StripeEventDoc = {
  id: 'evt_1',
  object: 'event',
  merchant_id: 'mch_1',
  api_version: '2026-10-28.endive',
  created: 1_780_000_000,
  type: 'charge.refunded',
  data: {
    object: { id: 'ch_1', object: 'charge', amount: 2000, refunds: { object: 'list', data: [{ id: 're_1', failure_reason: undefined, note: 'a "quoted" \u2028 text' }] }, metadata: {} },
    previous_attributes: { amount_refunded: 0 },
  },
  livemode: false,
  pending_webhooks: 1,
  request: { id: 'req_1', idempotency_key: null },
};

describe('stored Stripe events', () => {
  test('keep the envelope as fields and data as its JSON text, in the same place', () => {
    const stored = toStoredEvent(event);
    expect(Object.keys(stored)).toEqual(['id', 'object', 'merchant_id', 'api_version', 'created', 'type', 'data_json', 'livemode', 'pending_webhooks', 'request']);
    expect(stored.data_json).toBe(JSON.stringify(event.data));
  });

  test('read back as the bytes the event serialised to, through a reload from disk too', () => {
    const stored = toStoredEvent(event);
    expect(JSON.stringify(fromStoredEvent(stored))).toBe(JSON.stringify(event));
    const reloaded = JSON.parse(JSON.stringify(stored));
    expect(JSON.stringify(fromStoredEvent(reloaded))).toBe(JSON.stringify(event));
    const { merchant_id: _m, ...wire } = fromStoredEvent(reloaded);
    const { merchant_id: _n, ...expected } = event;
    expect(JSON.stringify(wire)).toBe(JSON.stringify(expected));
  });

  test('parse data once, when it is read', () => {
    const read = fromStoredEvent(toStoredEvent(event));
    expect(read.type).toBe('charge.refunded');
    const first = read.data;
    expect(first.previous_attributes).toEqual({ amount_refunded: 0 });
    expect(read.data).toBe(first);
  });

  test('an event stored whole by an earlier version reads as it is', () => {
    expect(fromStoredEvent(event)).toBe(event);
  });
});
