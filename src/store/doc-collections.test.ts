import { describe, expect, it } from 'vitest';
import { DocCollections } from './doc-collections.js';

const ids = (docs: readonly { id: string }[]) => docs.map((d) => d.id);

describe('DocCollections', () => {
  it('put() returns the document it replaced, or undefined for an insert', () => {
    const docs = new DocCollections();
    const first = { id: 'a', v: 1 };
    expect(docs.put('payments', first)).toBeUndefined();
    expect(docs.put('payments', { id: 'a', v: 2 } as { id: string })).toBe(first);
  });

  it('live() is the collection itself: appends, in-place replacements and removals show at once', () => {
    const docs = new DocCollections();
    for (const id of ['a', 'b', 'c', 'd']) docs.put('payments', { id });
    const live = docs.live('payments');
    const snapshot = docs.list('payments');
    docs.put('payments', { id: 'e' });
    docs.put('payments', { id: 'b', v: 2 } as { id: string });
    expect(ids(live)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(live[1]).toEqual({ id: 'b', v: 2 });
    docs.remove('payments', 'b');
    expect(ids(live)).toEqual(['a', 'c', 'd', 'e']);
    // Positions after a removal still find every document.
    expect(['a', 'c', 'd', 'e'].map((id) => docs.get('payments', id)?.id)).toEqual(['a', 'c', 'd', 'e']);
    expect(docs.get('payments', 'b')).toBeUndefined();
    expect(ids(snapshot)).toEqual(['a', 'b', 'c', 'd']); // list() still gives a copy that never moves
    expect(docs.count('payments')).toBe(4);
  });

  it('clear() starts new arrays, leaving an array read before it as it was', () => {
    const docs = new DocCollections();
    docs.put('events', { id: 'evt_1' });
    const before = docs.live('events');
    docs.clear();
    expect(docs.live('events')).toEqual([]);
    expect(ids(before)).toEqual(['evt_1']);
    docs.put('events', { id: 'evt_2' });
    expect(ids(docs.live('events'))).toEqual(['evt_2']);
    expect(docs.toSnapshot().events).toEqual({ evt_2: { id: 'evt_2' } });
  });

  it('view() keeps the state of its moment while the collections change (what a compaction writes)', () => {
    const docs = new DocCollections();
    for (const id of ['a', 'b', 'c']) docs.put('payments', { id });
    docs.put('events', { id: 'e1' });
    const view = new Map(docs.view());
    docs.put('payments', { id: 'b', v: 2 } as { id: string });
    docs.remove('payments', 'a');
    docs.put('payments', { id: 'd' });
    docs.clear();
    expect(view.get('payments')).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    expect(view.get('events')).toEqual([{ id: 'e1' }]);
    expect(view.get('refunds')).toEqual([]);
  });
});
