import { describe, expect, it } from 'vitest';
import { findRefs, resolveRefs, UnresolvedReference } from './refs.js';

describe('references', () => {
  const scope = { pay: { id: 'pay_1', amount: 2000, card: { last4: '4242' } }, app: { url: 'http://a' } };

  it('keeps the type of a whole-string reference and interpolates inside longer strings', () => {
    expect(resolveRefs({ amount: '${pay.amount}', path: '/orders/${pay.id}?u=${app.url}', n: 3 }, scope)).toEqual({ amount: 2000, path: '/orders/pay_1?u=http://a', n: 3 });
    expect(resolveRefs(['${pay.card.last4}'], scope)).toEqual(['4242']);
  });

  it('says what is missing', () => {
    expect(() => resolveRefs('${pay.idd}', scope)).toThrow(new UnresolvedReference('${pay.idd}: pay has no field "idd" (it has: id, amount, card)'));
    expect(() => resolveRefs('${order.id}', scope)).toThrow(/step "order" has no result/);
  });

  it('finds references with their document path, flagging malformed ones', () => {
    expect(findRefs({ a: ['x ${pay.id} ${app.url}'], b: '${1bad}' }, ['steps', 0])).toEqual([
      { path: ['steps', 0, 'a', 0], expression: 'pay.id', root: 'pay' },
      { path: ['steps', 0, 'a', 0], expression: 'app.url', root: 'app' },
      { path: ['steps', 0, 'b'], expression: '1bad', root: '1bad', error: expect.stringMatching(/is not a reference/) },
    ]);
  });
});
