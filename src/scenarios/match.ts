/** Partial JSON matching for expectations: the expected value lists what must be there, nothing more. */

export interface Mismatch {
  /** e.g. `status` or `items[0].sku`; empty for the whole value. */
  path: string;
  expected: unknown;
  actual: unknown;
}

/**
 * Compares `actual` with `expected`: objects match when every expected key matches (extra keys are fine),
 * arrays when they have the same length and each item matches, anything else when strictly equal.
 */
export function matchSubset(actual: unknown, expected: unknown, path = ''): Mismatch[] {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [{ path, expected, actual }];
    const out: Mismatch[] = [];
    for (const [k, v] of Object.entries(expected)) {
      const a = (actual as Record<string, unknown>)[k];
      out.push(...matchSubset(a, v, path ? `${path}.${k}` : k));
    }
    return out;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [{ path, expected, actual }];
    return expected.flatMap((v, i) => matchSubset(actual[i], v, `${path}[${i}]`));
  }
  return Object.is(actual, expected) ? [] : [{ path, expected, actual }];
}

/** Deep equality of two JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

/** JSON with object keys sorted, so equal values give equal strings. */
export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

/** A short rendering of a value for messages. */
export function show(v: unknown, max = 80): string {
  const s = v === undefined ? 'nothing' : typeof v === 'string' ? JSON.stringify(v) : stableStringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `status is "pending", expected "paid"` lines for a list of mismatches. */
export function describeMismatches(mismatches: readonly Mismatch[]): string {
  return mismatches
    .map((m) => (m.actual === undefined ? `${m.path || 'value'} is missing, expected ${show(m.expected)}` : `${m.path || 'value'} is ${show(m.actual)}, expected ${show(m.expected)}`))
    .join('; ');
}

/** Lists the keys that differ between two JSON objects, e.g. `fulfilments 1 → 2`. */
export function describeChange(before: unknown, after: unknown, path = ''): string[] {
  if (jsonEqual(before, after)) return [];
  const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before as object), ...Object.keys(after as object)])].sort();
    return keys.flatMap((k) => describeChange((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return [`${path || 'value'} ${show(before, 40)} → ${show(after, 40)}`];
}
