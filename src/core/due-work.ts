/**
 * The core's work that falls due on the clock: a payment waiting for its buyer expires, a pending refund
 * settles. One timer per document, re-armed from the store at start, cancelled on reset and close; what
 * to do when one fires is the core's (`onExpire`, `onSettle`).
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Payment, Refund } from '../engine/types.js';

export class DueWork {
  private readonly expiry = new Map<string, TimerHandle>();
  private readonly settlement = new Map<string, TimerHandle>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (paymentId: string) => Promise<void>,
    private readonly onSettle: (refundId: string) => Promise<void>,
  ) {}

  /** Arms the expiry of a payment waiting for its buyer (3-D Secure, wallet); others are ignored. */
  armExpiry(p: Payment): void {
    if (this.closed || p.expires_at === null || (p.status !== 'pending' && p.status !== 'requires_action')) return;
    this.arm(this.expiry, p.id, p.expires_at * 1000, () => this.onExpire(p.id));
  }

  disarmExpiry(paymentId: string): void {
    const handle = this.expiry.get(paymentId);
    if (handle) this.clock.clearTimer(handle);
    this.expiry.delete(paymentId);
  }

  /** Arms the settlement of a pending refund (WeChat Pay's PROCESSING → SUCCESS); others are ignored. */
  armSettlement(r: Refund): void {
    if (this.closed || r.status !== 'pending' || r.settles_at === undefined) return;
    this.arm(this.settlement, r.id, r.settles_at * 1000, () => this.onSettle(r.id));
  }

  /** Cancels every timer (a reset); later arming works again. */
  clear(): void {
    for (const timers of [this.expiry, this.settlement]) {
      for (const handle of timers.values()) this.clock.clearTimer(handle);
      timers.clear();
    }
  }

  /** Cancels every timer for good: a closed core must not write to the store it shared. */
  close(): void {
    this.closed = true;
    this.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private arm(timers: Map<string, TimerHandle>, id: string, atMs: number, fire: () => Promise<void>): void {
    const handle = this.clock.setTimer(atMs - this.clock.now(), async () => {
      timers.delete(id);
      if (!this.closed) await fire();
    });
    timers.set(id, handle);
  }
}
