import { describe, expect, test } from 'vitest';
import { formatDuration, parseDuration, parseDurationList } from './duration.js';

describe('parseDuration', () => {
  test.each([
    ['500', 500],
    ['500ms', 500],
    ['1s', 1000],
    ['1.5s', 1500],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', 'abc', '5x', '1h and', '-1s', 's'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('parseDurationList', () => {
  test('parses a comma-separated schedule', () => {
    expect(parseDurationList('1s, 5s,30s,2m', '--retry-schedule')).toEqual([1000, 5000, 30_000, 120_000]);
  });

  test('names the flag and the bad part', () => {
    expect(() => parseDurationList('1s,soon', '--retry-schedule')).toThrow(/--retry-schedule: "soon"/);
    expect(() => parseDurationList(' , ', '--retry-schedule')).toThrow(/empty/);
  });
});

test.each([
  [250, '250ms'],
  [1500, '1.5s'],
  [120_000, '2m'],
  [5_400_000, '1h30m'],
  [90_000_000, '1d1h'],
])('formatDuration(%d) = %s', (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});
