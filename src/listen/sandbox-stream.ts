/**
 * A client of `GET /_sandbox/stream` that stays connected: it parses the Server-Sent Events, declares the
 * connection dead when not even a heartbeat arrives in time, and reconnects with backoff when the sandbox
 * goes away (a restart, a crash), catching up on the events it missed. It emits typed updates and prints
 * nothing; `listen` and `logs tail` render them.
 */
import { SystemClock, type Clock, type TimerHandle } from '../clock.js';
import type { PaycliEvent } from '../engine/types.js';
import { ERROR_CODES, PaycliError, type ErrorCode } from '../errors.js';
import type { ActivityEntry } from '../core/activity-log.js';
import type { SandboxClient } from '../sandbox/client.js';
import type { StreamNotification, StreamReady } from '../sandbox/stream-routes.js';
import { SseParser, type SseMessage } from './sse-parser.js';

export const DEFAULT_CLIENT_HEARTBEAT_MS = 10_000;
/** Waits between reconnection attempts; the last one repeats. */
export const DEFAULT_BACKOFF_MS: readonly number[] = [250, 500, 1_000, 2_000, 4_000, 5_000];

export interface SandboxStreamOptions {
  /**
   * The client for each connection attempt. Called again on every reconnect, so a sandbox restarted with
   * new keys is found again through its runtime file.
   */
  client: () => SandboxClient;
  include: readonly ('events' | 'activity' | 'notifications')[];
  /** The heartbeat interval asked of the sandbox; the connection is dead after 2.5 of them in silence. */
  heartbeatMs?: number;
  backoffMs?: readonly number[];
  /** With `activity`: also send the entries after this sequence number on the first connection. */
  activitySince?: number;
  clock?: Clock;
}

export type StreamUpdate =
  | { type: 'connected'; url: string; ready: StreamReady; reconnect: boolean; down_for_ms: number | null }
  | { type: 'event'; event: PaycliEvent }
  /** What an event means in its payment's provider, unsigned (with `include: ['notifications']`). */
  | { type: 'notification'; notification: StreamNotification }
  | { type: 'activity'; entry: ActivityEntry }
  | { type: 'disconnected'; url: string; reason: string; retry_in_ms: number; attempt: number };

/**
 * A reconnecting stream of a sandbox's events and activity.
 *
 * @example
 * const stream = new SandboxStream({ client: () => connectSandbox(config, cwd), include: ['events'] });
 * const ready = await stream.start((u) => { if (u.type === 'event') console.log(u.event.type); });
 * await stream.close();
 */
export class SandboxStream {
  private readonly clock: Clock;
  private readonly heartbeatMs: number;
  private readonly backoff: readonly number[];
  private closed = false;
  private abort: AbortController | null = null;
  private sleeping: { handle: TimerHandle; wake: () => void } | null = null;
  private loop: Promise<void> | null = null;
  private instance: string | null = null;
  private lastEventId: string | null = null;
  private activitySeq: number | null;

  constructor(private readonly opts: SandboxStreamOptions) {
    this.clock = opts.clock ?? new SystemClock();
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_CLIENT_HEARTBEAT_MS;
    this.backoff = opts.backoffMs ?? DEFAULT_BACKOFF_MS;
    this.activitySeq = opts.activitySince ?? null;
  }

  /**
   * Connects and resolves with the sandbox's `ready` message; rejects when the first connection fails (a
   * wrong URL or key should be an error, not an endless retry). Later failures are retried.
   */
  start(onUpdate: (u: StreamUpdate) => void): Promise<StreamReady> {
    return new Promise((resolve, reject) => {
      let started = false;
      this.loop = this.run(onUpdate, (ready) => {
        started = true;
        resolve(ready);
      }).catch((err: unknown) => {
        if (!started) reject(err);
      });
    });
  }

  /** Disconnects and stops reconnecting. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort?.abort();
    if (this.sleeping) {
      this.clock.clearTimer(this.sleeping.handle);
      this.sleeping.wake();
    }
    await this.loop;
  }

  private async run(onUpdate: (u: StreamUpdate) => void, onFirstReady: (ready: StreamReady) => void): Promise<void> {
    let connectedOnce = false;
    let attempt = 0;
    let downSince: number | null = null;
    while (!this.closed) {
      const client = this.opts.client();
      let reason: string;
      try {
        await this.session(client, (ready) => {
          onUpdate({ type: 'connected', url: client.url, ready, reconnect: connectedOnce, down_for_ms: downSince === null ? null : this.clock.now() - downSince });
          if (!connectedOnce) onFirstReady(ready);
          connectedOnce = true;
          attempt = 0;
          downSince = null;
        }, onUpdate);
        reason = 'the sandbox closed the stream';
      } catch (err) {
        if (this.closed) return;
        if (!connectedOnce) throw err;
        reason = err instanceof Error ? err.message : String(err);
      }
      if (this.closed) return;
      downSince ??= this.clock.now();
      const wait = this.backoff[Math.min(attempt, this.backoff.length - 1)] ?? 1_000;
      attempt++;
      onUpdate({ type: 'disconnected', url: client.url, reason, retry_in_ms: wait, attempt });
      await this.sleep(wait);
    }
  }

  /** One connection, until it ends or fails. */
  private async session(client: SandboxClient, onReady: (ready: StreamReady) => void, onUpdate: (u: StreamUpdate) => void): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    const deadMs = Math.round(this.heartbeatMs * 2.5);
    let silent = false;
    let gotData = false;
    let watchdog: TimerHandle | null = null;
    const feedWatchdog = () => {
      if (watchdog) this.clock.clearTimer(watchdog);
      watchdog = this.clock.setTimer(deadMs, () => {
        silent = true;
        abort.abort();
      });
    };
    feedWatchdog();
    try {
      const res = await client.fetch('GET', `/_sandbox/stream?${this.query()}`, undefined, { accept: 'text/event-stream' }, abort.signal);
      if (!res.ok) throw await streamError(client.url, res);
      if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream') || !res.body) {
        throw new PaycliError('sandbox_unreachable', `${client.url} answered, but not with an event stream: is it a paycli sandbox?`, {
          hint: 'Check --sandbox-url / PAYCLI_SANDBOX_URL.',
        });
      }
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        gotData = true;
        feedWatchdog();
        for (const message of parser.feed(decoder.decode(value, { stream: true }))) this.handle(message, onReady, onUpdate);
      }
    } catch (err) {
      if (silent) throw new Error(`no heartbeat from the sandbox for ${Math.round(deadMs / 1000)} s`);
      if (this.closed) return;
      if (err instanceof PaycliError) throw err;
      if (gotData) throw new Error('the connection to the sandbox was lost (it stopped or restarted?)');
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new Error(`cannot reach the sandbox (${cause ?? (err as Error).message})`);
    } finally {
      if (watchdog) this.clock.clearTimer(watchdog);
      abort.abort();
    }
  }

  private handle(message: SseMessage, onReady: (ready: StreamReady) => void, onUpdate: (u: StreamUpdate) => void): void {
    if (message.event === 'ready') {
      const ready = JSON.parse(message.data) as StreamReady;
      this.instance = ready.instance;
      onReady(ready);
    } else if (message.event === 'event') {
      const event = JSON.parse(message.data) as PaycliEvent;
      this.lastEventId = message.id ?? event.id;
      onUpdate({ type: 'event', event });
    } else if (message.event === 'notification') {
      const notification = JSON.parse(message.data) as StreamNotification;
      // Notifications follow their event: resuming after it also resumes after them.
      this.lastEventId = notification.event_id;
      onUpdate({ type: 'notification', notification });
    } else if (message.event === 'activity') {
      const entry = JSON.parse(message.data) as ActivityEntry;
      this.activitySeq = entry.seq;
      onUpdate({ type: 'activity', entry });
    }
  }

  private query(): string {
    const params = new URLSearchParams({ include: this.opts.include.join(','), heartbeat_ms: String(this.heartbeatMs) });
    if (this.instance) params.set('instance', this.instance);
    const followsEvents = this.opts.include.includes('events') || this.opts.include.includes('notifications');
    if (this.lastEventId && followsEvents) params.set('since_event', this.lastEventId);
    if (this.activitySeq !== null && this.opts.include.includes('activity')) params.set('activity_since', String(this.activitySeq));
    return params.toString();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleeping = null;
        resolve();
      };
      this.sleeping = { handle: this.clock.setTimer(ms, wake), wake };
    });
  }
}

/** Turns a refused stream request into the sandbox's own error (a wrong key, an old sandbox). */
async function streamError(url: string, res: Response): Promise<PaycliError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; hint?: string } } | null;
  const e = body?.error;
  if (res.status === 404) {
    return new PaycliError('sandbox_unreachable', `${url} has no event stream (GET /_sandbox/stream answered 404).`, {
      hint: 'Is it a paycli sandbox, and of this version? Check --sandbox-url, or restart it with this paycli.',
    });
  }
  const code: ErrorCode = e?.code && e.code in ERROR_CODES ? (e.code as ErrorCode) : 'sandbox_unreachable';
  return new PaycliError(code, e?.message ?? `The sandbox answered ${res.status} to GET /_sandbox/stream.`, {
    hint: e?.code === 'invalid_api_key' || e?.code === 'authentication_required' ? 'Pass the secret key printed by `paycli sandbox start` with --api-key or PAYCLI_API_KEY.' : e?.hint,
  });
}
