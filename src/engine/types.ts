/**
 * The provider-agnostic payment domain. These are the objects the sandbox stores; providers translate
 * them to and from their own wire shapes. Amounts are integers in minor units; times are Unix seconds.
 */

export type PaymentStatus =
  /** A card payment that needs 3-D Secure: the buyer must authenticate. */
  | 'requires_action'
  /** A wallet payment waiting for the buyer to pay (QR code or redirect). */
  | 'pending'
  /** Authorised with manual capture; the merchant must capture or cancel. */
  | 'requires_capture'
  | 'succeeded'
  | 'failed'
  | 'canceled';

export type WalletType = 'alipay' | 'wechat_pay' | 'paypal' | 'apple_pay';
export const WALLET_TYPES: readonly WalletType[] = ['alipay', 'wechat_pay', 'paypal', 'apple_pay'];

export type CaptureMethod = 'automatic' | 'manual';

export interface CardDetails {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  /** Which test-card behaviour this card has (see the card table), e.g. `success`, `refund_fails`. */
  test_behaviour: string;
}

export type PaymentMethodSnapshot =
  | { type: 'card'; card: CardDetails }
  /**
   * `payment_code_last4` only on a wallet payment the buyer presented a payment code for (Alipay bar code,
   * WeChat 付款码): the merchant scanned it, so the outcome was known at once, with no buyer page.
   */
  | { type: 'wallet'; wallet: WalletType; payment_code_last4?: string };

/**
 * What the buyer must do before a waiting payment can go on, as neutral data: authenticate a card
 * (3-D Secure), scan a QR code (Alipay, WeChat Pay) or be redirected to the wallet (PayPal, Apple Pay).
 * Where they do it is the host's business (the buyer page URL); each provider shows it in its own shape.
 */
export type RequiredBuyerAction = { kind: 'authenticate' } | { kind: 'scan_qr' } | { kind: 'redirect' };

export interface Payment {
  id: string;
  merchant_id: string;
  /**
   * The wire protocol the payment was made through (`paycli`, `stripe`, `alipay`, …): it decides who
   * is notified and in which shape, and the merchant order number is unique per provider and merchant.
   */
  provider: string;
  merchant_order_id: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  capture_method: CaptureMethod;
  /** What has been captured (0 until the payment succeeds). */
  amount_captured: number;
  amount_refunded: number;
  /** The PSP's fee, fixed when the payment is captured (0 before). */
  fee: number;
  payment_method: PaymentMethodSnapshot;
  description: string | null;
  notify_url: string | null;
  return_url: string | null;
  metadata: Record<string, string>;
  failure_code: string | null;
  failure_message: string | null;
  /** Set while the payment waits for the buyer (`requires_action`, `pending` without a payment code). */
  buyer_action: RequiredBuyerAction | null;
  cancellation_reason: string | null;
  /** When an unpaid payment (3-D Secure, wallet) expires if the buyer does nothing. */
  expires_at: number | null;
  created: number;
  captured_at: number | null;
  canceled_at: number | null;
}

/**
 * `pending`: accepted, the money is not back yet (WeChat Pay's `PROCESSING`); it settles later on the
 * clock to `succeeded` or `failed`. Native refunds settle at once and are never pending.
 */
export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export interface Refund {
  id: string;
  merchant_id: string;
  payment_id: string;
  merchant_order_id: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  reason: string | null;
  failure_reason: string | null;
  metadata: Record<string, string>;
  created: number;
  /** Only on a refund created pending: when (Unix seconds) it settles. */
  settles_at?: number;
}

export const EVENT_TYPES = [
  'payment.created',
  'payment.pending',
  'payment.requires_action',
  'payment.requires_capture',
  'payment.succeeded',
  'payment.captured',
  'payment.failed',
  'payment.canceled',
  'refund.succeeded',
  'refund.failed',
] as const;
/** The native API's event types (what `enabled_events` and `paycli trigger` accept). */
export type NativeEventType = (typeof EVENT_TYPES)[number];

/**
 * Every domain event type: the native ones plus those only other providers' protocols surface
 * (`refund.pending`, for refunds that settle later). A provider maps each to zero or more notifications.
 */
export const DOMAIN_EVENT_TYPES = [...EVENT_TYPES, 'refund.pending'] as const;
export type EventType = (typeof DOMAIN_EVENT_TYPES)[number];

/** The event types about a payment (`payment.*`) and about a refund (`refund.*`). */
export type PaymentEventType = Extract<EventType, `payment.${string}`>;
export type RefundEventType = Extract<EventType, `refund.${string}`>;

interface EventBase {
  id: string;
  object: 'event';
  merchant_id: string;
  created: number;
}

/**
 * A domain event: its type names what it is about, and `data.object` is that payment or refund as it
 * became. The type is the one discriminator (`isRefundEvent`, `paymentIdOf` in events.ts): every event
 * ever stored has it, so events written by any version are told apart the same way, and no second field
 * can disagree with it. Payments and refunds themselves carry no `object` tag (a wire field the native
 * serializer writes).
 */
export type PaycliEvent = PaymentEvent | RefundEvent;
export interface PaymentEvent extends EventBase {
  type: PaymentEventType;
  data: { object: Payment };
}
export interface RefundEvent extends EventBase {
  type: RefundEventType;
  data: { object: Refund };
}

export interface FeeSchedule {
  /** Percentage fee in basis points (290 = 2.9%). */
  percent_bps: number;
  /** Fixed fee per captured payment, in minor units. */
  fixed: number;
}

export interface Merchant {
  id: string;
  name: string;
  fees: FeeSchedule;
  /** Payments above this amount (minor units) are blocked by risk control; null disables the rule. */
  risk_max_amount: number | null;
  created: number;
}

export interface WebhookEndpoint {
  id: string;
  object: 'webhook_endpoint';
  merchant_id: string;
  url: string;
  /** Event types delivered; ['*'] for all. */
  enabled_events: string[];
  secret: string;
  description: string | null;
  created: number;
}

/** What an engine operation needs from the outside world, injected so the engine stays pure. */
export interface EngineContext {
  /** Current time in milliseconds since the epoch (from the injected clock). */
  nowMs: number;
  /** Returns a fresh id with the given prefix, e.g. `pay`. */
  newId(prefix: string): string;
}

/** The result of an engine operation: the changed objects and the events they raise, in order. */
export interface Transition<T> {
  object: T;
  events: PaycliEvent[];
}
