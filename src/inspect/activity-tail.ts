/**
 * `paycli logs tail`: what the sandbox logged so far (GET /_sandbox/requests), then, when following, every
 * new entry from the event stream, reconnecting like `listen` when the sandbox restarts. Filters apply to
 * both. Emits typed updates; prints nothing.
 */
import type { Clock } from '../clock.js';
import type { ActivityEntry } from '../core/activity-log.js';
import type { SandboxClient } from '../sandbox/client.js';
import { SandboxStream } from '../listen/sandbox-stream.js';
import { matchesActivity, type ActivityFilter } from './activity-filter.js';

export type TailUpdate =
  | { type: 'entry'; entry: ActivityEntry }
  | { type: 'following'; sandbox_url: string }
  | { type: 'disconnected'; sandbox_url: string; reason: string; retry_in_ms: number }
  | { type: 'reconnected'; sandbox_url: string; down_for_ms: number | null };

export interface TailOptions {
  client: () => SandboxClient;
  filter: ActivityFilter;
  /** Show at most this many of the entries already logged (the newest); 0 for all. */
  limit: number;
  clock?: Clock;
  heartbeatMs?: number;
  backoffMs?: readonly number[];
}

/**
 * Prints what is there (`printBacklog`), then follows (`follow`) until `stop()`.
 *
 * @example
 * const tail = new ActivityTail({ client, filter, limit: 50 });
 * await tail.printBacklog(render);
 * await tail.follow(render);
 */
export class ActivityTail {
  private lastSeq = 0;
  private stream: SandboxStream | null = null;

  constructor(private readonly opts: TailOptions) {}

  /** Emits the entries already logged that pass the filter, oldest first. */
  async printBacklog(onUpdate: (u: TailUpdate) => void): Promise<void> {
    const res = await this.opts.client().request<{ data: ActivityEntry[] }>('GET', '/_sandbox/requests');
    const matching = res.data.filter((e) => matchesActivity(e, this.opts.filter));
    this.lastSeq = res.data.at(-1)?.seq ?? 0;
    for (const entry of this.opts.limit > 0 ? matching.slice(-this.opts.limit) : matching) onUpdate({ type: 'entry', entry });
  }

  /** Follows new entries; resolves once connected (rejects when the sandbox cannot be reached). */
  async follow(onUpdate: (u: TailUpdate) => void): Promise<void> {
    const stream = new SandboxStream({
      client: this.opts.client,
      include: ['activity'],
      // Entries logged between the backlog request and the connection are sent first.
      activitySince: this.lastSeq,
      clock: this.opts.clock,
      heartbeatMs: this.opts.heartbeatMs,
      backoffMs: this.opts.backoffMs,
    });
    this.stream = stream;
    await stream.start((u) => {
      if (u.type === 'activity' && matchesActivity(u.entry, this.opts.filter)) onUpdate({ type: 'entry', entry: u.entry });
      else if (u.type === 'connected') onUpdate(u.reconnect ? { type: 'reconnected', sandbox_url: u.url, down_for_ms: u.down_for_ms } : { type: 'following', sandbox_url: u.url });
      else if (u.type === 'disconnected') onUpdate({ type: 'disconnected', sandbox_url: u.url, reason: u.reason, retry_in_ms: u.retry_in_ms });
    });
  }

  async stop(): Promise<void> {
    await this.stream?.close();
  }
}
