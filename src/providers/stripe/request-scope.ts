/**
 * The request a unit of work serves and the unit itself, while it runs. The core raises domain events and
 * maps them to notifications synchronously inside the unit of work, so what is in scope then is the
 * request that caused them (for the events' `request.id` and `request.idempotency_key`) and the unit that
 * can store them (so `/v1/events` lists every event, sent to an endpoint or not).
 */
import type { StripeEventDoc, StripeUnit } from './stripe-state.js';
import type { RequestInfo } from './wire-objects.js';

interface Scope {
  request: RequestInfo;
  unit: StripeUnit | null;
  /** Stripe events already rendered for a domain event (by its id), so they are rendered once per unit. */
  rendered: Map<string, StripeEventDoc[]>;
}

const NONE: Scope = { request: { id: null, idempotency_key: null }, unit: null, rendered: new Map() };
let current: Scope = NONE;

export function inScope<T>(request: RequestInfo, unit: StripeUnit, fn: () => T): T {
  const previous = current;
  current = { request, unit, rendered: new Map() };
  try {
    return fn();
  } finally {
    current = previous;
  }
}

export const currentRequest = (): RequestInfo => current.request;
export const currentUnit = (): StripeUnit | null => current.unit;

/** Inside a unit of work: the events rendered for a domain event, or renders them and keeps them. */
export function renderedOnce(eventId: string, render: () => StripeEventDoc[]): StripeEventDoc[] {
  if (!current.unit) return render();
  let docs = current.rendered.get(eventId);
  if (!docs) current.rendered.set(eventId, (docs = render()));
  return docs;
}
