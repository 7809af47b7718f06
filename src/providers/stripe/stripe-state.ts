/**
 * What the Stripe emulation keeps, and what it needs from the sandbox core. Stripe's own objects
 * (PaymentIntents, PaymentMethods, Customers, Checkout Sessions, webhook endpoints, events) are documents
 * in the provider's collections; each confirmation attempt is one domain payment (≈ a Stripe Charge), so
 * declines, 3-D Secure, capture, refunds and fees come from the shared engine.
 */
import type { CreatePaymentInput } from '../../engine/payments.js';
import type { CreateRefundInput, RefundUpdate } from '../../engine/refunds.js';
import type { Merchant, Payment, Refund } from '../../engine/types.js';
import type { FormObject } from './form-params.js';

export const COLLECTIONS = {
  paymentIntents: 'stripe_payment_intents',
  paymentMethods: 'stripe_payment_methods',
  setupIntents: 'stripe_setup_intents',
  customers: 'stripe_customers',
  checkoutSessions: 'stripe_checkout_sessions',
  webhookEndpoints: 'stripe_webhook_endpoints',
  events: 'stripe_events',
  idempotencyKeys: 'stripe_idempotency_keys',
  /** What the merchant changed on charges (charge-updates.ts). */
  chargeUpdates: 'stripe_charge_updates',
  /** Per merchant, own events waiting for a payment event to carry them (written by earlier versions only). */
  pendingEvents: 'stripe_pending_events',
} as const;
export type StripeCollection = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];

export type Metadata = Record<string, string>;

export interface PaymentIntentDoc {
  id: string;
  object: 'payment_intent';
  merchant_id: string;
  /**
   * Created with `automatic_payment_methods[enabled]=true` and redirects allowed: Stripe refuses to confirm
   * it without a `return_url` (absent when not, so older intents read as before).
   */
  return_url_required?: true;
  amount: number;
  /** Lower case, as Stripe writes currencies. */
  currency: string;
  capture_method: 'automatic' | 'automatic_async' | 'manual';
  confirmation_method: 'automatic' | 'manual';
  customer: string | null;
  description: string | null;
  metadata: Metadata;
  receipt_email: string | null;
  setup_future_usage: string | null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  /** Absent in intents stored by earlier versions: null. */
  shipping?: Shipping | null;
  transfer_group?: string | null;
  /** The payment method the next confirmation uses (a stored `pm_…`). */
  payment_method: string | null;
  payment_method_types: string[];
  automatic_payment_methods: { enabled: boolean; allow_redirects?: string } | null;
  /** `payment_method_options[card][request_three_d_secure]` when not `automatic` (absent in older intents). */
  request_three_d_secure?: 'any' | 'challenge';
  client_secret: string;
  return_url: string | null;
  /** Domain payment ids, one per confirmation attempt, oldest first. */
  attempts: string[];
  canceled: boolean;
  canceled_at: number | null;
  cancellation_reason: string | null;
  /** The Checkout Session that created this intent, if any. */
  checkout_session: string | null;
  created: number;
}

export type SetupIntentStatus = 'requires_payment_method' | 'requires_confirmation' | 'requires_action' | 'succeeded' | 'canceled';

/**
 * A SetupIntent: saving a card for later, with no payment behind it, so no domain payment either; its
 * status is kept here and the card's outcome read from the shared test-card table (setup-intents.ts).
 */
export interface SetupIntentDoc {
  id: string;
  object: 'setup_intent';
  merchant_id: string;
  customer: string | null;
  description: string | null;
  metadata: Metadata;
  usage: 'off_session' | 'on_session';
  /** The payment method being set up (a stored `pm_…`); null again after a failed attempt. */
  payment_method: string | null;
  payment_method_types: string[];
  automatic_payment_methods: { enabled: boolean; allow_redirects?: string } | null;
  /** As on PaymentIntents: confirming needs a `return_url` (automatic payment methods that may redirect). */
  return_url_required?: true;
  /** `payment_method_options[card][request_three_d_secure]`. */
  request_three_d_secure: 'any' | 'automatic' | 'challenge';
  client_secret: string;
  return_url: string | null;
  status: SetupIntentStatus;
  /** The wire `last_setup_error` of the latest failed attempt, or null. */
  last_setup_error: Record<string, unknown> | null;
  cancellation_reason: string | null;
  created: number;
  /** The Checkout Session (`mode=setup`) that made it: its success completes the session. */
  checkout_session?: string;
}

/** What the merchant changed on a charge (`POST /v1/charges/:id`); a field absent keeps the attempt's value. */
export interface ChargeUpdateDoc {
  /** The charge id. */
  id: string;
  merchant_id: string;
  description?: string | null;
  metadata?: Metadata;
  receipt_email?: string | null;
}

export interface CardData {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc?: string;
}

export interface PaymentMethodDoc {
  id: string;
  object: 'payment_method';
  merchant_id: string;
  type: 'card';
  /** The test card the domain decides with; never shown on the wire. */
  card_data: CardData;
  billing_details: { email: string | null; name: string | null; phone: string | null; address: null };
  customer: string | null;
  metadata: Metadata;
  created: number;
  /** Set up for later off-session payments (a SetupIntent succeeded with it): Stripe's 3155 card then needs no 3-D Secure off session. */
  set_up?: true;
  /** Stripe's `pm_card_chargeCustomerFail`: a SetupIntent sets it up although every charge of it is declined. */
  setup_succeeds?: true;
}

export interface CustomerDoc {
  id: string;
  object: 'customer';
  merchant_id: string;
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  metadata: Metadata;
  created: number;
  deleted: boolean;
  /** Absent in customers stored by earlier versions: null. */
  address?: CustomerAddress | null;
  shipping?: Shipping | null;
  /** `invoice_settings.default_payment_method`: a card attached to this customer. */
  default_payment_method?: string | null;
}

export interface CustomerAddress {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

/** A customer's or a PaymentIntent's shipping; `carrier` and `tracking_number` are a PaymentIntent's only. */
export interface Shipping {
  address: CustomerAddress;
  name: string;
  phone: string | null;
  carrier?: string | null;
  tracking_number?: string | null;
}

export interface LineItemDoc {
  id: string;
  description: string;
  quantity: number;
  unit_amount: number;
  currency: string;
  product_name: string;
  price: string | null;
}

export interface CheckoutSessionDoc {
  id: string;
  object: 'checkout.session';
  merchant_id: string;
  mode: 'payment' | 'setup' | 'subscription';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid' | 'no_payment_required';
  /** Null only in setup mode created with `payment_method_types` and no currency, as on Stripe. */
  currency: string | null;
  amount_total: number;
  line_items: LineItemDoc[];
  success_url: string | null;
  cancel_url: string | null;
  client_reference_id: string | null;
  customer: string | null;
  customer_email: string | null;
  metadata: Metadata;
  payment_intent: string | null;
  payment_intent_data: {
    capture_method?: 'automatic' | 'manual';
    description?: string;
    metadata?: Metadata;
    /** `receipt_email`, `setup_future_usage`, `shipping`, … as sent, for the PaymentIntent's creation. */
    pass_through?: FormObject;
  };
  /** `mode=setup`: the SetupIntent made when the buyer first submits a card (absent in payment mode). */
  setup_intent?: string | null;
  /** `mode=setup`: what its SetupIntent is created with. */
  setup_intent_data?: { description?: string; metadata?: Metadata };
  /** Page options the session answers as sent, though the hosted page does not act on them (absent: null). */
  options?: SessionOptions;
  created: number;
  expires_at: number;
}

export interface SessionOptions {
  locale?: string | null;
  submit_type?: string | null;
  billing_address_collection?: string | null;
  allow_promotion_codes?: boolean | null;
  customer_creation?: string | null;
}

export interface WebhookEndpointDoc {
  id: string;
  object: 'webhook_endpoint';
  merchant_id: string;
  url: string;
  enabled_events: string[];
  secret: string;
  status: 'enabled' | 'disabled';
  description: string | null;
  metadata: Metadata;
  api_version: string | null;
  created: number;
}

export interface StripeEventDoc {
  id: string;
  object: 'event';
  merchant_id: string;
  api_version: string;
  created: number;
  type: string;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
}

/**
 * An event about the provider's own objects (an intent created, a customer updated) as `stripe_events`
 * keeps it when the core stored it whole as a notification (`notifications`, same id: the core keeps every
 * own notification): its place among the events and what filtering needs, not a second copy of the intent.
 * The event is that notification's payload (`stripe-reader.ts`).
 */
export interface OwnEventRef {
  id: string;
  object: 'event';
  merchant_id: string;
  created: number;
  type: string;
  /** The event is the payload of the stored notification with this document's id. */
  in_notification: true;
}

/** A stored answer to a POST with an `Idempotency-Key`, replayed for the same key (24 hours, per merchant). */
export interface IdempotencyDoc {
  /** `<merchant id>:<key>`. */
  id: string;
  merchant_id: string;
  /** SHA-256 of method, path and body: the same key with other parameters is an idempotency_error. */
  fingerprint: string;
  /** The path the key was first used on (absent in records of earlier versions). */
  path?: string;
  status: number;
  body: unknown;
  created: number;
}

/** What the provider reads: its own documents, the domain payments and refunds, and its events. */
export interface StripeReader {
  readonly merchant: Merchant;
  readonly nowMs: number;
  get<T extends { id: string }>(collection: StripeCollection, id: string): T | undefined;
  list<T extends { id: string }>(collection: StripeCollection): T[];
  payment(id: string): Payment | undefined;
  /** A refund of a payment made through Stripe, by id. */
  refund(id: string): Refund | undefined;
  /** The payment's refunds, oldest first. */
  refundsOf(paymentId: string): Refund[];
  /** Every refund of the merchant's Stripe payments, oldest first. */
  refunds(): Refund[];
  /** Every Stripe event of the merchant (of domain changes and of the provider's own objects), oldest first. */
  events(): StripeEventDoc[];
  /** Whether the core stored a notification with this id (an event sent somewhere). */
  notified(id: string): boolean;
}

/**
 * One request's unit of work against the sandbox core: reads, staged writes of the provider's documents,
 * and domain operations. The Stripe events of domain changes come from the provider's notification
 * mapping (`stripe-events.ts`), which the host runs for each domain event; events of the provider's own
 * objects (an intent created, a session completed) are emitted here. Everything is made durable together.
 */
export interface StripeUnit extends StripeReader {
  newId(prefix: string): string;
  put<T extends { id: string }>(collection: StripeCollection, doc: T): void;
  remove(collection: StripeCollection, id: string): void;
  /** Stores and sends an event about the provider's own objects. */
  emit(event: StripeEventDoc): void;

  createPayment(input: CreatePaymentInput): Payment;
  capturePayment(paymentId: string, amount?: number): Payment;
  cancelPayment(paymentId: string, reason: string): Payment;
  /** The buyer on a page; `fail` with a failure code is the issuer's decline after authentication. */
  buyerAct(paymentId: string, action: 'complete' | 'fail', failureCode?: string): Payment;
  createRefund(paymentId: string, input: CreateRefundInput): Refund;
  updateRefund(refundId: string, update: RefundUpdate): Refund;
}

/** Charges and balance transactions are views of domain payments: their ids are derived, not stored. */
export const chargeIdOf = (paymentId: string) => `ch_${paymentId.slice(paymentId.indexOf('_') + 1)}`;
export const paymentIdOfCharge = (chargeId: string) => `pay_${chargeId.slice(3)}`;
export const chargeTxnId = (paymentId: string) => `txn_${paymentId.slice(paymentId.indexOf('_') + 1)}`;
export const refundTxnId = (refundId: string) => `txn_r${refundId.slice(refundId.indexOf('_') + 1)}`;

/**
 * The domain payment of a confirmation attempt records its intent in its metadata, and takes the
 * merchant's order number from the intent's `metadata[order_id]` (a common Stripe convention) or else the
 * intent id, so the simulated buyer and the native views find it by either.
 */
export const INTENT_METADATA_KEY = 'stripe_payment_intent';
export const attemptOrderId = (pi: { id: string; metadata: Record<string, string> }): string => pi.metadata.order_id || pi.id;
export const intentIdOf = (payment: { metadata: Record<string, string> }): string | null => payment.metadata[INTENT_METADATA_KEY] ?? null;
