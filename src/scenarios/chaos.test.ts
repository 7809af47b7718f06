import { describe, expect, it } from 'vitest';
import { chaosRules, reorderWaitMs, REORDER_SLOTS } from './chaos.js';

describe('notification behaviour as chaos rules', () => {
  it('maps the options one to one', () => {
    expect(chaosRules({ delay: 60_000, duplicate: 2, drop: true, fail_first: 1, signature: 'stale' })).toEqual([
      { events: ['*'], destinations: null, remaining: null, chaos: { delayMs: 60_000, duplicates: 2, drop: true, failFirst: 1, probe: 'stale' } },
    ]);
  });

  it('builds reorder from one-use rules with falling delays', () => {
    const rules = chaosRules({ events: ['payment.*'], reorder: true });
    expect(rules).toHaveLength(REORDER_SLOTS);
    expect(rules.map((r) => r.chaos.delayMs)).toEqual([7000, 6000, 5000, 4000, 3000, 2000, 1000, 0]);
    expect(rules.every((r) => r.remaining === 1 && r.destinations?.join() === 'notify_url')).toBe(true);
    expect(reorderWaitMs({ reorder: true })).toBe(7000);
    expect(reorderWaitMs({ reorder: true, delay: 5000 }, undefined)).toBe(0);
  });
});
