/**
 * PSP API faults: rules that make matching API requests fail the way a real PSP's API sometimes does
 * (a 500 or 503, a 429 with Retry-After, a slow answer, no answer at all, a reset connection), so an app's
 * retry logic can be tested. Provider-neutral: a rule names a provider (or `*`), a method, a path pattern,
 * and how often it applies (the next N matching requests, or a percentage drawn from a seeded random, so a
 * run is reproducible). How a fault looks on the wire is each provider's business (fault-middleware.ts).
 */
import { seededRandom } from '../core/ids.js';

export type FaultKind = '500' | '503' | '429' | 'delay' | 'hang' | 'reset';
export const FAULT_KINDS: readonly FaultKind[] = ['500', '503', '429', 'delay', 'hang', 'reset'];

export interface FaultRuleInput {
  /** A provider name (`paycli`, …) or `*` for every provider. */
  provider: string;
  /** An HTTP method or `*`. */
  method: string;
  /** A path pattern; `*` matches any characters (`/v1/payments*`). */
  path: string;
  fault: FaultKind;
  /** 429: the Retry-After header, in seconds. */
  retry_after_s: number | null;
  /** delay: how long to hold the request before it is handled normally, in milliseconds. */
  delay_ms: number | null;
  /** Apply to the next N matching requests, then the rule is gone; null with `percent` or for all. */
  times: number | null;
  /** Apply to this share of matching requests (1–100), drawn from a random seeded with `seed`. */
  percent: number | null;
  seed: string | null;
}

export interface FaultRule extends FaultRuleInput {
  id: string;
  object: 'fault_rule';
  /** How many requests the rule has faulted so far. */
  applied: number;
}

export interface FaultTarget {
  provider: string;
  method: string;
  path: string;
}

/** A fault chosen for one request. */
export interface FaultDecision {
  rule: FaultRule;
  fault: FaultKind;
}

function patternToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/**
 * The armed rules, in the order armed; a request takes the first rule that matches it (and, for a
 * percentage rule, whose draw hits), and only that one.
 *
 * @example
 * const faults = new FaultRules();
 * faults.add({ provider: '*', method: 'POST', path: '/v1/payments', fault: '503', times: 1, … });
 * faults.take({ provider: 'paycli', method: 'POST', path: '/v1/payments' }); // { rule, fault: '503' }
 */
export class FaultRules {
  private rules: { rule: FaultRule; re: RegExp; draw: () => number }[] = [];
  private seq = 0;

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: `fault_${++this.seq}`, object: 'fault_rule', applied: 0 };
    const random = seededRandom(input.seed ?? rule.id);
    // A uniform draw in [0, 1) from four seeded bytes: the same seed gives the same faulted requests.
    this.rules.push({ rule, re: patternToRegExp(input.path), draw: () => random.bytes(4).readUInt32BE(0) / 2 ** 32 });
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r.rule }));
  }

  /** Removes one rule; false when there is no such rule. */
  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.rule.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for one request, if a rule applies; uses one of the rule's `times`. */
  take(target: FaultTarget): FaultDecision | null {
    for (const entry of this.rules) {
      const { rule } = entry;
      if (rule.provider !== '*' && rule.provider !== target.provider) continue;
      if (rule.method !== '*' && rule.method !== target.method.toUpperCase()) continue;
      if (!entry.re.test(target.path)) continue;
      if (rule.percent !== null && entry.draw() * 100 >= rule.percent) continue;
      rule.applied++;
      if (rule.times !== null && rule.applied >= rule.times) this.rules = this.rules.filter((r) => r !== entry);
      return { rule: { ...rule }, fault: rule.fault };
    }
    return null;
  }
}
