import { describe, expect, it } from 'vitest';
import { MERCHANT, NOW_MS, NOW_SEC, PAGES, cardMethod, fixedContext, paymentInput } from '../../test/helpers/engine.js';
import { PaycliError } from '../errors.js';
import { BUYER_ACTION_TIMEOUT_SEC, buyerAct, cancel, capture, createPayment, isExpired, type BuyerAction } from './payments.js';
import { feeFor } from './settlement.js';
import { WALLET_TYPES, type Payment, type PaymentStatus, type WalletType } from './types.js';

const THREE_DS = '4000002760003184';

function create(overrides: Parameters<typeof paymentInput>[0] = {}) {
  const ctx = fixedContext();
  return { ctx, ...createPayment(ctx, MERCHANT, paymentInput(overrides), PAGES) };
}

/** A payment in the given status, made the way a merchant would reach it. */
function paymentIn(status: PaymentStatus): Payment {
  const ctx = fixedContext();
  switch (status) {
    case 'succeeded':
      return create().object;
    case 'failed':
      return create({ payment_method: cardMethod('4000000000009995') }).object;
    case 'requires_capture':
      return create({ capture_method: 'manual' }).object;
    case 'requires_action':
      return create({ payment_method: cardMethod(THREE_DS) }).object;
    case 'pending':
      return create({ payment_method: { type: 'wallet', wallet: 'alipay' } }).object;
    case 'canceled':
      return cancel(ctx, create({ capture_method: 'manual' }).object).object;
  }
}

/** Expects `fn` to throw a PaycliError with this code and param. */
function expectError(fn: () => unknown, code: string, param?: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PaycliError);
  expect((caught as PaycliError).code).toBe(code);
  if (param !== undefined) expect((caught as PaycliError).param).toBe(param);
}

describe('createPayment', () => {
  it('builds the payment from the input, with ids from the context and times from nowMs', () => {
    const { object: p, events, ctx } = create({ metadata: { cart: '42' }, description: 'Mug', notify_url: 'http://localhost/n' });
    expect(p).toMatchObject({
      id: 'pay_1',
      merchant_id: MERCHANT.id,
      merchant_order_id: 'order_1',
      amount: 2000,
      currency: 'USD',
      status: 'succeeded',
      capture_method: 'automatic',
      amount_captured: 2000,
      amount_refunded: 0,
      fee: feeFor(2000, MERCHANT.fees),
      description: 'Mug',
      notify_url: 'http://localhost/n',
      metadata: { cart: '42' },
      buyer_action: null,
      expires_at: null,
      created: NOW_SEC,
      captured_at: NOW_SEC,
    });
    // The domain carries no wire fields: the native serializer adds `object`, `livemode` and `next_action`.
    expect(p).not.toHaveProperty('object');
    expect(p).not.toHaveProperty('livemode');
    expect(p).not.toHaveProperty('next_action');
    expect(ctx.ids).toEqual(['pay_1', 'evt_2', 'evt_3']);
    expect(events.map((e) => [e.id, e.type, e.created, e.merchant_id])).toEqual([
      ['evt_2', 'payment.created', NOW_SEC, MERCHANT.id],
      ['evt_3', 'payment.succeeded', NOW_SEC, MERCHANT.id],
    ]);
    // payment.created carries the payment as the API answered it: a card payment is never shown pending.
    expect(events[0]!.data.object).toEqual(p);
    expect(events[0]!.data.object.status).toBe('succeeded');
    expect(events[1]!.data.object).toEqual(p);
  });

  it.each<[string, Parameters<typeof paymentInput>[0], PaymentStatus, string[]]>([
    ['success', {}, 'succeeded', ['payment.created', 'payment.succeeded']],
    ['manual capture', { capture_method: 'manual' }, 'requires_capture', ['payment.created', 'payment.requires_capture']],
    ['decline', { payment_method: cardMethod('4000000000000002') }, 'failed', ['payment.created', 'payment.failed']],
    ['risk block', { payment_method: cardMethod('4100000000000019') }, 'failed', ['payment.created', 'payment.failed']],
    ['3-D Secure', { payment_method: cardMethod(THREE_DS) }, 'requires_action', ['payment.created', 'payment.requires_action']],
    ['wallet', { payment_method: { type: 'wallet', wallet: 'paypal' } }, 'pending', ['payment.created', 'payment.pending']],
  ])('%s raises the right events', (_name, overrides, status, types) => {
    const { object, events } = create(overrides);
    expect(object.status).toBe(status);
    expect(events.map((e) => e.type)).toEqual(types);
  });

  it('3-D Secure waits for the buyer to authenticate, expiring after 30 minutes', () => {
    const { object: p } = create({ payment_method: cardMethod(THREE_DS), return_url: 'https://shop.example/return' });
    expect(p.buyer_action).toEqual({ kind: 'authenticate' });
    expect(p.expires_at).toBe(NOW_SEC + BUYER_ACTION_TIMEOUT_SEC);
    expect(BUYER_ACTION_TIMEOUT_SEC).toBe(30 * 60);
  });

  it('a merchant asking for 3-D Secure sends the buyer to it on a card that supports it; the card that does not pays at once', () => {
    const asked = create({ request_authentication: true });
    expect(asked.object).toMatchObject({ status: 'requires_action', buyer_action: { kind: 'authenticate' }, expires_at: NOW_SEC + BUYER_ACTION_TIMEOUT_SEC });
    expect(asked.events.map((e) => e.type)).toEqual(['payment.created', 'payment.requires_action']);
    expect(buyerAct(asked.ctx, MERCHANT, asked.object, 'complete').object.status).toBe('succeeded');
    expect(create({ request_authentication: true, payment_method: cardMethod('378282246310005') }).object.status).toBe('succeeded');
    // A decline is the issuer's answer whatever the merchant asked.
    expect(create({ request_authentication: true, payment_method: cardMethod('4000000000009995') }).object.status).toBe('failed');
  });

  it.each<[WalletType, 'scan_qr' | 'redirect']>([
    ['alipay', 'scan_qr'],
    ['wechat_pay', 'scan_qr'],
    ['paypal', 'redirect'],
    ['apple_pay', 'redirect'],
  ])('a %s payment is pending, the buyer to %s', (wallet, kind) => {
    const { object: p } = create({ payment_method: { type: 'wallet', wallet }, return_url: 'https://shop.example/r' });
    expect(p.status).toBe('pending');
    expect(p.payment_method).toEqual({ type: 'wallet', wallet });
    expect(p.buyer_action).toEqual({ kind });
    expect(p.expires_at).toBe(NOW_SEC + BUYER_ACTION_TIMEOUT_SEC);
  });

  it("a payment waiting for the buyer expires at the provider's deadline when one is given", () => {
    const deadline = NOW_SEC + 2 * 3600;
    const wallet = createPayment(fixedContext(), MERCHANT, paymentInput({ payment_method: { type: 'wallet', wallet: 'wechat_pay' } }), { ...PAGES, expiresAt: deadline }).object;
    expect(wallet.expires_at).toBe(deadline);
    // A payment decided at once has nothing to expire.
    const card = createPayment(fixedContext(), MERCHANT, paymentInput(), { ...PAGES, expiresAt: deadline }).object;
    expect(card.expires_at).toBeNull();
  });

  it('the merchant risk limit blocks larger payments before the card is charged', () => {
    const strict = { ...MERCHANT, risk_max_amount: 1000 };
    const blocked = createPayment(fixedContext(), strict, paymentInput({ amount: 1001 }), PAGES).object;
    expect(blocked).toMatchObject({ status: 'failed', failure_code: 'risk_blocked' });
    const allowed = createPayment(fixedContext(), strict, paymentInput({ amount: 1000 }), PAGES).object;
    expect(allowed.status).toBe('succeeded');
  });
});

describe('buyerAct', () => {
  const waiting: [string, () => Payment][] = [
    ['3-D Secure', () => paymentIn('requires_action')],
    ...WALLET_TYPES.map((w): [string, () => Payment] => [w, () => create({ payment_method: { type: 'wallet', wallet: w } }).object]),
  ];

  it.each(waiting)('%s: complete → succeeded (captured, fee fixed)', (_name, make) => {
    const p = make();
    const ctx = fixedContext(NOW_MS + 60_000);
    const { object, events } = buyerAct(ctx, MERCHANT, p, 'complete');
    expect(object).toMatchObject({ status: 'succeeded', amount_captured: 2000, fee: feeFor(2000, MERCHANT.fees), buyer_action: null, expires_at: null });
    expect(object.captured_at).toBe(NOW_SEC + 60);
    expect(events.map((e) => e.type)).toEqual(['payment.succeeded']);
  });

  it.each(waiting)('%s: complete with manual capture → requires_capture', (_name, make) => {
    const p = { ...make(), capture_method: 'manual' as const };
    const { object, events } = buyerAct(fixedContext(), MERCHANT, p, 'complete');
    expect(object).toMatchObject({ status: 'requires_capture', amount_captured: 0, buyer_action: null });
    expect(events.map((e) => e.type)).toEqual(['payment.requires_capture']);
  });

  it.each(waiting)('%s: fail → failed with a failure code', (name, make) => {
    const { object, events } = buyerAct(fixedContext(), MERCHANT, make(), 'fail');
    expect(object.status).toBe('failed');
    expect(object.failure_code).toBe(name === '3-D Secure' ? 'authentication_failed' : 'payment_failed');
    expect(object.buyer_action).toBeNull();
    expect(events.map((e) => e.type)).toEqual(['payment.failed']);
    const custom = buyerAct(fixedContext(), MERCHANT, make(), 'fail', 'insufficient_funds').object;
    expect(custom.failure_code).toBe('insufficient_funds');
  });

  it.each(waiting)('%s: expire → canceled (reason expired)', (_name, make) => {
    const { object, events } = buyerAct(fixedContext(), MERCHANT, make(), 'expire');
    expect(object).toMatchObject({ status: 'canceled', cancellation_reason: 'expired', canceled_at: NOW_SEC, buyer_action: null, expires_at: null });
    expect(events.map((e) => e.type)).toEqual(['payment.canceled']);
  });

  it.each<[PaymentStatus, BuyerAction]>([
    ['succeeded', 'complete'],
    ['failed', 'complete'],
    ['canceled', 'fail'],
    ['requires_capture', 'expire'],
  ])('on a %s payment, %s is invalid_state', (status, action) => {
    expectError(() => buyerAct(fixedContext(), MERCHANT, paymentIn(status), action), 'invalid_state', 'id');
  });

  it('isExpired: only waiting payments, from expires_at on', () => {
    const p = paymentIn('pending');
    expect(isExpired(p, p.expires_at! * 1000 - 1)).toBe(false);
    expect(isExpired(p, p.expires_at! * 1000)).toBe(true);
    expect(isExpired(paymentIn('requires_action'), NOW_MS + 30 * 60_000)).toBe(true);
    expect(isExpired(paymentIn('succeeded'), NOW_MS + 10 * 86_400_000)).toBe(false);
  });
});

describe('capture', () => {
  it('captures the full amount by default: payment.captured then payment.succeeded', () => {
    const p = paymentIn('requires_capture');
    const ctx = fixedContext(NOW_MS + 5_000);
    const { object, events } = capture(ctx, MERCHANT, p);
    expect(object).toMatchObject({ status: 'succeeded', amount: 2000, amount_captured: 2000, fee: feeFor(2000, MERCHANT.fees), captured_at: NOW_SEC + 5 });
    expect(events.map((e) => e.type)).toEqual(['payment.captured', 'payment.succeeded']);
  });

  it.each([1, 1500, 2000])('captures part of the authorisation (%i of 2000), fee on what was captured', (amount) => {
    const { object } = capture(fixedContext(), MERCHANT, paymentIn('requires_capture'), amount);
    expect(object).toMatchObject({ status: 'succeeded', amount: 2000, amount_captured: amount, fee: feeFor(amount, MERCHANT.fees) });
  });

  it('more than authorised is capture_exceeds_authorized on amount', () => {
    expectError(() => capture(fixedContext(), MERCHANT, paymentIn('requires_capture'), 2001), 'capture_exceeds_authorized', 'amount');
  });

  it.each([0, -1, 1.5])('an amount of %s is parameter_invalid (the engine does not trust its caller)', (amount) => {
    expectError(() => capture(fixedContext(), MERCHANT, paymentIn('requires_capture'), amount), 'parameter_invalid', 'amount');
  });

  it.each<PaymentStatus>(['succeeded', 'failed', 'canceled', 'pending', 'requires_action'])('a %s payment cannot be captured', (status) => {
    expectError(() => capture(fixedContext(), MERCHANT, paymentIn(status)), 'invalid_state', 'id');
  });
});

describe('cancel', () => {
  it.each<PaymentStatus>(['requires_capture', 'requires_action', 'pending'])('closes a %s payment', (status) => {
    const { object, events } = cancel(fixedContext(NOW_MS + 1000), paymentIn(status), 'requested_by_customer');
    expect(object).toMatchObject({ status: 'canceled', cancellation_reason: 'requested_by_customer', canceled_at: NOW_SEC + 1, buyer_action: null, expires_at: null });
    expect(events.map((e) => e.type)).toEqual(['payment.canceled']);
  });

  it('defaults the reason to requested_by_merchant', () => {
    expect(cancel(fixedContext(), paymentIn('pending')).object.cancellation_reason).toBe('requested_by_merchant');
  });

  it.each<PaymentStatus>(['succeeded', 'failed', 'canceled'])('a %s payment cannot be canceled', (status) => {
    expectError(() => cancel(fixedContext(), paymentIn(status)), 'invalid_state', 'id');
  });

  it('hints at a refund for a succeeded payment', () => {
    try {
      cancel(fixedContext(), paymentIn('succeeded'));
      expect.unreachable();
    } catch (err) {
      expect((err as PaycliError).hint).toMatch(/refund/i);
    }
  });

  it('does not mutate the payment it was given', () => {
    const p = paymentIn('pending');
    const copy = structuredClone(p);
    cancel(fixedContext(), p);
    buyerAct(fixedContext(), MERCHANT, p, 'complete');
    expect(p).toEqual(copy);
  });
});
