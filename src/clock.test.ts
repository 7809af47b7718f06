import { describe, expect, test } from 'vitest';
import { FakeClock } from './clock.js';

describe('FakeClock', () => {
  test('runs timers in time order, only when time reaches them', async () => {
    const clock = new FakeClock(0);
    const seen: string[] = [];
    clock.setTimer(3000, () => void seen.push('c'));
    clock.setTimer(1000, () => void seen.push('a'));
    clock.setTimer(1000, () => void seen.push('b'));
    await clock.advance(999);
    expect(seen).toEqual([]);
    await clock.advance(1);
    expect(seen).toEqual(['a', 'b']);
    expect(clock.now()).toBe(1000);
    await clock.advance(5000);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(clock.now()).toBe(6000);
  });

  test('a timer sees the time it was due, and timers it schedules inside the window run too', async () => {
    const clock = new FakeClock(0);
    const at: number[] = [];
    clock.setTimer(100, async () => {
      at.push(clock.now());
      clock.setTimer(100, () => void at.push(clock.now()));
    });
    await clock.advance(1000);
    expect(at).toEqual([100, 200]);
  });

  test('cleared timers never run; runAll drains the rest', async () => {
    const clock = new FakeClock(0);
    let ran = 0;
    const h = clock.setTimer(10, () => void ran++);
    clock.setTimer(3_600_000, () => void ran++);
    clock.clearTimer(h);
    await clock.runAll();
    expect(ran).toBe(1);
    expect(clock.pending).toBe(0);
    expect(clock.now()).toBe(3_600_000);
  });
});
