/**
 * How Stripe events are kept in `stripe_events`: the envelope as fields, its `data` (the intent, charge or
 * refund as it was, and `previous_attributes`) as the JSON text it serialises to, in `data_json`.
 *
 * Why text: an event is written once and read rarely (`/v1/events`), but a create-and-confirm keeps three
 * of them, each a deep copy of a wire object. Held as objects, every one of their ~20 nested objects stays
 * in the heap for the garbage collector to copy and mark for as long as the sandbox runs; held as one
 * string it costs a flat block. Reading gives back the same bytes: JSON text parsed and serialised again
 * is the text it was, and `data` is parsed only when something reads it (a page of `/v1/events`, not the
 * whole list being filtered and sorted).
 *
 * Events stored whole (`data` as an object) by earlier versions read as they are.
 */
import type { StripeEventDoc } from './stripe-state.js';

/** An event as `stripe_events` holds it now. */
export type StoredStripeEvent = Omit<StripeEventDoc, 'data'> & { data_json: string };

/** The document to store for an event: the same fields in the same order, `data` as its JSON text. */
export function toStoredEvent(event: StripeEventDoc): StoredStripeEvent {
  const stored: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'data') stored.data_json = JSON.stringify(value);
    else stored[key] = value;
  }
  return stored as StoredStripeEvent;
}

/**
 * The event a stored document holds, fields in their stored order. `data` is parsed on first read (a
 * getter that then replaces itself with the value), so filtering and sorting by the envelope parse nothing.
 */
export function fromStoredEvent(doc: StoredStripeEvent | StripeEventDoc): StripeEventDoc {
  if (!('data_json' in doc)) return doc;
  const event: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key !== 'data_json') {
      event[key] = value;
      continue;
    }
    const text = value as string;
    Object.defineProperty(event, 'data', {
      enumerable: true,
      configurable: true,
      get() {
        const data: unknown = JSON.parse(text);
        Object.defineProperty(event, 'data', { value: data, enumerable: true, configurable: true, writable: true });
        return data;
      },
    });
  }
  return event as unknown as StripeEventDoc;
}
