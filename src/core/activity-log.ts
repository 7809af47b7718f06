/**
 * What the sandbox did, as typed entries: API requests and notification attempts. The sandbox command
 * renders them; `paycli logs tail` and `listen` read them over HTTP. Nothing here prints.
 */

export interface RequestEntry {
  kind: 'request';
  seq: number;
  time: number;
  method: string;
  path: string;
  status: number;
  latency_ms: number;
  /** The error code when the request failed. */
  error_code: string | null;
  idempotent_replay: boolean;
  /** The provider port that served it, when not the main (native) one. */
  provider?: string;
}

export interface DeliveryEntry {
  kind: 'delivery';
  seq: number;
  time: number;
  delivery_id: string;
  event_id: string;
  event_type: string;
  url: string;
  destination: string;
  attempt: number;
  status: number | null;
  latency_ms: number;
  error: string | null;
  acknowledged: boolean;
  /** What happens next: `done`, `retry`, `failed`, `dropped`. */
  outcome: string;
  next_attempt_at: number | null;
}

export type ActivityEntry = RequestEntry | DeliveryEntry;
type NewEntry = Omit<RequestEntry, 'seq'> | Omit<DeliveryEntry, 'seq'>;

/** A bounded in-memory log with subscribers. */
export class ActivityLog {
  private entries: ActivityEntry[] = [];
  private seq = 0;
  private readonly listeners = new Set<(e: ActivityEntry) => void>();

  constructor(private readonly capacity = 2000) {}

  add(entry: NewEntry): ActivityEntry {
    const full = { ...entry, seq: ++this.seq } as ActivityEntry;
    this.entries.push(full);
    // Trimmed in batches: dropping the oldest entry on every add shifts the whole array each request.
    if (this.entries.length >= 2 * this.capacity) this.entries = this.entries.slice(-this.capacity);
    for (const l of this.listeners) l(full);
    return full;
  }

  /** Entries after `sinceSeq` (of the last `capacity`), oldest first. */
  since(sinceSeq = 0): ActivityEntry[] {
    const kept = this.entries.length > this.capacity ? this.entries.slice(-this.capacity) : this.entries;
    return kept.filter((e) => e.seq > sinceSeq);
  }

  subscribe(listener: (e: ActivityEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
