/**
 * Recognises an app that answers a scenario's notification as one it has seen before. Event ids come from
 * the run's seed, so a run repeated with the same `--seed` against the same app process repeats them, and
 * an app that deduplicates correctly then ignores the "new" notifications: the failure that follows would
 * read like an app bug. This names the real cause.
 */
import type { DeliveryRecord, Failure } from './results.js';

/** An answer body that says "duplicate" in the ways apps usually do. */
const DUPLICATE_ANSWER = /duplicate|already (processed|received|seen|handled)/i;

/**
 * A note for a failed scenario when the first answer the app gave to some event of it reads as a
 * duplicate; null otherwise.
 */
export function seenBeforeNote(deliveries: readonly DeliveryRecord[], seed: string): Failure | null {
  const first = new Map<string, { at: number; response: string }>();
  for (const d of deliveries) {
    if (d.probe) continue;
    for (const a of d.attempts) {
      if (a.simulated || a.status === null) continue;
      const known = first.get(d.event_id);
      if (!known || a.at_ms < known.at) first.set(d.event_id, { at: a.at_ms, response: a.response });
    }
  }
  const seen = [...first.entries()].filter(([, a]) => DUPLICATE_ANSWER.test(a.response)).map(([id]) => id);
  if (seen.length === 0) return null;
  return {
    step: null,
    check: 'app.seen_before',
    message: `the app answered the first delivery of ${seen.join(', ')} as a duplicate: it saw ${seen.length === 1 ? 'this event id' : 'these event ids'} before this run`,
    hint: `Ids come from the seed (${seed}): a run repeated with the same --seed against the same app process repeats them. Restart the app, or run without --seed (each run gets a fresh one).`,
  };
}
