import { describe, expect, it } from 'vitest';
import { FormSyntaxError, MAX_DEPTH, parseForm } from './form-params.js';

describe('parseForm (Stripe bracket notation)', () => {
  it('decodes what stripe-node encodes: nested objects, indexed arrays, arrays of objects, empty values', () => {
    const body =
      'amount=1000&currency=usd&payment_method_types[0]=card&metadata[order]=A1&metadata[empty]=&expand[0]=latest_charge&automatic_payment_methods[enabled]=true' +
      '&line_items[0][price_data][currency]=usd&line_items[0][price_data][product_data][name]=T%20shirt%20%26%20cap&line_items[0][quantity]=2&line_items[1][price]=price_1';
    expect(parseForm(body)).toEqual({
      amount: '1000',
      currency: 'usd',
      payment_method_types: ['card'],
      metadata: { order: 'A1', empty: '' },
      expand: ['latest_charge'],
      automatic_payment_methods: { enabled: 'true' },
      line_items: [{ price_data: { currency: 'usd', product_data: { name: 'T shirt & cap' } }, quantity: '2' }, { price: 'price_1' }],
    });
  });

  it('keeps arrays beyond 20 elements and deep nesting (where qs would give up)', () => {
    const pairs = Array.from({ length: 25 }, (_, i) => `expand[${i}]=f${i}`).join('&');
    const parsed = parseForm(pairs);
    expect(Array.isArray(parsed.expand)).toBe(true);
    expect((parsed.expand as string[])[24]).toBe('f24');
    expect(parseForm('a[b][c][d][e][f][g]=deep')).toEqual({ a: { b: { c: { d: { e: { f: { g: 'deep' } } } } } } });
  });

  it('orders indexed elements by index and appends empty-bracket ones', () => {
    expect(parseForm('a[1]=y&a[0]=x')).toEqual({ a: ['x', 'y'] });
    expect(parseForm('a[]=x&a[]=y')).toEqual({ a: ['x', 'y'] });
    expect(parseForm('a[0]=x&a[k]=y')).toEqual({ a: { 0: 'x', k: 'y' } });
  });

  it('rejects keys it cannot place, naming them', () => {
    expect(() => parseForm('a[b=1')).toThrow(FormSyntaxError);
    expect(() => parseForm('a=1&a[b]=2')).toThrow(/a\[b\]/);
    expect(parseForm('')).toEqual({});
    expect(parseForm('q=a+b%2Bc')).toEqual({ q: 'a b+c' });
  });

  it('reads `__proto__` as a parameter of that name, never as the prototype of the parameters', () => {
    const parsed = parseForm('amount=1&__proto__[currency]=usd&metadata[__proto__][x]=1');
    expect(Object.keys(parsed)).toEqual(['amount', '__proto__', 'metadata']);
    expect(parsed.currency).toBeUndefined();
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed.metadata as object)).toEqual(['__proto__']);
  });

  it('refuses a key nested deeper than MAX_DEPTH, naming its parameter, before building it', () => {
    expect(() => parseForm(`metadata${'[a]'.repeat(MAX_DEPTH)}=v`)).toThrow(/metadata is nested more than 32 levels/);
    expect(Object.keys(parseForm(`a${'[b]'.repeat(MAX_DEPTH - 1)}=v`))).toEqual(['a']);
  });
});
