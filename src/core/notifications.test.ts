import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import type { Merchant } from '../engine/types.js';
import { PaycliError } from '../errors.js';
import { MemoryStore } from '../store/memory-store.js';
import { WebhookDispatcher, type Delivery, type DeliverySigner } from '../webhooks/dispatcher.js';
import { ChaosRules } from './chaos-rules.js';
import { Notifier, type NotificationTarget, type ProviderNotifications, type StoredNotification } from './notifications.js';

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const merchant = { id: 'mch_1' } as Merchant;

const HOOK: NotificationTarget = { url: 'http://127.0.0.1:9/hook', kind: 'endpoint', endpoint_id: 'we_1' };

/** A protocol whose own notifications go to `own` (`ownTargets`), or one that has none (null). */
function protocol(own: NotificationTarget[] | null): ProviderNotifications {
  return {
    for: () => [],
    targets: () => [],
    ...(own ? { ownTargets: () => own } : {}),
    sign: () => ({ headers: {}, body: '' }),
    isAcknowledged: () => true,
    retryScheduleMs: [],
    timeoutMs: 1000,
  };
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function setup(opts: { forwardTo?: string | null; ownTargets?: NotificationTarget[] | null } = {}) {
  const store = new MemoryStore();
  const clock = new FakeClock(T0);
  let n = 0;
  const signer = {} as DeliverySigner; // never asked: the clock is not advanced, so nothing is sent
  const dispatcher = new WebhookDispatcher({ store, clock, signer, newId: (p) => `${p}_${++n}` });
  cleanup.push(() => dispatcher.close());
  const chaos = new ChaosRules();
  const lookup = protocol(opts.ownTargets === undefined ? [HOOK] : opts.ownTargets);
  const notifier = new Notifier({ store, dispatcher, chaos, protocols: (name) => (name === 'acme' ? lookup : undefined), forwardTo: opts.forwardTo ?? null, buyerUrl: (id) => id });
  const own = { id: 'evt_own_1', type: 'customer.created', payload: { id: 'cus_1' } };
  return { store, chaos, notifier, own };
}

describe('Notifier.notify: a provider notification with no domain event behind it', () => {
  it('stores it as its own event and stages a delivery per own target and --forward-to', () => {
    const { store, notifier, own } = setup({ forwardTo: 'http://127.0.0.1:9/forward' });
    notifier.notify('acme', merchant, own, T0);
    // No domain event yet: it comes first in the timeline.
    expect(store.get<StoredNotification>('notifications', own.id)).toEqual({ ...own, provider: 'acme', merchant_id: 'mch_1', event_id: own.id, created: T0, after_event: null });
    const deliveries = store.list<Delivery>('deliveries');
    expect(deliveries.map((d) => [d.kind, d.url, d.endpoint_id, d.event_id, d.event_type, d.status])).toEqual([
      ['endpoint', 'http://127.0.0.1:9/hook', 'we_1', own.id, 'customer.created', 'pending'],
      ['forward', 'http://127.0.0.1:9/forward', null, own.id, 'customer.created', 'pending'],
    ]);
  });

  it('takes chaos rules that match its type and name no payment, never those about a payment', () => {
    const { store, chaos, notifier, own } = setup();
    chaos.add({ events: ['*'], payment_id: 'pay_1', chaos: { duplicates: 3 }, remaining: null });
    chaos.add({ events: ['payment.*'], chaos: { duplicates: 3 }, remaining: null });
    chaos.add({ events: ['*'], chaos: { duplicates: 1 }, remaining: 1 });
    notifier.notify('acme', merchant, own, T0);
    expect(store.list<Delivery>('deliveries')).toHaveLength(2);
    expect(chaos.list()).toHaveLength(2);
  });

  it('stores it without deliveries when it goes nowhere (it is still an event to show, resend and replay)', () => {
    const nowhere = setup({ ownTargets: [] });
    expect(nowhere.notifier.notify('acme', merchant, nowhere.own, T0).id).toBe(nowhere.own.id);
    expect(nowhere.store.get<StoredNotification>('notifications', nowhere.own.id)).toMatchObject({ id: nowhere.own.id, event_id: nowhere.own.id });
    expect(nowhere.store.count('deliveries')).toBe(0);
  });

  it('follows the newest domain event in the timeline', () => {
    const { store, notifier, own } = setup();
    store.put('events', { id: 'evt_domain_1', merchant_id: 'mch_1', created: T0 / 1000 } as never);
    notifier.notify('acme', merchant, own, T0);
    expect(store.get<StoredNotification & { after_event?: string | null }>('notifications', own.id)!.after_event).toBe('evt_domain_1');
  });

  it('resends it (same id) to its destinations now, or to one URL', () => {
    const { store, notifier, own } = setup({ forwardTo: 'http://127.0.0.1:9/forward' });
    const stored = notifier.notify('acme', merchant, own, T0);
    expect(notifier.resendOwn(stored, merchant, undefined, { retry: false })).toBe(2);
    expect(notifier.resendOwn(stored, merchant, 'http://127.0.0.1:9/other')).toBe(1);
    const deliveries = store.list<Delivery>('deliveries');
    expect(deliveries.map((d) => [d.kind, d.url, d.notification_id])).toEqual([
      ['endpoint', 'http://127.0.0.1:9/hook', own.id],
      ['forward', 'http://127.0.0.1:9/forward', own.id],
      ['endpoint', 'http://127.0.0.1:9/hook', own.id],
      ['forward', 'http://127.0.0.1:9/forward', own.id],
      ['forward', 'http://127.0.0.1:9/other', own.id],
    ]);
    expect(deliveries[2]!.retry).toBe(false);
  });

  it('refuses a provider without ownTargets and a reused id', () => {
    const quiet = setup({ ownTargets: null });
    const err = (() => {
      try {
        quiet.notifier.notify('acme', merchant, quiet.own, T0);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PaycliError);
    expect((err as PaycliError).code).toBe('internal_error');

    const { store, notifier, own } = setup();
    notifier.notify('acme', merchant, own, T0);
    expect(() => notifier.notify('acme', merchant, own, T0)).toThrow(/exists already/);
    expect(store.list<Delivery>('deliveries')).toHaveLength(1);
  });
});
