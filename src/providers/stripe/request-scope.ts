/**
 * The request a unit of work serves and the unit itself, while it runs. The core raises domain events and
 * maps them to notifications synchronously inside the unit of work, so what is in scope then is the
 * request that caused them (for the events' `request.id` and `request.idempotency_key`) and the unit that
 * can store them (so `/v1/events` lists every event, sent to an endpoint or not).
 */
import type { StripeUnit } from './stripe-state.js';
import type { RequestInfo } from './wire-objects.js';

interface Scope {
  request: RequestInfo;
  unit: StripeUnit | null;
}

const NONE: Scope = { request: { id: null, idempotency_key: null }, unit: null };
let current: Scope = NONE;

export function inScope<T>(request: RequestInfo, unit: StripeUnit, fn: () => T): T {
  const previous = current;
  current = { request, unit };
  try {
    return fn();
  } finally {
    current = previous;
  }
}

export const currentRequest = (): RequestInfo => current.request;
export const currentUnit = (): StripeUnit | null => current.unit;
