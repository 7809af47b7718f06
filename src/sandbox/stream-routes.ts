/**
 * The streaming part of the control API, for `paycli listen` and `paycli logs tail`:
 *
 * - `GET /_sandbox/stream`: Server-Sent Events. A `ready` message first (who this sandbox is, its webhook
 *   secret, the heartbeat interval), then every new event of the caller's merchant (`event`, with the event
 *   id as the SSE id) and, with `include=activity`, every activity entry (`activity`). A comment line every
 *   `heartbeat_ms` lets both sides notice a dead connection. A client that reconnects (the sandbox
 *   restarted, the network blinked) passes the `instance` it was connected to and the last event id it
 *   saw, and gets the events it missed before the live ones.
 *   With `include=notifications`, each event is followed by the notifications it means in its payment's
 *   provider (`notification`: provider, event id, notification id, type and unsigned payload), and `ready`
 *   carries each served provider's credentials, so `listen` signs exactly as that provider does. A
 *   provider's own notifications (no event causes them, e.g. a Stripe `customer.created`) are events of
 *   their own: each comes as a `notification` message alone, with its id as the SSE id, in its place among
 *   the events, live and in the replay (the core's timeline, event-timeline.ts).
 *   An event sent again (`events resend`) comes as a `resend` message and as notifications marked
 *   `resent`, without an SSE id: it is not a new event.
 * - `GET /_sandbox/webhook_secret`: the merchant's webhook secret, which signs notify_url and --forward-to
 *   notifications and which `listen` signs with, so the app needs one secret for all of them.
 *
 * Mounted by control-routes.ts after authentication (the secret key is required).
 */
import { randomUUID } from 'node:crypto';
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import type { SandboxEvent } from '../core/event-timeline.js';
import type { StoredNotification } from '../core/notifications.js';
import type { Merchant, PaycliEvent } from '../engine/types.js';
import { parse } from '../http/validation.js';
import type { ActivityEntry } from '../core/activity-log.js';
import type { ControlContext } from './control-context.js';
import type { ResendNotifier, ResentOnly } from './resend-notifier.js';

export const DEFAULT_HEARTBEAT_MS = 15_000;
/** At most this many missed events are replayed on reconnect; more would flood the app. */
export const MAX_REPLAYED_EVENTS = 1_000;
/** A client that lets this much pile up unread is cut off (it reconnects and catches up by replay). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** The first message of every stream. */
export interface StreamReady {
  /** Changes on every sandbox start: tells a reconnecting client whether it reached the same process. */
  instance: string;
  version: string;
  merchant_id: string;
  webhook_secret: string;
  heartbeat_ms: number;
  /** The sequence number of the newest activity entry (0 when none). */
  activity_seq: number;
  /** With `include=notifications`: each served provider's credentials for this merchant. */
  credentials?: Record<string, Record<string, unknown>>;
}

/** One `notification` message: what an event means in its payment's provider, unsigned. */
export interface StreamNotification {
  provider: string;
  /** The event it means; for a provider's own notification (no domain event), its own id. */
  event_id: string;
  id: string;
  type: string;
  payload: unknown;
  /** An earlier notification delivered again (`events resend`), not a new one. */
  resent?: boolean;
}

const streamQuery = z.strictObject({
  include: z
    .string()
    .regex(/^(events|activity|notifications)(,(events|activity|notifications))*$/, { error: 'must be a comma list of events, activity, notifications' })
    .optional(),
  heartbeat_ms: z
    .string()
    .regex(/^\d+$/)
    .transform(Number)
    .refine((n) => n >= 50 && n <= 300_000, { error: 'must be 50 to 300000' })
    .optional(),
  since_event: z.string().max(100).optional(),
  activity_since: z.string().regex(/^\d+$/).transform(Number).optional(),
  instance: z.string().max(100).optional(),
});

/**
 * Which events a reconnecting client missed: those after the last one it saw, in `all` (oldest first: the
 * core's timeline, domain events and providers' own notifications). `seen` says which sandbox process it
 * was connected to before: none (a first connection), this one, or another one (this sandbox restarted); in
 * the last case, when its last event is unknown here (an in-memory sandbox, or it saw none), it gets the
 * events this process created since it started.
 */
export function eventsToReplay<E extends { id: string; merchant_id: string; /** Unix seconds. */ created: number }>(
  all: readonly E[],
  merchantId: string,
  sinceEvent: string | undefined,
  seen: 'none' | 'this' | 'other',
  startedAtMs: number,
): E[] {
  const i = sinceEvent === undefined ? -1 : all.findIndex((e) => e.id === sinceEvent);
  const missed = i >= 0 ? all.slice(i + 1) : seen === 'other' ? all.filter((e) => e.created >= Math.floor(startedAtMs / 1000)) : [];
  return missed.filter((e) => e.merchant_id === merchantId).slice(-MAX_REPLAYED_EVENTS);
}

/**
 * The `/stream` and `/webhook_secret` routes; mount after `authenticate`. A resent event announced on
 * `resends` goes to the event streams as a `resend` message, without an SSE id: it is not a new event, so
 * a reconnecting client's position stays on the last new one.
 */
export function streamRouter(ctx: ControlContext, resends?: ResendNotifier): Router {
  const router = express.Router();
  const instance = randomUUID();

  router.get('/webhook_secret', (_req, res) => {
    const merchant = res.locals.merchant as Merchant;
    res.json({ object: 'webhook_secret', merchant_id: merchant.id, secret: ctx.nativeKeys(merchant).webhook_secret });
  });

  router.get('/stream', (req, res) => {
    const q = parse(streamQuery, req.query, 'query');
    const merchant = res.locals.merchant as Merchant;
    const include = new Set((q.include ?? 'events').split(','));
    const heartbeatMs = q.heartbeat_ms ?? DEFAULT_HEARTBEAT_MS;
    const lastEventId = q.since_event ?? req.get('last-event-id') ?? undefined;
    const seen = q.instance === undefined ? 'none' : q.instance === instance ? 'this' : 'other';

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold messages back.
      'x-accel-buffering': 'no',
    });
    // A client that vanished without closing (a laptop put to sleep) is found by TCP keep-alive too.
    req.socket.setKeepAlive(true, 30_000);
    req.socket.setNoDelay(true);

    const cleanups: (() => void)[] = [];
    const close = () => {
      for (const fn of cleanups.splice(0)) fn();
    };
    res.on('close', close);
    const write = (chunk: string) => {
      if (res.writableEnded || res.destroyed) return;
      res.write(chunk);
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
    };
    const send = (name: string, data: unknown, id?: string) => {
      write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    };

    const ready: StreamReady = {
      instance,
      version: ctx.version,
      merchant_id: merchant.id,
      webhook_secret: ctx.nativeKeys(merchant).webhook_secret,
      heartbeat_ms: heartbeatMs,
      activity_seq: ctx.activity.since(0).at(-1)?.seq ?? 0,
      ...(include.has('notifications') ? { credentials: ctx.credentialsOf(merchant) } : {}),
    };
    write('retry: 1000\n');
    send('ready', ready);

    // The backlog and the subscription are taken in the same tick, so nothing falls between them.
    if (include.has('events') || include.has('notifications')) {
      // `only`: a resend of one of the event's notifications (a Stripe evt_…a), which alone goes again.
      const sendEvent = (e: PaycliEvent, resent = false, only: ResentOnly = null) => {
        // A resent event is not a new one: no SSE id, so a reconnecting client's position stays put.
        if (include.has('events')) {
          if (resent) send('resend', e);
          else send('event', e, e.id);
        }
        if (!include.has('notifications')) return;
        for (const n of ctx.notificationsOf(e)) {
          if (only !== null && n.notification.id !== only) continue;
          const message: StreamNotification = { provider: n.provider, event_id: e.id, id: n.notification.id, type: n.notification.type, payload: n.notification.payload };
          send('notification', resent ? { ...message, resent: true } : message);
        }
      };
      // A provider's own notification (a Stripe customer.created) has no event; it stands for itself, and
      // its id is a position in the stream like an event's.
      const sendOwn = (n: StoredNotification, resent = false) => {
        if (!include.has('notifications')) return;
        const message: StreamNotification = { provider: n.provider, event_id: n.event_id, id: n.id, type: n.type, payload: n.payload };
        if (resent) send('notification', { ...message, resent: true });
        else send('notification', message, n.id);
      };
      const sendEntry = (entry: SandboxEvent, resent = false, only: ResentOnly = null) =>
        entry.kind === 'event' ? sendEvent(entry.event, resent, only) : sendOwn(entry.notification, resent);
      const backlog = eventsToReplay(ctx.service.timeline(merchant.id), merchant.id, lastEventId, seen, ctx.startedAt);
      for (const entry of backlog) sendEntry(entry);
      cleanups.push(
        ctx.service.onEvent((e) => {
          if (e.merchant_id === merchant.id) sendEvent(e);
        }),
        ctx.service.onNotification((n) => {
          if (n.merchant_id === merchant.id) sendOwn(n);
        }),
      );
      if (resends) cleanups.push(resends.subscribe(merchant.id, (entry, only) => sendEntry(entry, true, only)));
    }
    if (include.has('activity')) {
      // Sequence numbers restart with the process: a client coming from another one gets all entries.
      const since = q.activity_since === undefined ? Number.MAX_SAFE_INTEGER : seen === 'other' ? 0 : q.activity_since;
      for (const entry of ctx.activity.since(since)) send('activity', entry);
      cleanups.push(ctx.activity.subscribe((entry: ActivityEntry) => send('activity', entry)));
    }

    // Real time on purpose: this keeps a socket alive, it is not sandbox time (a virtual clock never moves
    // by itself, and the connection must still be checked).
    const heartbeat = setInterval(() => write(`: heartbeat\n\n`), heartbeatMs);
    heartbeat.unref();
    cleanups.push(() => clearInterval(heartbeat));
    cleanups.push(() => endQuietly(res));
  });

  return router;
}

function endQuietly(res: Response): void {
  if (!res.writableEnded && !res.destroyed) res.end();
}
