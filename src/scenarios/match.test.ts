import { describe, expect, it } from 'vitest';
import { describeChange, describeMismatches, matchSubset } from './match.js';

describe('partial matching', () => {
  it('matches subsets of objects and whole arrays', () => {
    expect(matchSubset({ status: 'paid', extra: 1, items: [{ sku: 'a', q: 1 }] }, { status: 'paid', items: [{ sku: 'a' }] })).toEqual([]);
    expect(describeMismatches(matchSubset({ status: 'pending', items: [] }, { status: 'paid', items: [1], gone: null }))).toBe(
      'status is "pending", expected "paid"; items is [], expected [1]; gone is missing, expected null',
    );
  });

  it('describes what changed between two answers', () => {
    expect(describeChange({ a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 }, d: 'x' })).toEqual(['b.c 2 → 3', 'd nothing → "x"']);
  });
});
