import { describe, expect, test } from 'vitest';
import { DocJson } from './doc-json.js';

describe('DocJson', () => {
  test('remember() serialises a document once and of() reuses that text', () => {
    const json = new DocJson();
    const doc = { id: 'pay_1', amount: 1 };
    const text = json.remember(doc);
    expect(text).toBe(JSON.stringify(doc));
    expect(json.remember(doc)).toBe(text);
    expect(json.of(doc)).toBe(text);
  });

  test('of() serialises a document it was never given', () => {
    expect(new DocJson().of({ id: 'pay_2' })).toBe('{"id":"pay_2"}');
  });

  test('a new object with the same id gets its own text', () => {
    const json = new DocJson();
    json.remember({ id: 'pay_3', amount: 1 });
    expect(json.of({ id: 'pay_3', amount: 2 })).toBe('{"id":"pay_3","amount":2}');
  });
});
