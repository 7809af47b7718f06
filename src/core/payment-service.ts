/**
 * The payment core, with no HTTP: it runs the pure engine against the store, keeps the lookup indexes,
 * raises domain events (which the payment's provider turns into notifications, see notifications.ts) and
 * arms the clock's timers (expiry, pending refunds). Providers translate wire requests into units of work
 * (`transact`); every mutation is staged, then `store.commit()` is awaited before the caller answers, so
 * an acknowledged change is never lost. The lookups and lists it answers are its read side,
 * `PaymentQueries` (payment-queries.ts), which it extends.
 */
import type { Clock } from '../clock.js';
import { PaycliError } from '../errors.js';
import { buyerAct, cancel, capture, createPayment, isExpired, type BuyerAction, type CreatePaymentInput } from '../engine/payments.js';
import { createRefund, settleRefund, updateRefund, type CreateRefundInput, type RefundUpdate } from '../engine/refunds.js';
import { DEFAULT_FEES } from '../engine/settlement.js';
import type { EngineContext, Merchant, Payment, PaycliEvent, Refund, Transition, WebhookEndpoint } from '../engine/types.js';
import type { Store } from '../store/store.js';
import type { Delivery, WebhookDispatcher } from '../webhooks/dispatcher.js';
import { ChaosRules } from './chaos-rules.js';
import { DueWork } from './due-work.js';
import { OrderIndex } from './order-index.js';
import { Notifier, type CoreReader, type ProtocolLookup, type ProviderNotification, type StoredNotification } from './notifications.js';
import type { IdempotencyTicket, StoredResponse } from './idempotency.js';
import { Work, type CoreStaging, type CreatePaymentOptions, type EndpointInput, type UnitOfWork } from './unit-of-work.js';
import type { CredentialStore } from './credentials.js';
import { newWebhookSecret, type RandomSource } from './ids.js';
import { notFound, PaymentQueries, type PaymentRef } from './payment-queries.js';
import { PaymentRelations } from './payment-relations.js';
import type { SandboxEvent } from './event-timeline.js';

export interface PaymentServiceOptions {
  store: Store;
  clock: Clock;
  random: RandomSource;
  newId: (prefix: string) => string;
  dispatcher: WebhookDispatcher;
  /** The sandbox's public base URL (known only once it listens), for the buyer pages' URLs. */
  baseUrl: () => string;
  /** Every notification is also delivered here, signed as its provider signs for --forward-to. */
  forwardTo?: string | null;
  /** Each provider's notification protocol by name (the registry); events of others notify nobody. */
  protocols: ProtocolLookup;
  /** Every provider's credentials per merchant; the native ones are the keys `authenticate` knows. */
  credentials: CredentialStore;
  /** How long a provider's payments wait for the buyer when the request names no deadline (`Provider.buyerWindowMs`). */
  buyerWindowMs?: (provider: string) => number | undefined;
  /** Whether a buyer's failure ends this waiting payment (`Provider.payerFailureEnds`); default yes. */
  payerFailureEnds?: (payment: Payment, read: CoreReader) => boolean;
}

export type { CoreReader } from './notifications.js';

export type EventListener = (event: PaycliEvent) => void;

/** What `resendEvent` sent again. */
export interface ResentEvent {
  /** The event the id named (a domain event, or a provider's own notification). */
  entry: SandboxEvent;
  /** Set when the id named one of a domain event's notifications, which alone was sent again. */
  notification_id: string | null;
  /** How many deliveries were staged. */
  deliveries: number;
}
/** Hears of a provider's own notification (`UnitOfWork.notify`) once it is durable. */
export type NotificationListener = (notification: StoredNotification) => void;

export class PaymentService extends PaymentQueries {
  readonly chaos = new ChaosRules();
  private readonly clock: Clock;
  private readonly opts: PaymentServiceOptions;
  private readonly notifier: Notifier;
  /** What units of work stage through (see unit-of-work.ts). */
  private readonly staging: CoreStaging;
  private readonly listeners = new Set<EventListener>();
  private readonly notificationListeners = new Set<NotificationListener>();
  /** Expiry and pending-refund timers, cancelled by reset and close. */
  private readonly due: DueWork;
  private closed = false;

  constructor(opts: PaymentServiceOptions) {
    super(opts.store, new OrderIndex(), new PaymentRelations());
    this.opts = opts;
    this.clock = opts.clock;
    this.notifier = new Notifier({ store: opts.store, dispatcher: opts.dispatcher, chaos: this.chaos, protocols: opts.protocols, forwardTo: opts.forwardTo ?? null, buyerUrl: (id) => this.buyerUrl(id) });
    this.due = new DueWork(
      opts.clock,
      async (id) => {
        const current = this.store.get<Payment>('payments', id);
        if (!current || !isExpired(current, this.clock.now())) return;
        await this.transact(current.provider ?? 'paycli', (uow) => uow.buyerAction(id, 'expire'));
      },
      async (id) => {
        const refund = this.store.get<Refund>('refunds', id);
        const payment = refund && this.store.get<Payment>('payments', refund.payment_id);
        if (!refund || !payment || refund.status !== 'pending') return;
        const settled = settleRefund(this.ctx(), payment, refund);
        this.store.put('refunds', settled.refund);
        this.store.put('payments', settled.payment);
        this.raise(settled.events);
        await this.store.commit();
      },
    );
    this.staging = {
      store: this.store,
      ctx: () => this.ctx(),
      newId: (prefix) => this.opts.newId(prefix),
      createPayment: (provider, merchant, input, o) => this.stageCreatePayment(provider, merchant, input, o),
      capture: (merchant, id, amount) => this.applied(capture(this.ctx(), merchant, this.getPayment(merchant, id), amount)),
      cancel: (merchant, id, reason) => this.applied(cancel(this.ctx(), this.getPayment(merchant, id), reason)),
      buyerAction: (id, action, failureCode) => {
        const p = this.findPayment(id);
        const merchant = this.store.get<Merchant>('merchants', p.merchant_id) ?? this.defaultMerchant;
        return this.applied(buyerAct(this.ctx(), merchant, p, action, failureCode));
      },
      createRefund: (merchant, paymentId, input) => this.stageRefund(merchant, paymentId, input),
      updateRefund: (merchant, refundId, update) => this.stageRefundUpdate(merchant, refundId, update),
      createEndpoint: (merchant, input) => this.stageEndpoint(merchant, input),
      notify: (provider, merchant, notification) => {
        const stored = this.notifier.notify(provider, merchant, notification, this.clock.now());
        this.whenDurable(this.notificationListeners, (l) => l(stored));
      },
      addRef: (provider, ref, paymentId) => {
        if (!this.store.get<Payment>('payments', paymentId)) throw notFound('payment', paymentId);
        this.store.put<PaymentRef>('payment_refs', { id: ref, payment_id: paymentId, provider });
      },
    };
    // A failed write undid changes these indexes and timers were built from: build them again.
    opts.store.onRollback?.(() => this.afterRollback());
  }

  /** Read access to every collection, for providers' pure code. */
  get reader(): CoreReader {
    return this.store;
  }

  /** Builds indexes, creates the default merchant on first start, re-arms expiry timers. */
  async open(): Promise<void> {
    if (this.store.count('merchants') === 0) {
      // Its keys are the native provider's credentials, minted next (`CredentialStore.ensure`).
      const merchant: Merchant = {
        id: this.opts.newId('mch'),
        name: 'Sandbox merchant',
        fees: DEFAULT_FEES,
        risk_max_amount: null,
        created: this.nowSec(),
      };
      this.store.put('merchants', merchant);
      await this.store.commit();
    }
    this.reindex();
    for (const p of this.store.list<Payment>('payments')) this.due.armExpiry(p);
    for (const r of this.store.list<Refund>('refunds')) this.due.armSettlement(r);
    // Deliveries from data files of earlier versions (before providers): pending ones are resumed next.
    let adopted = false;
    for (const d of this.store.list<Delivery>('deliveries')) {
      if (d.status === 'pending' && (d.notification_id === undefined || 'secret' in d)) adopted = this.notifier.adoptLegacy(d) || adopted;
    }
    if (adopted) await this.store.commit();
  }

  private reindex(): void {
    this.orders.clear();
    for (const p of this.store.list<Payment>('payments')) this.orders.add(p);
    this.related.rebuild(this.store);
  }

  get defaultMerchant(): Merchant {
    const m = this.store.list<Merchant>('merchants')[0];
    if (!m) throw new PaycliError('internal_error', 'The sandbox has no merchant; open() was not called.');
    return m;
  }

  /** Every merchant, oldest first. */
  merchants(): readonly Merchant[] {
    return this.store.list<Merchant>('merchants');
  }

  /** The merchant whose native secret key this is, or undefined. */
  authenticate(secretKey: string): Merchant | undefined {
    const id = this.opts.credentials.merchantIdForSecretKey(secretKey);
    return id === undefined ? undefined : this.store.get<Merchant>('merchants', id);
  }

  /** Changes a merchant's fees or risk limit (control API). */
  async updateMerchant(merchant: Merchant, patch: { fees?: Merchant['fees']; risk_max_amount?: number | null }): Promise<Merchant> {
    const updated: Merchant = {
      ...merchant,
      ...(patch.fees ? { fees: patch.fees } : {}),
      ...(patch.risk_max_amount !== undefined ? { risk_max_amount: patch.risk_max_amount } : {}),
    };
    this.store.put('merchants', updated);
    await this.store.commit();
    return updated;
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes to providers' own notifications (those no domain event causes), e.g. for `listen`. */
  onNotification(listener: NotificationListener): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  // --- payments ---

  /**
   * Runs `fn` as one unit of work for `provider` and commits what it staged in one durable write. With an
   * Idempotency-Key `ticket`, `fn` returns the response, whose record joins the same write.
   */
  async transact<T>(provider: string, fn: (uow: UnitOfWork) => T): Promise<T>;
  async transact(provider: string, fn: (uow: UnitOfWork) => StoredResponse, ticket: IdempotencyTicket | null): Promise<StoredResponse>;
  async transact<T>(provider: string, fn: (uow: UnitOfWork) => T, ticket?: IdempotencyTicket | null): Promise<T> {
    const work = new Work(provider, this.staging);
    let result: T;
    try {
      result = fn(work);
    } finally {
      work.finish();
    }
    if (result instanceof Promise) {
      throw new PaycliError('internal_error', 'A unit of work must be synchronous: stage everything in one tick, then let transact commit.');
    }
    ticket?.stage(result as StoredResponse);
    await this.store.commit();
    return result;
  }

  /** Where the simulated buyer acts on a payment (the page a native `next_action` links to). */
  buyerUrl(paymentId: string): string {
    return `${this.opts.baseUrl()}/_sandbox/buyer/${paymentId}`;
  }

  /** The simulated buyer completes, fails or abandons (expires) a payment waiting for them; `ref` as in findByRef. */
  async buyerAction(ref: string, action: BuyerAction, failureCode?: string): Promise<Payment> {
    const p = this.findByRef(ref);
    if (action === 'fail' && p.buyer_action !== null && this.opts.payerFailureEnds?.(p, this.store) === false) {
      // The PSP never hears of it and the payer may try again: nothing changes. The answer shows state
      // other requests may still be writing, so it waits until that is durable.
      await this.store.commit();
      return p;
    }
    return this.transact(p.provider ?? 'paycli', (uow) => uow.buyerAction(p.id, action, failureCode));
  }

  // --- webhook endpoints ---

  /** Stages a webhook endpoint (the caller's unit of work commits it). */
  private stageEndpoint(merchant: Merchant, input: EndpointInput): WebhookEndpoint {
    const endpoint: WebhookEndpoint = {
      id: this.opts.newId('we'),
      object: 'webhook_endpoint',
      merchant_id: merchant.id,
      url: input.url,
      enabled_events: input.enabled_events ?? ['*'],
      secret: newWebhookSecret(this.opts.random),
      description: input.description ?? null,
      created: this.nowSec(),
    };
    this.store.put('webhook_endpoints', endpoint);
    return endpoint;
  }

  async deleteEndpoint(merchant: Merchant, id: string): Promise<WebhookEndpoint> {
    const e = this.getEndpoint(merchant, id);
    this.store.remove('webhook_endpoints', id);
    await this.store.commit();
    return e;
  }

  /** The notifications an event means in its payment's provider (what `listen` forwards). */
  notificationsOf(event: PaycliEvent): { provider: string; notification: ProviderNotification }[] {
    return this.notifier.notificationsOf(event);
  }

  protected override notificationIdsOf(event: PaycliEvent): string[] {
    return this.notifier.notificationsOf(event).map((n) => n.notification.id);
  }

  /**
   * Resends an event (`findEvent`: a domain event, or a provider's own notification): a new delivery to
   * each destination with the same event id (same webhook-id), signed by its provider. By a domain event's
   * id, every notification it means goes again; by one of its notifications' ids (a Stripe `evt_…a`), that
   * notification alone (`notification_id`), as `stripe events resend` resends exactly the event named.
   */
  async resendEvent(merchant: Merchant, id: string, url?: string, opts: { retry?: boolean } = {}): Promise<ResentEvent> {
    const found = this.findEvent(merchant, id);
    const only = found.kind === 'event' && id !== found.id ? id : null;
    const deliveries =
      found.kind === 'event' ? this.notifier.resend(found.event, url, { retry: opts.retry, ...(only ? { only } : {}) }) : this.notifier.resendOwn(found.notification, merchant, url, opts);
    await this.store.commit();
    return { entry: found, notification_id: only, deliveries };
  }

  /** Deletes payments, refunds, events, deliveries and endpoints; keeps the merchants and every provider's keys. */
  async reset(): Promise<void> {
    const merchants = [...this.store.list<Merchant>('merchants')];
    const credentials = [...this.store.list('provider_credentials')];
    await this.store.clear();
    for (const m of merchants) this.store.put('merchants', m);
    for (const c of credentials) this.store.put('provider_credentials', c);
    await this.store.commit();
    this.chaos.clear();
    this.due.clear();
    this.reindex();
  }

  /** Cancels the timers; a closed service must not write to the store it shared. */
  close(): void {
    this.closed = true;
    this.due.close();
  }

  // --- internals ---

  private ctx(): EngineContext {
    return { nowMs: this.clock.now(), newId: this.opts.newId };
  }

  private nowSec(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  private apply(collection: 'payments', t: Transition<Payment>): void {
    this.store.put(collection, t.object);
    if (t.object.expires_at === null) this.due.disarmExpiry(t.object.id);
    this.raise(t.events);
  }

  /** Stores events and stages their notifications (through the payment's provider); the caller commits. */
  private raise(events: PaycliEvent[]): void {
    for (const event of events) {
      this.store.put('events', event);
      this.related.addEvent(event);
      this.notifier.raise(event);
      this.publish(event);
    }
  }

  /** Tells listeners (`listen`, `logs tail`) about an event once it is durable, never one a failed write undid. */
  private publish(event: PaycliEvent): void {
    this.whenDurable(this.listeners, (l) => l(event));
  }

  /** Calls `tell` on each listener of this moment once what is staged now is durable (never if undone). */
  private whenDurable<L>(set: ReadonlySet<L>, tell: (listener: L) => void): void {
    if (set.size === 0) return;
    const durable = this.store.whenDurable?.();
    if (durable === undefined) {
      for (const l of set) tell(l);
      return;
    }
    // The listeners of this moment: one subscribing later reads this event from the store (the stream's
    // backlog) and must not get it a second time.
    const listeners = [...set];
    void durable.then((ok) => {
      if (ok && !this.closed) for (const l of listeners) tell(l);
    });
  }

  /** After a failed write was rolled back: indexes and timers built from the undone changes are rebuilt. */
  private afterRollback(): void {
    if (this.closed) return;
    this.reindex();
    this.due.clear();
    for (const p of this.store.list<Payment>('payments')) this.due.armExpiry(p);
    for (const r of this.store.list<Refund>('refunds')) this.due.armSettlement(r);
  }

  private applied(t: Transition<Payment>): Payment {
    this.apply('payments', t);
    return t.object;
  }

  private stageRefund(merchant: Merchant, paymentId: string, input: CreateRefundInput): Refund {
    const payment = this.store.get<Payment>('payments', paymentId);
    if (!payment || payment.merchant_id !== merchant.id) throw notFound('payment', paymentId, 'payment_id');
    const r = createRefund(this.ctx(), payment, input);
    this.store.put('refunds', r.refund);
    this.related.addRefund(r.refund);
    this.store.put('payments', r.payment);
    this.raise(r.events);
    this.due.armSettlement(r.refund);
    return r.refund;
  }

  private stageRefundUpdate(merchant: Merchant, refundId: string, update: RefundUpdate): Refund {
    const current = this.store.get<Refund>('refunds', refundId);
    if (!current || current.merchant_id !== merchant.id) throw notFound('refund', refundId);
    const r = updateRefund(current, update);
    if (r.changed) this.store.put('refunds', r.refund);
    return r.refund;
  }

  private stageCreatePayment(provider: string, merchant: Merchant, input: CreatePaymentInput, opts: CreatePaymentOptions = {}): Payment {
    const existing = this.orders.get(provider, merchant.id, input.merchant_order_id);
    if (existing && opts.uniqueOrderId !== false) {
      throw new PaycliError('duplicate_merchant_order_id', `A payment with merchant_order_id "${input.merchant_order_id}" exists already (${existing}).`, {
        param: 'merchant_order_id',
        hint: 'Use a new merchant_order_id per order, or query the existing payment.',
        details: { payment_id: existing },
      });
    }
    const windowMs = opts.expiresAtMs === undefined ? this.opts.buyerWindowMs?.(provider) : undefined;
    const expiresAtMs = opts.expiresAtMs ?? (windowMs !== undefined ? this.clock.now() + windowMs : undefined);
    // Rounded up: a payment never expires before its deadline.
    const t = createPayment(this.ctx(), merchant, input, { provider, ...(expiresAtMs !== undefined ? { expiresAt: Math.ceil(expiresAtMs / 1000) } : {}) });
    this.orders.add(t.object);
    this.apply('payments', t);
    this.due.armExpiry(t.object);
    return t.object;
  }
}
