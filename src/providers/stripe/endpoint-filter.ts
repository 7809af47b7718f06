import type { WebhookEndpointDoc } from './stripe-state.js';

/** Whether an endpoint wants an event type (`*`, exact, or a `prefix.*` filter). */
export function endpointWants(we: WebhookEndpointDoc, type: string): boolean {
  if (we.status !== 'enabled') return false;
  return we.enabled_events.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
}
