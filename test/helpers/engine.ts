/**
 * Fixtures for the pure engine's unit tests: a fixed context (constant time, counter ids), a merchant and
 * valid inputs. The engine reads nothing else from the world, so these make every test deterministic.
 */
import type { CreatePaymentInput, PaymentMethodInput, PaymentOrigin } from '../../src/engine/payments.js';
import { DEFAULT_FEES } from '../../src/engine/settlement.js';
import type { EngineContext, Merchant } from '../../src/engine/types.js';

/** 2026-03-15T12:00:00Z: the engine's "now" in these tests. */
export const NOW_MS = Date.UTC(2026, 2, 15, 12, 0, 0);
export const NOW_SEC = NOW_MS / 1000;

/** A context whose time is `nowMs` and whose ids are `<prefix>_1`, `<prefix>_2`, … (one counter). */
export function fixedContext(nowMs = NOW_MS): EngineContext & { ids: string[] } {
  let n = 0;
  const ids: string[] = [];
  return {
    nowMs,
    ids,
    newId(prefix: string) {
      const id = `${prefix}_${++n}`;
      ids.push(id);
      return id;
    },
  };
}

export const MERCHANT: Merchant = {
  id: 'mch_test',
  name: 'Test merchant',
  fees: DEFAULT_FEES,
  risk_max_amount: null,
  created: NOW_SEC - 86_400,
};

export const PAGES: PaymentOrigin = {};

/** The buyer page URL a sandbox at 127.0.0.1:4242 gives a payment (native serializer tests). */
export const buyerUrlAt4242 = (paymentId: string) => `http://127.0.0.1:4242/_sandbox/buyer/${paymentId}`;

export const cardMethod = (number: string, exp_month = 12, exp_year = 2034): PaymentMethodInput => ({
  type: 'card',
  card: { number, exp_month, exp_year, cvc: '123' },
});

/** A valid create-payment input (visa success card, automatic capture); override any field. */
export function paymentInput(overrides: Partial<CreatePaymentInput> = {}): CreatePaymentInput {
  return {
    amount: 2000,
    currency: 'USD',
    merchant_order_id: 'order_1',
    payment_method: cardMethod('4242424242424242'),
    capture_method: 'automatic',
    description: null,
    notify_url: null,
    return_url: null,
    metadata: {},
    ...overrides,
  };
}
