import { describe, expect, it } from 'vitest';
import { MERCHANT, NOW_SEC, PAGES, buyerUrlAt4242, cardMethod, fixedContext, paymentInput } from '../../../test/helpers/engine.js';
import { createPayment } from '../../engine/payments.js';
import type { Payment, WalletType } from '../../engine/types.js';
import { toNativeEvent, toNativePayment } from './serialize.js';

const THREE_DS = '4000002760003184';
const create = (overrides: Parameters<typeof paymentInput>[0] = {}) => createPayment(fixedContext(), MERCHANT, paymentInput(overrides), PAGES);

describe('native payment shape', () => {
  it('is the wire shape the native API has always had, key order included', () => {
    const { object: p } = create({ metadata: { cart: '42' }, description: 'Mug', notify_url: 'http://localhost/n' });
    const native = toNativePayment(p, buyerUrlAt4242);
    expect(Object.keys(native)).toEqual([
      'id', 'object', 'merchant_id', 'merchant_order_id', 'amount', 'currency', 'status', 'capture_method',
      'amount_captured', 'amount_refunded', 'fee', 'payment_method', 'description', 'notify_url', 'return_url',
      'metadata', 'failure_code', 'failure_message', 'next_action', 'cancellation_reason', 'expires_at', 'created',
      'captured_at', 'canceled_at', 'livemode',
    ]);
    expect(native).toMatchObject({ id: 'pay_1', object: 'payment', status: 'succeeded', next_action: null, created: NOW_SEC, livemode: false });
    expect(native).not.toHaveProperty('provider');
    expect(native).not.toHaveProperty('buyer_action');
  });

  it('3-D Secure redirects the buyer to the buyer page', () => {
    const { object: p } = create({ payment_method: cardMethod(THREE_DS), return_url: 'https://shop.example/return' });
    expect(toNativePayment(p, buyerUrlAt4242).next_action).toEqual({
      type: 'redirect_to_url',
      redirect_to_url: { url: `http://127.0.0.1:4242/_sandbox/buyer/${p.id}`, return_url: 'https://shop.example/return' },
    });
  });

  it.each<[WalletType, 'display_qr_code' | 'redirect_to_url']>([
    ['alipay', 'display_qr_code'],
    ['wechat_pay', 'display_qr_code'],
    ['paypal', 'redirect_to_url'],
    ['apple_pay', 'redirect_to_url'],
  ])('a pending %s payment has a %s next_action to the buyer page', (wallet, kind) => {
    const { object: p } = create({ payment_method: { type: 'wallet', wallet }, return_url: 'https://shop.example/r' });
    const url = `http://127.0.0.1:4242/_sandbox/buyer/${p.id}`;
    const next = toNativePayment(p, buyerUrlAt4242).next_action;
    if (kind === 'display_qr_code') expect(next).toEqual({ type: 'display_qr_code', display_qr_code: { data: url } });
    else expect(next).toEqual({ type: 'redirect_to_url', redirect_to_url: { url, return_url: 'https://shop.example/r' } });
  });

  it('reads payments stored by earlier versions, which hold the wire fields themselves', () => {
    const { object: current } = create({ payment_method: { type: 'wallet', wallet: 'alipay' } });
    const { buyer_action: _none, provider: _p, ...rest } = current;
    // As an earlier version wrote it: no provider, no buyer_action, next_action at a URL of that run's port.
    const stored = { ...rest, next_action: { type: 'display_qr_code', display_qr_code: { data: 'http://127.0.0.1:9999/_sandbox/buyer/pay_1' } }, livemode: false } as unknown as Payment;
    expect(toNativePayment(stored, buyerUrlAt4242)).toEqual(toNativePayment(current, buyerUrlAt4242));
    const { object: threeDs } = create({ payment_method: cardMethod(THREE_DS) });
    const { buyer_action: _a, ...oldThreeDs } = threeDs;
    const legacy = { ...oldThreeDs, next_action: { type: 'redirect_to_url', redirect_to_url: { url: 'x', return_url: null } } } as unknown as Payment;
    expect(toNativePayment(legacy, buyerUrlAt4242)).toEqual(toNativePayment(threeDs, buyerUrlAt4242));
  });

  it('an event carries its payment in native shape', () => {
    const { events } = create({ payment_method: cardMethod(THREE_DS) });
    const e = toNativeEvent(events[1]!, buyerUrlAt4242);
    expect(e).toMatchObject({ object: 'event', type: 'payment.requires_action', data: { object: { object: 'payment', livemode: false, next_action: { type: 'redirect_to_url' } } } });
  });
});
