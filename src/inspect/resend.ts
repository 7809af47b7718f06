/**
 * `paycli events resend`: asks the sandbox to deliver a stored event again (a new delivery with the same
 * event id, so the same `webhook-id`) and waits for the first attempt of each new delivery, so the command
 * can show what the app answered.
 */
import { setTimeout as pause } from 'node:timers/promises';
import { SystemClock, type Clock } from '../clock.js';
import { PaycliError } from '../errors.js';
import type { SandboxClient } from '../sandbox/client.js';
import type { PublicDelivery } from '../webhooks/delivery.js';

export interface ResendResult {
  event_id: string;
  /** The one notification of the event that was resent (a Stripe `evt_…`), or null: all of them. */
  notification_id: string | null;
  /** The new deliveries, with their attempts so far. */
  deliveries: PublicDelivery[];
  /** Some delivery had no attempt yet when the wait ended. */
  timed_out: boolean;
  /** Every new delivery's first attempt was acknowledged (false while one is still unanswered). */
  acknowledged: boolean;
  /** How many `paycli listen` sessions were handed the event too (they show the app's answer). */
  listeners: number;
  /** The sandbox runs on a virtual clock: the attempts go out when its time moves, so nobody waited for them. */
  virtual_clock: boolean;
}

export interface ResendOptions {
  /**
   * One notification of the event to resend alone (a Stripe `evt_…a` of a domain event that also means
   * `evt_…b`), as `stripe events resend` resends exactly the event named; default: all of them.
   */
  notificationId?: string;
  /** Deliver here instead of the event's own destinations. */
  to?: string;
  /** Put a failed attempt on the retry schedule; default: one attempt only. */
  retry?: boolean;
  /** How long to wait for the first attempts; 0 returns at once. */
  waitMs: number;
  pollMs?: number;
  /** Measures the wait. */
  clock?: Clock;
}

async function deliveriesOf(client: SandboxClient, eventId: string, notificationId?: string): Promise<PublicDelivery[]> {
  const q = new URLSearchParams({ event_id: eventId, limit: '1000' });
  if (notificationId !== undefined) q.set('notification_id', notificationId);
  const page = await client.request<{ data: PublicDelivery[] }>('GET', `/_sandbox/deliveries?${q}`);
  return page.data;
}

/** Cancels the pending retries of an event's deliveries; returns the deliveries cancelled. */
export async function cancelRetries(client: SandboxClient, eventId: string): Promise<PublicDelivery[]> {
  const res = await client.request<{ canceled: PublicDelivery[] }>('POST', `/_sandbox/events/${encodeURIComponent(eventId)}/cancel_retries`, {});
  return res.canceled;
}

/**
 * Resends an event and waits for the first attempt of each new delivery.
 *
 * @example
 * const r = await resendEvent(client, 'evt_123', { to: 'http://127.0.0.1:3000/', waitMs: 15_000 });
 */
export async function resendEvent(client: SandboxClient, eventId: string, opts: ResendOptions): Promise<ResendResult> {
  const clock = opts.clock ?? new SystemClock();
  const only = opts.notificationId !== undefined && opts.notificationId !== eventId ? opts.notificationId : undefined;
  const before = new Set((await deliveriesOf(client, eventId, only)).map((d) => d.id));
  const res = await client.request<{ deliveries: number; listeners?: number }>('POST', `/_sandbox/events/${encodeURIComponent(only ?? eventId)}/resend`, {
    ...(opts.to ? { url: opts.to } : {}),
    retry: opts.retry ?? false,
  });
  const listeners = res.listeners ?? 0;
  if (res.deliveries === 0 && listeners === 0) {
    throw new PaycliError('invalid_state', `Event ${only ?? eventId} has nowhere to go: no notify_url, webhook endpoint, --forward-to or paycli listen takes it.`, {
      hint: 'Send it to your app with --to <port|url>.',
    });
  }
  // A virtual clock does not move by itself: waiting would only run out the clock of the wait.
  const virtualClock = opts.waitMs > 0 && (await client.request<{ virtual_clock?: boolean }>('GET', '/_sandbox/health')).virtual_clock === true;
  const deadline = clock.now() + (virtualClock ? 0 : opts.waitMs);
  for (;;) {
    const fresh = (await deliveriesOf(client, eventId, only)).filter((d) => !before.has(d.id)).reverse();
    const settled = fresh.length >= res.deliveries && fresh.every((d) => d.attempts.length > 0 || d.status !== 'pending');
    if (settled || clock.now() >= deadline) {
      const acknowledged = settled && fresh.every((d) => d.attempts[0]?.acknowledged === true);
      return { event_id: eventId, notification_id: only ?? null, deliveries: fresh, timed_out: !settled, acknowledged, listeners, virtual_clock: virtualClock };
    }
    // A ref'd pause, not the clock's (unref'd) timer: nothing else keeps the CLI process alive meanwhile.
    await pause(opts.pollMs ?? 100);
  }
}
