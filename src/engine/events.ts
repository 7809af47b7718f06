import type { EngineContext, EventType, Payment, PaycliEvent, Refund } from './types.js';

/** An event records one state change with a snapshot of the object as it became. */
export function makeEvent(ctx: EngineContext, type: EventType, object: Payment | Refund): PaycliEvent {
  return {
    id: ctx.newId('evt'),
    object: 'event',
    merchant_id: object.merchant_id,
    type,
    created: Math.floor(ctx.nowMs / 1000),
    data: { object },
  };
}

/** Whether an event type matches a webhook endpoint's filter (`*`, exact, or a `payment.*` prefix). */
export function eventMatches(filter: readonly string[], type: string): boolean {
  return filter.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
}
