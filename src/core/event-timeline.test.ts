import { describe, expect, it } from 'vitest';
import type { PaycliEvent } from '../engine/types.js';
import type { StoredNotification } from '../webhooks/delivery.js';
import { isOwnNotification, mergeTimeline, type OwnNotification } from './event-timeline.js';

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const event = (id: string, atMs: number, merchant_id = 'mch_1') => ({ id, merchant_id, created: Math.floor(atMs / 1000) }) as PaycliEvent;
const own = (id: string, atMs: number, after_event?: string | null, merchant_id = 'mch_1'): OwnNotification => ({
  id,
  type: 'customer.created',
  payload: {},
  provider: 'acme',
  merchant_id,
  event_id: id,
  created: atMs,
  ...(after_event !== undefined ? { after_event } : {}),
});
/** A domain event's notification: it names its event. */
const ofEvent = (id: string, eventId: string): StoredNotification => ({ id, type: 'charge.succeeded', payload: {}, provider: 'acme', merchant_id: 'mch_1', event_id: eventId, created: T0 });

function ids(events: PaycliEvent[], notifications: StoredNotification[], merchantId?: string): string[] {
  const known = new Set(events.map((e) => e.id));
  return mergeTimeline(events, notifications, (id) => known.has(id), merchantId).map((e) => `${e.kind === 'event' ? 'E' : 'N'}:${e.id}`);
}

describe('mergeTimeline', () => {
  it('places each own notification after the event it follows, and those before any event first', () => {
    const events = [event('evt_1', T0), event('evt_2', T0), event('evt_3', T0)];
    // All in one second: only the recorded order can tell them apart.
    const notifications = [own('n_first', T0, null), ofEvent('n_charge', 'evt_2'), own('n_a', T0, 'evt_2'), own('n_b', T0, 'evt_2'), own('n_c', T0, 'evt_3')];
    expect(ids(events, notifications)).toEqual(['N:n_first', 'E:evt_1', 'E:evt_2', 'N:n_a', 'N:n_b', 'E:evt_3', 'N:n_c']);
  });

  it('keeps one merchant, even when the event a notification follows is another merchant’s', () => {
    const events = [event('evt_1', T0), event('evt_x', T0, 'mch_2'), event('evt_2', T0)];
    const notifications = [own('n_1', T0, 'evt_x'), own('n_other', T0, 'evt_1', 'mch_2')];
    expect(ids(events, notifications, 'mch_1')).toEqual(['E:evt_1', 'N:n_1', 'E:evt_2']);
    expect(ids(events, notifications)).toEqual(['E:evt_1', 'N:n_other', 'E:evt_x', 'N:n_1', 'E:evt_2']);
  });

  it('places notifications of data files of earlier versions (or after an event now gone) by their time', () => {
    const events = [event('evt_1', T0), event('evt_2', T0 + 5_000)];
    const notifications = [own('n_early', T0 - 1_000), own('n_old', T0 + 2_000), own('n_gone', T0 + 7_000, 'evt_gone')];
    expect(ids(events, notifications)).toEqual(['N:n_early', 'E:evt_1', 'N:n_old', 'E:evt_2', 'N:n_gone']);
  });
});

describe('isOwnNotification', () => {
  it('is a notification standing for itself: a native one shares its event’s id, but that event exists', () => {
    const has = (id: string) => id === 'evt_native';
    expect(isOwnNotification(own('evt_stripe', T0), has)).toBe(true);
    expect(isOwnNotification({ ...own('evt_native', T0) }, has)).toBe(false);
    expect(isOwnNotification(ofEvent('notify_1', 'evt_native'), has)).toBe(false);
  });
});
