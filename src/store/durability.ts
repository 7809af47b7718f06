/**
 * Which staged changes of a store are durable, which were rolled back after a failed write, and who is
 * waiting to know. Every staged journal line gets a sequence number; a successful write makes a prefix
 * durable, a failed one rolls back every line not yet durable (the whole suffix). A caller takes a
 * ticket when it needs "everything staged so far" and later learns whether that became durable or
 * was rolled back, so no answer reveals a change a crash (or a full disk) could still take away.
 */

/** "Everything staged up to `want`, as of rollback generation `gen`." */
export interface DurabilityTicket {
  readonly want: number;
  readonly gen: number;
}

interface LostRange {
  /** The rollback generation that lost the lines. */
  gen: number;
  /** Lines after `lo` up to and including `hi`. */
  lo: number;
  hi: number;
}

/** How many past rollbacks are remembered: callers waiting across more of them than this are implausible. */
const REMEMBERED_ROLLBACKS = 64;

export class Durability {
  #seq = 0;
  #durable = 0;
  #rollbacks = 0;
  readonly #lost: LostRange[] = [];
  #failure: unknown = null;
  #waiters: { ticket: DurabilityTicket; resolve: (durable: boolean) => void }[] = [];

  /** Numbers one more staged line; returns its number. */
  stage(): number {
    return ++this.#seq;
  }

  /** The number of the last line staged. */
  get seq(): number {
    return this.#seq;
  }

  /** The error of the last failed write (what a caller whose lines it lost is told). */
  get failure(): unknown {
    return this.#failure;
  }

  /** Everything staged up to now. */
  ticket(): DurabilityTicket {
    return { want: this.#seq, gen: this.#rollbacks };
  }

  /** Whether the ticket's lines are durable, were rolled back, or are still being written. */
  state(ticket: DurabilityTicket): 'durable' | 'lost' | 'pending' {
    if (ticket.gen !== this.#rollbacks) {
      for (const r of this.#lost) if (r.gen > ticket.gen && r.lo < ticket.want && ticket.want <= r.hi) return 'lost';
    }
    return this.#durable >= ticket.want ? 'durable' : 'pending';
  }

  /** Resolves true once the ticket's lines are durable, false if a failed write rolled them back. */
  wait(ticket: DurabilityTicket = this.ticket()): Promise<boolean> {
    const now = this.state(ticket);
    if (now !== 'pending') return Promise.resolve(now === 'durable');
    return new Promise((resolve) => this.#waiters.push({ ticket, resolve }));
  }

  /** A write made every line up to `upTo` durable. */
  markDurable(upTo: number): void {
    if (upTo > this.#durable) this.#durable = upTo;
    this.#settleWaiters();
  }

  /**
   * A write failed and every line not yet durable was undone in memory: what memory holds now is what
   * the files hold, so the lines staged from here on start from a durable state.
   */
  rolledBack(failure: unknown): void {
    this.#rollbacks++;
    if (this.#seq > this.#durable) this.#lost.push({ gen: this.#rollbacks, lo: this.#durable, hi: this.#seq });
    if (this.#lost.length > REMEMBERED_ROLLBACKS) this.#lost.shift();
    this.#failure = failure;
    this.#durable = this.#seq;
    this.#settleWaiters();
  }

  #settleWaiters(): void {
    if (this.#waiters.length === 0) return;
    const still: { ticket: DurabilityTicket; resolve: (durable: boolean) => void }[] = [];
    for (const w of this.#waiters) {
      const s = this.state(w.ticket);
      if (s === 'pending') still.push(w);
      else w.resolve(s === 'durable');
    }
    this.#waiters = still;
  }
}
