/**
 * How a scenario acts at a PSP and reads it back, in that PSP's own wire protocol. A scenario with
 * `setup.provider: <name>` runs against that provider's port (the app's SDK talks to it); the runner's own
 * PSP-side steps (`create_payment`, `capture`, `cancel`, `refund`) and `expect.payment` / `expect.refund`
 * go through the provider's driver, signed with the run's credentials for that provider, exactly as
 * another system of the merchant would call the PSP. Steps that do not touch the PSP's API (the buyer,
 * time, redelivery, faults, the app's routes) are the same for every provider.
 *
 * Each provider that scenarios support has a driver in its folder (`scenario-driver.ts`) and one line in
 * `scenario-drivers.ts`. A driver never prints, and speaks raw HTTP: the runtime does not depend on the
 * PSPs' SDKs (only the tests do).
 */
import type { HttpResult } from './http.js';

/** What a driver call is given. */
export interface DriverContext {
  /** The provider's own base URL in this scenario's sandbox; the runner calls it directly, never via the app's front. */
  url: string;
  /** The run's credentials for this provider (as the provider's `mint` returns them). */
  creds: Record<string, unknown>;
  /** Headers every runner call must carry (they mark it as the runner's, so API fault rules skip it). */
  runnerHeaders: Record<string, string>;
  /** Virtual time now, in milliseconds (for timestamps a protocol signs). */
  now(): number;
}

/** One exchange with the PSP, as reports show it. */
export interface DriverCall extends HttpResult {
  /** e.g. `POST /v1/payment_intents` or `alipay.trade.refund`. */
  request: string;
}

/** A payment a scenario creates at the PSP (`create_payment`), in the scenario's neutral words. */
export interface DriverPaymentInput {
  /** Minor units (fen, cents). */
  amount: number;
  currency: string;
  /** A test card (providers without cards refuse it with a DriverRefusal). */
  card?: { number: string; exp_month: number; exp_year: number; cvc: string };
  /** A wallet payment the buyer completes (QR, redirect): Alipay and WeChat Pay orders are this. */
  wallet?: string;
  /** The provider's own payment-method input, passed through (e.g. Stripe `{ id: 'pm_card_visa' }`). */
  payment_method?: Record<string, unknown>;
  capture_method?: 'automatic' | 'manual';
  merchant_order_id: string;
  /** Where notifications go; null for none (providers that need one get the app's). */
  notify_url: string | null;
  description?: string;
  metadata?: Record<string, string>;
}

/** A step this provider cannot do as written (e.g. a card for Alipay); the runner reports it as the step's failure. */
export class DriverRefusal extends Error {}

export interface ScenarioDriver {
  /** The provider's registry name. */
  provider: string;
  /**
   * The notification types this provider sends (`payment_intent.succeeded`, `TRADE_SUCCESS`,
   * `TRANSACTION.SUCCESS`, …): what a provider scenario's `events:` / `event:` patterns name.
   */
  notificationTypes: readonly string[];
  /**
   * How the app hears of notifications. `notify_url` (default): each payment names its own (Alipay,
   * WeChat Pay, the native API). `forward`: the PSP notifies the account's registered endpoints instead
   * (Stripe), so the run forwards every notification to the app's notification URL, signed with the
   * credentials' secret, as `stripe listen --forward-to` does.
   */
  notifyBy?: 'notify_url' | 'forward';
  /**
   * What to tell the developer when their handler fails a check, in this protocol's terms (the native
   * hints speak of Standard Webhooks' `webhook-signature` and `webhook-id`).
   */
  hints?: Partial<Record<'tampered' | 'stale' | 'forged' | 'unchanged', string>>;
  /** Creates a payment; `ref` is the merchant's handle for it (a `pi_…`, the `out_trade_no`), null when refused. */
  createPayment(ctx: DriverContext, input: DriverPaymentInput): Promise<{ call: DriverCall; ref: string | null }>;
  capture(ctx: DriverContext, ref: string, amount?: number): Promise<DriverCall>;
  cancel(ctx: DriverContext, ref: string, reason?: string): Promise<DriverCall>;
  /** Refunds part (amount) or the rest of a payment; `ref` of the refund (a `re_…`, an `out_refund_no`). */
  refund(ctx: DriverContext, paymentRef: string, input: { amount?: number; reason?: string; refundNo: string }): Promise<{ call: DriverCall; ref: string | null }>;
  /** The payment as the provider's query shows it; `json` is the object itself (unwrapped from any envelope). */
  readPayment(ctx: DriverContext, ref: string): Promise<DriverCall>;
  /** The refund as the provider's refund query shows it (unwrapped). */
  readRefund(ctx: DriverContext, paymentRef: string, refundRef: string): Promise<DriverCall>;
  /** The provider's error code in an answer (Stripe `error.code`, Alipay `sub_code`, WeChat Pay `code`), if any. */
  errorCode(call: HttpResult): string | null;
  /**
   * What the app's checkout route is sent as `payment_method` for a scenario's card, wallet or raw input
   * (default: the native API's object). Stripe sends a PaymentMethod id (`pm_card_visa`), as Stripe.js
   * hands one to the app. Throws DriverRefusal for what the provider has no form of.
   */
  appPaymentMethod?(input: Pick<DriverPaymentInput, 'card' | 'wallet' | 'payment_method'>): unknown;
  /** The payment ref in the app's checkout answer, beyond `payment_id` (e.g. `payment_intent`, `out_trade_no`). */
  refFromAppAnswer?(json: unknown): string | null;
}
