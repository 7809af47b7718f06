import type { EngineContext, Payment, PaycliEvent, PaymentEvent, PaymentEventType, Refund, RefundEvent, RefundEventType } from './types.js';

/** An event records one state change with a snapshot of the object as it became. */
export function makeEvent(ctx: EngineContext, type: PaymentEventType, object: Payment): PaymentEvent;
export function makeEvent(ctx: EngineContext, type: RefundEventType, object: Refund): RefundEvent;
export function makeEvent(ctx: EngineContext, type: PaymentEventType | RefundEventType, object: Payment | Refund): PaycliEvent {
  return {
    id: ctx.newId('evt'),
    object: 'event',
    merchant_id: object.merchant_id,
    type,
    created: Math.floor(ctx.nowMs / 1000),
    data: { object },
  } as PaycliEvent;
}

/** Whether an event is about a refund (`refund.*`); every other event is about a payment (`payment.*`). */
export function isRefundEvent(event: PaycliEvent): event is RefundEvent {
  return event.type.startsWith('refund.');
}

/** The payment an event is about: the payment itself, or a refund's payment. */
export function paymentIdOf(event: PaycliEvent): string {
  return isRefundEvent(event) ? event.data.object.payment_id : event.data.object.id;
}

/** Whether an event type matches a webhook endpoint's filter (`*`, exact, or a `payment.*` prefix). */
export function eventMatches(filter: readonly string[], type: string): boolean {
  return filter.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
}
