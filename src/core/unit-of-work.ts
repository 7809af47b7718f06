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
import type { CreateRefundInput } from '../engine/refunds.js';
import type { Merchant, Payment, Refund } from '../engine/types.js';
import type { CollectionName, StoredDoc } from '../store/store.js';

export interface CreatePaymentOptions {
  /**
   * Default true: a second payment with the same merchant_order_id (for this provider and merchant) is a
   * `duplicate_merchant_order_id` error. False for a provider whose one order may take several payment
   * attempts (each Stripe confirmation of a PaymentIntent is one domain payment).
   */
  uniqueOrderId?: boolean;
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
