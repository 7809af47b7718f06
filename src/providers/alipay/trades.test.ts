import { describe, expect, it } from 'vitest';
import { PAYMENT_CODE_PATTERN, paymentCodeOutcome, paymentCodeTable } from './trades.js';

describe('payment codes (付款码)', () => {
  it('accepts 16-24 digits starting with 25-30 only', () => {
    for (const ok of ['2512345678901234', '301234567890123456789012', '281234567890123456']) expect(PAYMENT_CODE_PATTERN.test(ok)).toBe(true);
    for (const bad of ['241234567890123456', '311234567890123456', '28123456789012', '2812345678901234567890123', '28abc4567890123456']) {
      expect(PAYMENT_CODE_PATTERN.test(bad)).toBe(false);
    }
  });

  it('decides the outcome from the last four digits of the test cards', () => {
    expect(paymentCodeOutcome('281234567890123456')).toEqual({ kind: 'success' });
    expect(paymentCodeOutcome('281234567890129995')).toMatchObject({ kind: 'declined', sub_code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH' });
    expect(paymentCodeOutcome('281234567890120019')).toMatchObject({ kind: 'declined', sub_code: 'ACQ.PAYMENT_REQUEST_HAS_RISK' });
    expect(paymentCodeOutcome('281234567890123184')).toEqual({ kind: 'waiting' });
    expect(paymentCodeOutcome('281234567890125126')).toEqual({ kind: 'refunds_fail' });
    expect(paymentCodeTable().find((r) => r.last4 === '9995')?.outcome).toBe('40004 ACQ.BUYER_BALANCE_NOT_ENOUGH');
  });
});
