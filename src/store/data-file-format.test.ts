import { describe, expect, test } from 'vitest';
import { PaycliError } from '../errors.js';
import { dataFileUnwritable, parseJournal, putLine } from './data-file-format.js';

describe('dataFileUnwritable', () => {
  test.each(['ENOSPC', 'EACCES', 'EROFS', 'EIO'])('%s becomes data_file_unwritable with a hint, keeping the cause', (code) => {
    const cause = Object.assign(new Error(`${code}: failed`), { code });
    const err = dataFileUnwritable('/data/sandbox.json', cause) as PaycliError;
    expect(err).toBeInstanceOf(PaycliError);
    expect(err).toMatchObject({ code: 'data_file_unwritable', status: 503, isBug: false });
    expect(err.message).toContain('/data/sandbox.json');
    expect(err.hint).toMatch(/disk space|permissions/);
    expect(err.cause).toBe(cause);
  });

  test('errors that are not the file system pass through (bugs stay bugs)', () => {
    const bug = new TypeError('x is undefined');
    expect(dataFileUnwritable('/f', bug)).toBe(bug);
    const known = new PaycliError('internal_error', 'closed');
    expect(dataFileUnwritable('/f', known)).toBe(known);
  });
});

describe('putLine', () => {
  const doc = { id: 'pay_1', amount: 2000, note: 'quote " and \\ and \u2028', nested: { a: [1, null, true] } };

  test('is the JSON of the entry object, whether or not the document JSON is handed in', () => {
    const expected = `${JSON.stringify({ op: 'put', c: 'payments', id: doc.id, doc })}\n`;
    expect(putLine('payments', doc)).toBe(expected);
    expect(putLine('payments', doc, JSON.stringify(doc))).toBe(expected);
  });

  test('parses back to the document', () => {
    expect(parseJournal(putLine('stripe_events', doc), 'journal')).toEqual([{ op: 'put', c: 'stripe_events', id: 'pay_1', doc }]);
  });
});
