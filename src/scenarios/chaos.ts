/**
 * Turns a scenario's `notifications:` behaviour into the sandbox's chaos rules. `reorder` has no rule of its
 * own: it is built from per-event delays. Rules are consumed in order, one per notification, so the first
 * event a step raises gets the longest delay and the last the shortest, which reverses their order.
 */
import type { ChaosRuleInput } from './scenario-sandbox.js';
import type { Behaviour } from './schema.js';

/** How many notifications of one step `reorder` can reverse. */
export const REORDER_SLOTS = 8;
/** Virtual time between reordered notifications. */
export const REORDER_GAP_MS = 1000;

/** How rules find their notifications: provider scenarios name notification types and may be notified by forwarding. */
export interface ChaosTarget {
  /** `notification`: `events` names the provider's notification types. Default `event` (the native types). */
  match?: 'event' | 'notification';
  /** The destination kind whose deliveries `reorder` reverses (default `notify_url`). */
  destination?: string;
}

/** The chaos rules for one behaviour (none for undefined). */
export function chaosRules(b: Behaviour | undefined, target: ChaosTarget = {}): ChaosRuleInput[] {
  if (!b) return [];
  const events = b.events ?? ['*'];
  const match = target.match && target.match !== 'event' ? { match: target.match } : {};
  const chaos = {
    ...(b.delay !== undefined ? { delayMs: b.delay } : {}),
    ...(b.duplicate !== undefined ? { duplicates: b.duplicate } : {}),
    ...(b.drop !== undefined ? { drop: b.drop } : {}),
    ...(b.fail_first !== undefined ? { failFirst: b.fail_first } : {}),
    ...(b.signature !== undefined ? { probe: b.signature } : {}),
  };
  if (!b.reorder) return [{ events, ...match, destinations: null, remaining: null, chaos }];
  // One-use rules, for the app's destination only: another destination would consume slots too.
  return Array.from({ length: REORDER_SLOTS }, (_, i) => ({
    events,
    ...match,
    destinations: [target.destination ?? 'notify_url'],
    remaining: 1,
    chaos: { ...chaos, delayMs: (b.delay ?? 0) + (REORDER_SLOTS - 1 - i) * REORDER_GAP_MS },
  }));
}

/** Virtual time a step waits after its action so its reordered notifications all arrive (unless it set a delay). */
export function reorderWaitMs(...behaviours: (Behaviour | undefined)[]): number {
  return behaviours.some((b) => b?.reorder && b.delay === undefined) ? (REORDER_SLOTS - 1) * REORDER_GAP_MS : 0;
}
