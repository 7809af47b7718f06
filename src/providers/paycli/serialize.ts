/**
 * The native API's wire shapes of the domain objects, exactly as the native API has always shown them:
 * `object: 'payment'`, `livemode: false`, and what the buyer must do as a Stripe-like `next_action` that
 * links to the sandbox's buyer page. What the native API has never shown (which provider a payment came
 * through, when a pending refund settles) is left out. Payments and refunds are written field by field, so
 * the key order (and so the bytes of responses and signed notifications) stays as it was, and fields of
 * documents stored by earlier versions (which carried `object` themselves) are not echoed.
 */
import type { Page } from '../../core/pagination.js';
import { buyerActionOf } from '../../engine/buyer-action.js';
import { isRefundEvent } from '../../engine/events.js';
import type { CaptureMethod, EventType, Payment, PaycliEvent, PaymentMethodSnapshot, PaymentStatus, Refund, RefundStatus } from '../../engine/types.js';

export type NativeNextAction =
  | { type: 'redirect_to_url'; redirect_to_url: { url: string; return_url: string | null } }
  | { type: 'display_qr_code'; display_qr_code: { data: string } };

export interface NativePayment {
  id: string;
  object: 'payment';
  merchant_id: string;
  merchant_order_id: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  capture_method: CaptureMethod;
  amount_captured: number;
  amount_refunded: number;
  fee: number;
  payment_method: PaymentMethodSnapshot;
  description: string | null;
  notify_url: string | null;
  return_url: string | null;
  metadata: Record<string, string>;
  failure_code: string | null;
  failure_message: string | null;
  next_action: NativeNextAction | null;
  cancellation_reason: string | null;
  expires_at: number | null;
  created: number;
  captured_at: number | null;
  canceled_at: number | null;
  livemode: false;
}
export interface NativeRefund {
  id: string;
  object: 'refund';
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
}
export type NativeEvent = Omit<PaycliEvent, 'type' | 'data'> & { type: EventType; data: { object: NativePayment | NativeRefund } };

/** Where the simulated buyer acts on a payment (the host knows its URL). */
export type BuyerUrl = (paymentId: string) => string;

function nextAction(p: Payment, buyerUrl: BuyerUrl): NativeNextAction | null {
  const action = buyerActionOf(p);
  if (!action) return null;
  const url = buyerUrl(p.id);
  if (action.kind === 'scan_qr') return { type: 'display_qr_code', display_qr_code: { data: url } };
  return { type: 'redirect_to_url', redirect_to_url: { url, return_url: p.return_url } };
}

export function toNativePayment(p: Payment, buyerUrl: BuyerUrl): NativePayment {
  return {
    id: p.id,
    object: 'payment',
    merchant_id: p.merchant_id,
    merchant_order_id: p.merchant_order_id,
    amount: p.amount,
    currency: p.currency,
    status: p.status,
    capture_method: p.capture_method,
    amount_captured: p.amount_captured,
    amount_refunded: p.amount_refunded,
    fee: p.fee,
    payment_method: p.payment_method,
    description: p.description,
    notify_url: p.notify_url,
    return_url: p.return_url,
    metadata: p.metadata,
    failure_code: p.failure_code,
    failure_message: p.failure_message,
    next_action: nextAction(p, buyerUrl),
    cancellation_reason: p.cancellation_reason,
    expires_at: p.expires_at,
    created: p.created,
    captured_at: p.captured_at,
    canceled_at: p.canceled_at,
    livemode: false,
  };
}

export function toNativeRefund(r: Refund): NativeRefund {
  return {
    id: r.id,
    object: 'refund',
    merchant_id: r.merchant_id,
    payment_id: r.payment_id,
    merchant_order_id: r.merchant_order_id,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    failure_reason: r.failure_reason,
    metadata: r.metadata,
    created: r.created,
  };
}

/** The native shape of what an event is about (its type says whether a payment or a refund). */
export function toNativeEventObject(e: PaycliEvent, buyerUrl: BuyerUrl): NativePayment | NativeRefund {
  return isRefundEvent(e) ? toNativeRefund(e.data.object) : toNativePayment(e.data.object, buyerUrl);
}

export function toNativeEvent(e: PaycliEvent, buyerUrl: BuyerUrl): NativeEvent {
  return { ...e, data: { object: toNativeEventObject(e, buyerUrl) } };
}

/** The serializers bound to the host's buyer page URLs, for the native routes. */
export function nativeShapes(buyerUrl: BuyerUrl) {
  return {
    toNativePayment: (p: Payment) => toNativePayment(p, buyerUrl),
    toNativeRefund,
    toNativeEvent: (e: PaycliEvent) => toNativeEvent(e, buyerUrl),
  };
}

/** A list page with its items in native shape. */
export function nativePage<T, U>(page: Page<T>, map: (item: T) => U): Page<U> {
  return { ...page, data: page.data.map(map) };
}
