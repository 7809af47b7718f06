/**
 * A unit of work: the domain operations and a provider's own documents of one request, staged in memory
 * (visible to reads at once) and made durable together by the one `store.commit()` that
 * `PaymentService.transact` runs after it. A provider's request handler does all of its writing inside one
 * unit of work, so its own document (a Stripe PaymentIntent), the domain payment (≈ a Stripe Charge), the
 * events, the deliveries and the Idempotency-Key record land in the same write or not at all.
 *
 * Each operation checks before it stages, so one that throws has changed nothing. A unit of work that
 * throws after an earlier operation succeeded leaves that operation staged (the store has no rollback):
 * check everything the request needs first, then stage.
 */
import type { BuyerAction, CreatePaymentInput } from '../engine/payments.js';
import type { CreateRefundInput, RefundUpdate } from '../engine/refunds.js';
import type { EngineContext, Merchant, Payment, Refund, WebhookEndpoint } from '../engine/types.js';
import { PaycliError } from '../errors.js';
import type { CollectionName, Store, StoredDoc } from '../store/store.js';
import type { ProviderNotification } from './notifications.js';

export interface CreatePaymentOptions {
  /**
   * Default true: a second payment with the same merchant_order_id (for this provider and merchant) is a
   * `duplicate_merchant_order_id` error. False for a provider whose one order may take several payment
   * attempts (each Stripe confirmation of a PaymentIntent is one domain payment).
   */
  uniqueOrderId?: boolean;
  /**
   * When the payment expires if it waits for the buyer, in milliseconds since the epoch: the request's own
   * deadline (WeChat's `time_expire`). Default: the provider's window (`Provider.buyerWindowMs`), else the core's.
   */
  expiresAtMs?: number;
}

export interface UnitOfWork {
  /** The provider the work is done for: payments it creates record it. */
  readonly provider: string;
  /** The clock's time when the work started, in milliseconds. */
  readonly nowMs: number;
  /** A fresh id (`<prefix>_…`), seeded in scenario replay. */
  newId(prefix: string): string;

  createPayment(merchant: Merchant, input: CreatePaymentInput, opts?: CreatePaymentOptions): Payment;
  capture(merchant: Merchant, paymentId: string, amount?: number): Payment;
  cancel(merchant: Merchant, paymentId: string, reason?: string): Payment;
  /** The simulated buyer (or a provider flow that stands for one) acts on a payment waiting for them. */
  buyerAction(paymentId: string, action: BuyerAction, failureCode?: string): Payment;
  /** A refund; with `pendingForMs` it is `pending` and settles on the clock later. */
  createRefund(merchant: Merchant, paymentId: string, input: CreateRefundInput): Refund;
  /** Changes what a merchant may change on one of its refunds (its metadata); raises no domain event. */
  updateRefund(merchant: Merchant, refundId: string, update: RefundUpdate): Refund;
  /** A notification endpoint the merchant registers, with its own signing secret. */
  createEndpoint(merchant: Merchant, input: EndpointInput): WebhookEndpoint;
  /**
   * A notification the provider raises itself, about one of its own objects rather than a payment (a
   * Stripe `customer.created`, `checkout.session.expired`): stored, with its deliveries staged (the
   * protocol's `ownTargets`, --forward-to, chaos) in this unit's commit and told to `listen` once durable,
   * so it goes out now rather than with the merchant's next payment event. Its id must be new in the store.
   */
  notify(merchant: Merchant, notification: ProviderNotification): void;

  /**
   * Registers an identifier the merchant holds for a payment (a Stripe `pi_…`, an Alipay `trade_no`), so
   * `POST /_sandbox/buyer/{ref}/…` finds it. Registering the same ref again points it at the new payment.
   */
  addRef(ref: string, paymentId: string): void;

  /** Reads any collection. */
  get<T extends StoredDoc>(collection: CollectionName, id: string): T | undefined;
  list<T extends StoredDoc>(collection: CollectionName): readonly T[];
  /** Writes the provider's own collections only (`<provider>_…`). */
  put<T extends StoredDoc>(collection: CollectionName, doc: T): void;
  remove(collection: CollectionName, id: string): void;
}

export interface EndpointInput {
  url: string;
  enabled_events?: string[];
  description?: string;
}

/** What the core lends a unit of work: each operation checks, then stages (no commit). */
export interface CoreStaging {
  store: Store;
  ctx(): EngineContext;
  newId(prefix: string): string;
  createPayment(provider: string, merchant: Merchant, input: CreatePaymentInput, opts?: CreatePaymentOptions): Payment;
  capture(merchant: Merchant, paymentId: string, amount?: number): Payment;
  cancel(merchant: Merchant, paymentId: string, reason?: string): Payment;
  buyerAction(paymentId: string, action: BuyerAction, failureCode?: string): Payment;
  createRefund(merchant: Merchant, paymentId: string, input: CreateRefundInput): Refund;
  updateRefund(merchant: Merchant, refundId: string, update: RefundUpdate): Refund;
  createEndpoint(merchant: Merchant, input: EndpointInput): WebhookEndpoint;
  notify(provider: string, merchant: Merchant, notification: ProviderNotification): void;
  addRef(provider: string, ref: string, paymentId: string): void;
}

/** The unit of work `PaymentService.transact` hands out: usable until the transaction ends. */
export class Work implements UnitOfWork {
  readonly nowMs: number;
  private open = true;

  constructor(
    readonly provider: string,
    private readonly core: CoreStaging,
  ) {
    this.nowMs = core.ctx().nowMs;
  }

  /** Ends the unit of work: an operation kept past it (an await) would stage outside the commit. */
  finish(): void {
    this.open = false;
  }

  private check(): void {
    if (!this.open) throw new PaycliError('internal_error', 'This unit of work is finished; start a new one with transact().');
  }

  /** A provider writes only its own collections: `<provider>_…`. */
  private own(collection: string): void {
    this.check();
    if (!collection.startsWith(`${this.provider}_`)) {
      throw new PaycliError('internal_error', `Provider ${this.provider} may write only its own collections (${this.provider}_…), not "${collection}".`);
    }
  }

  newId(prefix: string): string {
    return this.core.newId(prefix);
  }
  createPayment(merchant: Merchant, input: CreatePaymentInput, opts?: CreatePaymentOptions): Payment {
    this.check();
    return this.core.createPayment(this.provider, merchant, input, opts);
  }
  capture(merchant: Merchant, paymentId: string, amount?: number): Payment {
    this.check();
    return this.core.capture(merchant, paymentId, amount);
  }
  cancel(merchant: Merchant, paymentId: string, reason?: string): Payment {
    this.check();
    return this.core.cancel(merchant, paymentId, reason);
  }
  buyerAction(paymentId: string, action: BuyerAction, failureCode?: string): Payment {
    this.check();
    return this.core.buyerAction(paymentId, action, failureCode);
  }
  createRefund(merchant: Merchant, paymentId: string, input: CreateRefundInput): Refund {
    this.check();
    return this.core.createRefund(merchant, paymentId, input);
  }
  updateRefund(merchant: Merchant, refundId: string, update: RefundUpdate): Refund {
    this.check();
    return this.core.updateRefund(merchant, refundId, update);
  }
  createEndpoint(merchant: Merchant, input: EndpointInput): WebhookEndpoint {
    this.check();
    return this.core.createEndpoint(merchant, input);
  }
  notify(merchant: Merchant, notification: ProviderNotification): void {
    this.check();
    this.core.notify(this.provider, merchant, notification);
  }
  addRef(ref: string, paymentId: string): void {
    this.check();
    this.core.addRef(this.provider, ref, paymentId);
  }
  get<T extends StoredDoc>(collection: CollectionName, id: string): T | undefined {
    return this.core.store.get<T>(collection, id);
  }
  list<T extends StoredDoc>(collection: CollectionName): readonly T[] {
    return this.core.store.list<T>(collection);
  }
  put<T extends StoredDoc>(collection: CollectionName, doc: T): void {
    this.own(collection);
    this.core.store.put(collection, doc);
  }
  remove(collection: CollectionName, id: string): void {
    this.own(collection);
    this.core.store.remove(collection, id);
  }
}
