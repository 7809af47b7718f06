import { describe, expect, test } from 'vitest';
import { PaycliError } from '../errors.js';
import { dataFileUnwritable } from './data-file-format.js';

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
