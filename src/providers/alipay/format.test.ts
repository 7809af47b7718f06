import { describe, expect, it } from 'vitest';
import { chinaPeriod, chinaTime, nextChinaMidnight, parseChinaTime, parseYuan, yuan } from './format.js';

describe('Alipay formats', () => {
  it('writes fen as yuan with two decimals and reads Alipay amounts back', () => {
    expect([yuan(1), yuan(1234), yuan(100), yuan(-305)]).toEqual(['0.01', '12.34', '1.00', '-3.05']);
    expect([parseYuan('12.34'), parseYuan('12.3'), parseYuan('12'), parseYuan(0.5)]).toEqual([1234, 1230, 1200, 50]);
    for (const bad of ['0', '0.00', '1.234', '-1', 'abc', '', '100000000.01', null]) expect(parseYuan(bad)).toBeNull();
  });

  it('writes times in China time whatever the host zone, and maps bill dates to China-time periods', () => {
    expect(chinaTime(Date.UTC(2026, 10, 30, 16, 30, 5))).toBe('2026-12-01 00:30:05');
    expect(chinaPeriod('2026-12-01')).toEqual({ startMs: Date.UTC(2026, 10, 30, 16), endMs: Date.UTC(2026, 11, 1, 16) });
    expect(chinaPeriod('2026-12')).toEqual({ startMs: Date.UTC(2026, 10, 30, 16), endMs: Date.UTC(2026, 11, 31, 16) });
    for (const bad of ['2026-02-30', '2026-13', '20261201', '']) expect(chinaPeriod(bad)).toBeNull();
  });

  it('reads China times back, and finds the coming China midnight (timeout_express 1c)', () => {
    expect(parseChinaTime('2026-12-01 00:30:05')).toBe(Date.UTC(2026, 10, 30, 16, 30, 5));
    for (const bad of ['2026-02-30 10:00:00', '2026-12-01T00:30:05', '2026-12-01 24:00:00', '']) expect(parseChinaTime(bad)).toBeNull();
    expect(nextChinaMidnight(Date.UTC(2026, 10, 30, 15, 59, 59))).toBe(Date.UTC(2026, 10, 30, 16));
    expect(nextChinaMidnight(Date.UTC(2026, 10, 30, 16))).toBe(Date.UTC(2026, 11, 1, 16));
  });
});
