/**
 * The payment state machine. Every function is pure: it takes the current object and an injected
 * context (time, id generator) and returns the next object and the events it raises. A decline is a
 * payment in status `failed`, not an exception; an operation the current status forbids is a PaycliError
 * (`invalid_state`), because that is the caller's mistake, not the buyer's.
 *
 *   created ─┬─ success ──────────────▶ succeeded ◀── capture ── requires_capture
 *            ├─ decline / risk ───────▶ failed
 *            ├─ 3-D Secure ───────────▶ requires_action ─ buyer ─▶ succeeded | requires_capture | failed
 *            └─ wallet ───────────────▶ pending ───────── buyer ─▶ succeeded | requires_capture | failed
 *   requires_action | pending | requires_capture ── cancel / expiry ──▶ canceled
 */
import { PaycliError } from '../errors.js';
import { assertPositiveAmount } from './amounts.js';
import { cardBehaviour, cardBrand, cardExpired, paymentCodeBehaviour, supportsThreeDSecure } from './cards.js';
import { makeEvent } from './events.js';
import { assessRisk } from './risk.js';
import { feeFor } from './settlement.js';
import type {
  CaptureMethod,
  EngineContext,
  PaymentEventType,
  Merchant,
  RequiredBuyerAction,
  Payment,
  Transition,
  WalletType,
} from './types.js';

/** How long a payment waits for the buyer (3-D Secure or wallet) before it expires. */
export const BUYER_ACTION_TIMEOUT_SEC = 30 * 60;

export type PaymentMethodInput =
  | { type: 'card'; card: { number: string; exp_month: number; exp_year: number; cvc?: string } }
  /**
   * Without `payment_code` the buyer pays later (QR code or redirect: `pending`); with it the merchant
   * scanned the buyer's payment code and the outcome is known at once (see `paymentCodeBehaviour`).
   */
  | { type: 'wallet'; wallet: WalletType; payment_code?: string };

/** A validated create-payment request (the provider has checked types and formats). */
export interface CreatePaymentInput {
  amount: number;
  /** ISO 4217, uppercase. */
  currency: string;
  merchant_order_id: string;
  payment_method: PaymentMethodInput;
  capture_method: CaptureMethod;
  description: string | null;
  notify_url: string | null;
  return_url: string | null;
  metadata: Record<string, string>;
  /**
   * The merchant asks for 3-D Secure (Stripe's `request_three_d_secure: any`): a card the issuer would
   * authorise waits for the buyer to authenticate first, when the card supports 3-D Secure.
   */
  request_authentication?: boolean;
}

/** How a payment is made: the provider it is made through; default `paycli`. */
export interface PaymentOrigin {
  provider?: string;
  /**
   * When a payment that waits for the buyer expires, in Unix seconds: the request's own deadline (WeChat's
   * `time_expire`) or the provider's window. Default: BUYER_ACTION_TIMEOUT_SEC from now.
   */
  expiresAt?: number;
}

const sec = (ctx: EngineContext) => Math.floor(ctx.nowMs / 1000);

function authorised(payment: Payment, ctx: EngineContext, fees: Merchant['fees']): { payment: Payment; type: PaymentEventType } {
  if (payment.capture_method === 'manual') {
    return { payment: { ...payment, status: 'requires_capture', buyer_action: null, expires_at: null }, type: 'payment.requires_capture' };
  }
  return {
    payment: {
      ...payment,
      status: 'succeeded',
      amount_captured: payment.amount,
      fee: feeFor(payment.amount, fees),
      captured_at: sec(ctx),
      buyer_action: null,
      expires_at: null,
    },
    type: 'payment.succeeded',
  };
}

function failed(payment: Payment, code: string, message: string): Payment {
  return { ...payment, status: 'failed', failure_code: code, failure_message: message, buyer_action: null, expires_at: null };
}

function walletAction(wallet: WalletType): RequiredBuyerAction {
  // QR-code wallets show a code the buyer scans; the others redirect the buyer's browser.
  return wallet === 'alipay' || wallet === 'wechat_pay' ? { kind: 'scan_qr' } : { kind: 'redirect' };
}

/** Creates a payment and decides its first outcome from the card, wallet and risk rules. */
export function createPayment(ctx: EngineContext, merchant: Merchant, input: CreatePaymentInput, origin: PaymentOrigin): Transition<Payment> {
  const id = ctx.newId('pay');
  const pm = input.payment_method;
  const base: Payment = {
    id,
    merchant_id: merchant.id,
    provider: origin.provider ?? 'paycli',
    merchant_order_id: input.merchant_order_id,
    amount: input.amount,
    currency: input.currency,
    status: 'pending',
    capture_method: input.capture_method,
    amount_captured: 0,
    amount_refunded: 0,
    fee: 0,
    payment_method:
      pm.type === 'card'
        ? {
            type: 'card',
            card: {
              brand: cardBrand(pm.card.number),
              last4: pm.card.number.slice(-4),
              exp_month: pm.card.exp_month,
              exp_year: pm.card.exp_year,
              test_behaviour: cardBehaviour(pm.card.number).kind,
            },
          }
        : pm.payment_code === undefined
          ? { type: 'wallet', wallet: pm.wallet }
          : { type: 'wallet', wallet: pm.wallet, payment_code_last4: pm.payment_code.slice(-4) },
    description: input.description,
    notify_url: input.notify_url,
    return_url: input.return_url,
    metadata: input.metadata,
    failure_code: null,
    failure_message: null,
    buyer_action: null,
    cancellation_reason: null,
    expires_at: null,
    created: sec(ctx),
    captured_at: null,
    canceled_at: null,
  };
  // payment.created carries the payment as the API answered it: the create call never shows a card payment
  // as pending, so neither does its first event.
  const finish = (payment: Payment, type: PaymentEventType): Transition<Payment> => {
    const created = makeEvent(ctx, 'payment.created', payment);
    return { object: payment, events: [created, makeEvent(ctx, type, payment)] };
  };

  const risk = assessRisk(merchant, input);
  if (risk.blocked) return finish(failed(base, risk.failure_code, risk.message), 'payment.failed');

  const waiting = { expires_at: origin.expiresAt ?? sec(ctx) + BUYER_ACTION_TIMEOUT_SEC };

  if (pm.type === 'wallet' && pm.payment_code !== undefined) {
    const behaviour = paymentCodeBehaviour(pm.payment_code);
    if (behaviour.kind === 'decline' || behaviour.kind === 'risk_block') return finish(failed(base, behaviour.failure_code, behaviour.message), 'payment.failed');
    const next = authorised(base, ctx, merchant.fees);
    return finish(next.payment, next.type);
  }
  if (pm.type === 'wallet') {
    return finish({ ...base, ...waiting, status: 'pending', buyer_action: walletAction(pm.wallet) }, 'payment.pending');
  }

  if (cardExpired(pm.card.exp_month, pm.card.exp_year, ctx.nowMs)) {
    return finish(failed(base, 'expired_card', 'Your card has expired.'), 'payment.failed');
  }
  const behaviour = cardBehaviour(pm.card.number);
  switch (behaviour.kind) {
    case 'decline':
    case 'risk_block':
      return finish(failed(base, behaviour.failure_code, behaviour.message), 'payment.failed');
    case 'authentication_required':
      return finish(
        {
          ...base,
          ...waiting,
          status: 'requires_action',
          buyer_action: { kind: 'authenticate' },
        },
        'payment.requires_action',
      );
    case 'success':
    case 'refund_fails': {
      if (input.request_authentication && supportsThreeDSecure(pm.card.number)) {
        return finish({ ...base, ...waiting, status: 'requires_action', buyer_action: { kind: 'authenticate' } }, 'payment.requires_action');
      }
      const next = authorised(base, ctx, merchant.fees);
      return finish(next.payment, next.type);
    }
  }
}

export type BuyerAction = 'complete' | 'fail' | 'expire';

/**
 * What the simulated buyer does on a payment waiting for them: authenticate or pay (`complete`), fail
 * (`fail`, e.g. a wrong 3-D Secure code or an empty wallet), or walk away until it expires (`expire`).
 */
export function buyerAct(
  ctx: EngineContext,
  merchant: Merchant,
  payment: Payment,
  action: BuyerAction,
  failureCode?: string,
): Transition<Payment> {
  if (payment.status !== 'requires_action' && payment.status !== 'pending') {
    throw new PaycliError('invalid_state', `Payment ${payment.id} is ${payment.status}; the buyer can act only on a payment that is requires_action or pending.`, {
      param: 'id',
    });
  }
  if (action === 'complete') {
    const next = authorised(payment, ctx, merchant.fees);
    return { object: next.payment, events: [makeEvent(ctx, next.type, next.payment)] };
  }
  if (action === 'fail') {
    const isCard = payment.payment_method.type === 'card';
    const code = failureCode ?? (isCard ? 'authentication_failed' : 'payment_failed');
    const message = isCard && !failureCode ? 'The buyer failed 3-D Secure authentication.' : `The buyer's payment failed (${code}).`;
    const next = failed(payment, code, message);
    return { object: next, events: [makeEvent(ctx, 'payment.failed', next)] };
  }
  return cancel(ctx, payment, 'expired');
}

/** Captures an authorised payment, wholly or in part (the rest is released). */
export function capture(ctx: EngineContext, merchant: Merchant, payment: Payment, amount?: number): Transition<Payment> {
  if (payment.status !== 'requires_capture') {
    throw new PaycliError('invalid_state', `Payment ${payment.id} is ${payment.status}; only a requires_capture payment can be captured.`, { param: 'id' });
  }
  const toCapture = amount ?? payment.amount;
  assertPositiveAmount(toCapture);
  if (toCapture > payment.amount) {
    throw new PaycliError('capture_exceeds_authorized', `Cannot capture ${toCapture}: only ${payment.amount} was authorised.`, { param: 'amount' });
  }
  const next: Payment = {
    ...payment,
    status: 'succeeded',
    amount_captured: toCapture,
    fee: feeFor(toCapture, merchant.fees),
    captured_at: sec(ctx),
  };
  return { object: next, events: [makeEvent(ctx, 'payment.captured', next), makeEvent(ctx, 'payment.succeeded', next)] };
}

const CANCELABLE = new Set<Payment['status']>(['requires_action', 'pending', 'requires_capture']);

/** Closes a payment that has not been paid or captured. */
export function cancel(ctx: EngineContext, payment: Payment, reason: string = 'requested_by_merchant'): Transition<Payment> {
  if (!CANCELABLE.has(payment.status)) {
    throw new PaycliError('invalid_state', `Payment ${payment.id} is ${payment.status}; only an unpaid or uncaptured payment can be canceled.`, {
      param: 'id',
      hint: payment.status === 'succeeded' ? 'Refund a succeeded payment instead.' : undefined,
    });
  }
  const next: Payment = { ...payment, status: 'canceled', cancellation_reason: reason, canceled_at: sec(ctx), buyer_action: null, expires_at: null };
  return { object: next, events: [makeEvent(ctx, 'payment.canceled', next)] };
}

/** True when a waiting payment has passed its expiry time. */
export function isExpired(payment: Payment, nowMs: number): boolean {
  return payment.expires_at !== null && CANCELABLE.has(payment.status) && payment.status !== 'requires_capture' && nowMs >= payment.expires_at * 1000;
}
