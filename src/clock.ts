/**
 * Time, injected. Nothing in paycli reads the wall clock or calls setTimeout for domain work directly:
 * delayed notifications, retries and scenario time all go through a Clock, so tests and the CI replay can
 * run hours of retries in milliseconds with a FakeClock.
 */

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `fn` once `delayMs` has passed on this clock. */
  setTimer(delayMs: number, fn: () => void | Promise<void>): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The real clock, for the running sandbox. */
export class SystemClock implements Clock {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void | Promise<void>): TimerHandle {
    const id = this.nextId++;
    // Node's timers overflow past ~24.8 days; clamp so far-future retries still fire (late, not at once).
    const delay = Math.min(Math.max(0, delayMs), 2 ** 31 - 1);
    const t = setTimeout(() => {
      this.timers.delete(id);
      void fn();
    }, delay);
    t.unref?.();
    this.timers.set(id, t);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t) clearTimeout(t);
    this.timers.delete(handle.id);
  }
}

interface FakeTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void | Promise<void>;
}

/**
 * A clock that moves only when told. `advance(ms)` runs every timer due within the window in time order,
 * awaiting each callback (and timers those callbacks schedule inside the window), so after it resolves the
 * world is exactly as it would be `ms` later.
 *
 * @example
 * const clock = new FakeClock(Date.UTC(2026, 0, 1));
 * clock.setTimer(3_600_000, () => console.log('an hour later'));
 * await clock.advance(3_600_000); // prints at once
 */
export class FakeClock implements Clock {
  private current: number;
  private timers: FakeTimer[] = [];
  private nextId = 1;
  private seq = 0;

  constructor(start = Date.UTC(2026, 0, 1, 0, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void | Promise<void>): TimerHandle {
    const id = this.nextId++;
    this.timers.push({ id, at: this.current + Math.max(0, delayMs), seq: this.seq++, fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** The time of the next timer, if any. */
  nextTimerAt(): number | undefined {
    return this.sorted()[0]?.at;
  }

  /** Moves time forward by `ms`, running due timers in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + Math.max(0, ms);
    for (;;) {
      const next = this.sorted()[0];
      if (!next || next.at > target) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      await next.fn();
    }
    this.current = target;
  }

  /** Runs timers until none is left or `maxMs` of fake time has passed. */
  async runAll(maxMs = 30 * 24 * 3_600_000): Promise<void> {
    const limit = this.current + maxMs;
    for (;;) {
      const at = this.nextTimerAt();
      if (at === undefined || at > limit) return;
      await this.advance(at - this.current);
    }
  }

  private sorted(): FakeTimer[] {
    return [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}
