import { describe, expect, it } from 'vitest';
import type { PaycliEvent, Refund } from '../engine/types.js';
import { MemoryStore } from '../store/memory-store.js';
import { PaymentRelations } from './payment-relations.js';

const event = (id: string, type: string, object: Record<string, unknown>) => ({ id, object: 'event', merchant_id: 'mch_1', type, created: 0, data: { object } }) as unknown as PaycliEvent;
const refund = (id: string, payment_id: string) => ({ id, merchant_id: 'mch_1', payment_id }) as unknown as Refund;

describe('PaymentRelations', () => {
  it("indexes each payment's events (its own and its refunds') and refunds, oldest first, across a rebuild", async () => {
    const store = new MemoryStore();
    await store.open();
    const docs = [event('evt_1', 'payment.created', { id: 'pay_1' }), event('evt_2', 'payment.created', { id: 'pay_2' }), event('evt_3', 'refund.succeeded', { id: 're_1', payment_id: 'pay_1' })];
    for (const e of docs) store.put('events', e);
    store.put('refunds', refund('re_1', 'pay_1'));
    const related = new PaymentRelations();
    related.rebuild(store);
    expect(related.eventsOf(store, 'pay_1').map((e) => e.id)).toEqual(['evt_1', 'evt_3']);
    expect(related.refundsOf(store, 'pay_1').map((r) => r.id)).toEqual(['re_1']);

    const more = event('evt_4', 'payment.succeeded', { id: 'pay_1' });
    store.put('events', more);
    related.addEvent(more);
    related.addEvent(more); // stored again (a resend): listed once
    expect(related.eventsOf(store, 'pay_1').map((e) => e.id)).toEqual(['evt_1', 'evt_3', 'evt_4']);
    expect(related.eventsOf(store, 'pay_2').map((e) => e.id)).toEqual(['evt_2']);
    expect(related.eventsOf(store, 'pay_none')).toEqual([]);
    expect(related.refundsOf(store, 'pay_2')).toEqual([]);
  });
});
