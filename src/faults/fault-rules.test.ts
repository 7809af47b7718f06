import { describe, expect, it } from 'vitest';
import { FaultRules, type FaultRuleInput } from './fault-rules.js';

const rule = (over: Partial<FaultRuleInput>): FaultRuleInput => ({
  provider: '*',
  method: '*',
  path: '*',
  fault: '503',
  retry_after_s: null,
  delay_ms: null,
  times: null,
  percent: null,
  seed: null,
  ...over,
});

describe('FaultRules', () => {
  it('matches provider, method and path pattern; the first matching rule wins; times runs out', () => {
    const rules = new FaultRules();
    const a = rules.add(rule({ provider: 'stripe', fault: '500' }));
    const b = rules.add(rule({ method: 'POST', path: '/v1/payments*', fault: '429', times: 2 }));
    rules.add(rule({ fault: 'reset' }));
    const req = { provider: 'paycli', method: 'post', path: '/v1/payments/pay_1/capture' };
    expect(rules.take(req)).toMatchObject({ fault: '429', rule: { id: b.id, applied: 1 } });
    expect(rules.take(req)).toMatchObject({ fault: '429', rule: { id: b.id, applied: 2 } });
    expect(rules.take(req)).toMatchObject({ fault: 'reset' });
    expect(rules.take({ provider: 'stripe', method: 'GET', path: '/x' })).toMatchObject({ rule: { id: a.id } });
    expect(rules.list().map((r) => r.id)).not.toContain(b.id);
  });

  it('a percentage draws from a random seeded per rule: the same seed, the same requests', () => {
    const pattern = (seed: string) => {
      const rules = new FaultRules();
      rules.add(rule({ percent: 30, seed }));
      return Array.from({ length: 200 }, () => rules.take({ provider: 'paycli', method: 'GET', path: '/v1/x' }) !== null);
    };
    const a = pattern('s1');
    expect(pattern('s1')).toEqual(a);
    expect(pattern('s2')).not.toEqual(a);
    const share = a.filter(Boolean).length / a.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.45);
  });

  it('remove and clear', () => {
    const rules = new FaultRules();
    const a = rules.add(rule({}));
    expect(rules.remove(a.id)).toBe(true);
    expect(rules.remove(a.id)).toBe(false);
    rules.add(rule({}));
    rules.clear();
    expect(rules.take({ provider: 'paycli', method: 'GET', path: '/' })).toBeNull();
  });
});
