/**
 * Outbound notification delivery: stages one `deliveries` document per destination copy, sends it on the
 * injected clock, records every attempt in the store and retries on the provider's schedule. The store is
 * the source of truth (the event is read from it at attempt time, the delivery's state is written back after
 * each attempt), so a restarted sandbox picks pending retries up again with `resume()`. One attempt (sign,
 * send, record) is in delivery-attempt.ts.
 */
import type { Clock, TimerHandle } from '../clock.js';
import { PaycliError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Delivery, DeliveryChaos, DeliverySigner, DeliveryTarget, DeliveryUpdate, StoredNotification, Transport } from './delivery.js';
import { makeAttempt, type AttemptDeps } from './delivery-attempt.js';
import { createHttpTransport } from './http-transport.js';

// The delivery records are part of this module's API; importers need not know the file split.
export type {
  Delivery,
  DeliveryAttempt,
  DeliveryChaos,
  DeliverySigner,
  DeliveryStatus,
  DeliveryTarget,
  StoredNotification,
  DeliveryUpdate,
  PublicDelivery,
  Transport,
  TransportRequest,
  TransportResponse,
} from './delivery.js';
export { toPublicDelivery } from './delivery.js';

export interface WebhookDispatcherOptions {
  store: Store;
  clock: Clock;
  /** Signs each delivery in its provider's protocol, with credentials looked up at send time. */
  signer: DeliverySigner;
  newId: (prefix: string) => string;
  /** Overrides every protocol's retry schedule (e.g. `--retry-schedule`). */
  retryScheduleMs?: readonly number[];
  /** Overrides every protocol's per-attempt timeout. */
  timeoutMs?: number;
  /** Overrides the keep-alive HTTP transport (tests, in-process receivers). */
  transport?: Transport;
  /**
   * Receives errors that are bugs or broken storage (a failing store commit, a throwing listener), never
   * delivery failures, which are recorded as attempts. Default: rethrown asynchronously, so they are loud.
   */
  onError?: (err: unknown) => void;
}

/** However short the schedule, a delivery whose record could not be written is not retried in a tight loop. */
const MIN_RETRY_AFTER_FAILED_WRITE_MS = 1000;

/**
 * Sends notifications with retries.
 *
 * @example
 * const dispatcher = new WebhookDispatcher({ store, clock, signer: providerSigner({ store, protocols, credentials }), newId });
 * dispatcher.enqueue(notification, { url: payment.notify_url, kind: 'notify_url' });
 * await store.commit();
 */
export class WebhookDispatcher {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly signer: DeliverySigner;
  private readonly newId: (prefix: string) => string;
  private readonly schedule: readonly number[] | null;
  private readonly transport: Transport;
  /** What each attempt needs (delivery-attempt.ts). */
  private readonly attemptDeps: AttemptDeps;
  private readonly closeTransport: (() => void) | null;
  private readonly onError: (err: unknown) => void;
  private readonly timers = new Map<string, TimerHandle>();
  /** Deliveries with an attempt under way, and the promises of those attempts. */
  private readonly inFlightIds = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly listeners = new Set<(u: DeliveryUpdate) => void>();
  private closed = false;

  constructor(opts: WebhookDispatcherOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.signer = opts.signer;
    this.newId = opts.newId;
    this.schedule = opts.retryScheduleMs ? checkSchedule(opts.retryScheduleMs) : null;
    if (opts.transport) {
      this.transport = opts.transport;
      this.closeTransport = null;
    } else {
      const http = createHttpTransport();
      this.transport = http.send;
      this.closeTransport = http.close;
    }
    this.onError = opts.onError ?? ((err) => queueMicrotask(() => { throw err; }));
    this.attemptDeps = { clock: this.clock, store: this.store, signer: this.signer, transport: this.transport, timeoutMs: opts.timeoutMs ?? null };
  }

  /**
   * Stages the deliveries of one notification to one destination (the notification, its chaos duplicates
   * and probe) in the store's `deliveries` collection — the caller commits — and schedules their first
   * attempts after `chaos.delayMs`. The notification is staged in `notifications` too if the store lacks it.
   * `drop` records one `dropped` delivery instead of the notification and its duplicates; a probe is still
   * sent. `failFirst` applies to the notification, not to its duplicates.
   */
  enqueue(notification: StoredNotification, target: DeliveryTarget, chaos: DeliveryChaos = {}): Delivery[] {
    this.assertOpen();
    const delayMs = checkCount(chaos.delayMs ?? 0, 'delayMs', false);
    const duplicates = checkCount(chaos.duplicates ?? 0, 'duplicates', true);
    const failFirst = checkCount(chaos.failFirst ?? 0, 'failFirst', true);
    if (!this.store.get('notifications', notification.id)) this.store.put('notifications', notification);
    const firstAt = this.clock.now() + delayMs;
    const deliveries: Delivery[] = [];
    if (chaos.drop) {
      deliveries.push(this.newDelivery(notification, target, { status: 'dropped', next_attempt_at: null }));
    } else {
      for (let i = 0; i <= duplicates; i++) {
        deliveries.push(this.newDelivery(notification, target, { next_attempt_at: firstAt, fail_first: i === 0 ? failFirst : 0 }));
      }
    }
    if (chaos.probe) deliveries.push(this.newDelivery(notification, target, { next_attempt_at: firstAt, probe: chaos.probe }));
    for (const d of deliveries) this.store.put('deliveries', d);
    for (const d of deliveries) {
      if (d.status === 'pending') {
        this.scheduleAttempt(d.id, delayMs);
        this.emit({ type: 'scheduled', delivery: d });
      } else {
        this.emit({ type: 'dropped', delivery: d });
      }
    }
    return deliveries;
  }

  /**
   * Stages a new delivery of a stored notification (the same id, e.g. `webhook-id`), attempted at once; the
   * caller commits. `retry: false` makes it a single attempt, never put on the retry schedule. Throws
   * `resource_missing` when the store has no such notification.
   */
  resend(notificationId: string, target: DeliveryTarget, opts: { retry?: boolean } = {}): Delivery {
    this.assertOpen();
    const notification = this.store.get<StoredNotification>('notifications', notificationId);
    if (!notification) throw new PaycliError('resource_missing', `No event ${notificationId}.`, { param: 'event' });
    const delivery = this.newDelivery(notification, target, { next_attempt_at: this.clock.now(), ...(opts.retry === false ? { retry: false } : {}) });
    this.store.put('deliveries', delivery);
    this.scheduleAttempt(delivery.id, 0);
    this.emit({ type: 'scheduled', delivery });
    return delivery;
  }

  /**
   * Schedules every `pending` delivery in the store at its `next_attempt_at` (overdue ones at once), for a
   * sandbox that restarts on an existing data file. Returns how many were scheduled.
   */
  resume(): number {
    this.assertOpen();
    const now = this.clock.now();
    let count = 0;
    for (const d of this.store.list<Delivery>('deliveries')) {
      if (d.status !== 'pending' || this.timers.has(d.id) || this.inFlightIds.has(d.id)) continue;
      this.scheduleAttempt(d.id, Math.max(0, (d.next_attempt_at ?? now) - now));
      count++;
    }
    return count;
  }

  /**
   * Stops a pending delivery: no further attempt is made and it ends `canceled`, marked `canceled_at`; the
   * caller commits. The one way retries are canceled (the dashboard, `cancelRetries`). The store stays the
   * source of truth: an attempt already under way, or a timer that fires later, finds the delivery no
   * longer pending and records nothing, and `resume()` after a restart skips it. Throws `resource_missing`
   * for an unknown delivery, `invalid_state` for a finished one.
   */
  cancel(id: string): Delivery {
    const delivery = this.store.get<Delivery>('deliveries', id);
    if (!delivery) throw new PaycliError('resource_missing', `No such delivery: ${id}`, { param: 'id' });
    if (delivery.status !== 'pending') {
      throw new PaycliError('invalid_state', `Delivery ${id} is ${delivery.status}; only a pending one has retries to cancel.`, { param: 'id' });
    }
    const timer = this.timers.get(id);
    if (timer) this.clock.clearTimer(timer);
    this.timers.delete(id);
    // An attempt already under way finds the delivery no longer pending and records nothing.
    const updated: Delivery = { ...delivery, status: 'canceled', next_attempt_at: null, canceled_at: this.clock.now() };
    this.store.put('deliveries', updated);
    this.emit({ type: 'exhausted', delivery: updated });
    return updated;
  }

  /**
   * Cancels the pending retries of every delivery of one of a merchant's events (`paycli events
   * cancel-retries`, `POST /_sandbox/events/:id/cancel_retries`), each through `cancel`; the caller commits.
   * `notificationId` keeps to the deliveries of that one of the event's notifications (a Stripe `evt_…`).
   * Returns the deliveries as canceled (none when nothing was pending).
   */
  cancelRetries(merchantId: string, eventId: string, notificationId?: string): Delivery[] {
    return this.store
      .list<Delivery>('deliveries')
      .filter((d) => d.event_id === eventId && d.merchant_id === merchantId && d.status === 'pending' && (notificationId === undefined || d.notification_id === notificationId))
      .map((d) => this.cancel(d.id));
  }

  /** The delays between a provider's notification attempts, in milliseconds: the override, or its own. */
  retryScheduleFor(provider: string): readonly number[] {
    // The signer picks a protocol by the delivery's provider alone.
    return this.schedule ?? checkSchedule(this.signer.retryScheduleMs({ provider } as Delivery));
  }

  /** Subscribes to delivery updates; returns the unsubscribe function. */
  on(listener: (u: DeliveryUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when no attempt is in flight (the clock may still hold timers for later attempts). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Cancels scheduled attempts (they stay pending in the store), waits for in-flight ones, closes sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const handle of this.timers.values()) this.clock.clearTimer(handle);
    this.timers.clear();
    await this.whenIdle();
    this.closeTransport?.();
  }

  private assertOpen(): void {
    if (this.closed) throw new PaycliError('internal_error', 'The webhook dispatcher is closed.');
  }

  private newDelivery(n: StoredNotification, target: DeliveryTarget, fields: Partial<Delivery>): Delivery {
    return {
      id: this.newId('dlv'),
      object: 'delivery',
      merchant_id: n.merchant_id,
      provider: n.provider,
      notification_id: n.id,
      event_id: n.event_id,
      event_type: n.type,
      url: target.url,
      kind: target.kind,
      endpoint_id: target.endpoint_id ?? null,
      status: 'pending',
      probe: null,
      attempts: [],
      next_attempt_at: null,
      created: this.clock.now(),
      fail_first: 0,
      ...fields,
    };
  }

  private scheduleAttempt(id: string, delayMs: number): void {
    const previous = this.timers.get(id);
    if (previous) this.clock.clearTimer(previous);
    // Returning the attempt's promise lets a FakeClock's advance() wait for the whole exchange.
    this.timers.set(id, this.clock.setTimer(delayMs, () => this.fire(id)));
  }

  private fire(id: string): Promise<void> {
    this.timers.delete(id);
    if (this.closed || this.inFlightIds.has(id)) return Promise.resolve();
    this.inFlightIds.add(id);
    const p: Promise<void> = this.attempt(id)
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.inFlight.delete(p);
        this.inFlightIds.delete(id);
      });
    this.inFlight.add(p);
    return p;
  }

  private async attempt(id: string): Promise<void> {
    // Never notify about a change a crash or a failed write could still undo. If something staged before
    // was rolled back instead, whatever is left in the store is durable (and a delivery created by the
    // failed write is gone).
    await this.store.whenDurable?.();
    const delivery = this.store.get<Delivery>('deliveries', id);
    if (!delivery || delivery.status !== 'pending') return;
    const number = delivery.attempts.length + 1;
    const { attempt, fatal } = await makeAttempt(this.attemptDeps, delivery, number);

    // The store may have changed during the request (a reset, a concurrent update): do not resurrect a
    // removed delivery, and build on the current document.
    const current = this.store.get<Delivery>('deliveries', id);
    if (!current || current.status !== 'pending') return;
    const now = this.clock.now();
    let status: Delivery['status'] = 'pending';
    let next: number | null = null;
    if (current.probe) {
      // A probe is never retried; it succeeds when the app answered and refused it.
      status = attempt.status !== null && !attempt.acknowledged ? 'succeeded' : 'failed';
    } else if (attempt.acknowledged) {
      status = 'succeeded';
    } else if (fatal) {
      status = 'failed';
    } else if (attempt.status === 410) {
      status = 'failed';
      attempt.error = 'HTTP 410 Gone: the receiver asked to stop; no more retries';
    } else if (current.retry !== false && number - 1 < this.scheduleOf(current).length) {
      next = now + (this.scheduleOf(current)[number - 1] ?? 0);
    } else {
      status = 'failed';
    }
    const updated: Delivery = { ...current, attempts: [...current.attempts, attempt], status, next_attempt_at: next };
    this.store.put('deliveries', updated);
    try {
      await this.store.commit();
    } catch (err) {
      // The write failed and undid this attempt's record with it: the delivery is as it was, pending.
      // Keep it on schedule (an acknowledged attempt is sent again: receivers deduplicate on webhook-id).
      const retryInMs = Math.max(MIN_RETRY_AFTER_FAILED_WRITE_MS, next !== null ? next - now : (this.scheduleOf(current)[number - 1] ?? this.scheduleOf(current).at(-1) ?? 0));
      if (!this.closed && this.store.get<Delivery>('deliveries', id)?.status === 'pending') this.scheduleAttempt(id, retryInMs);
      // A full disk is the environment's fault, reported by the requests that fail on it, not a bug.
      if (err instanceof PaycliError && err.code === 'data_file_unwritable') return;
      throw err;
    }

    this.emit({ type: 'attempt', delivery: updated, attempt });
    if (status === 'pending' && next !== null) {
      if (!this.closed) this.scheduleAttempt(id, next - now);
      this.emit({ type: 'scheduled', delivery: updated });
    } else if (status === 'failed' && !updated.probe) {
      this.emit({ type: 'exhausted', delivery: updated });
    }
  }

  /** The retry schedule of a delivery: the override, or its provider's. */
  private scheduleOf(delivery: Delivery): readonly number[] {
    return this.schedule ?? checkSchedule(this.signer.retryScheduleMs(delivery));
  }

  private emit(update: DeliveryUpdate): void {
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}

function checkCount(value: number, name: string, integer: boolean): number {
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new PaycliError('parameter_invalid', `chaos.${name} must be a non-negative ${integer ? 'integer' : 'number'}.`, {
      param: `chaos.${name}`,
    });
  }
  return value;
}

function checkSchedule(schedule: readonly number[]): readonly number[] {
  if (!schedule.every((ms) => Number.isFinite(ms) && ms >= 0)) {
    throw new PaycliError('invalid_usage', `Invalid retry schedule: ${schedule.join(', ')}.`, {
      hint: 'Use non-negative delays, e.g. "1s,5s,30s,2m".',
    });
  }
  return schedule;
}
