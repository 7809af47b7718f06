import { describe, expect, it } from 'vitest';
import { NOW_MS, MERCHANT, PAGES, cardMethod, fixedContext, paymentInput } from '../../test/helpers/engine.js';
import { TEST_CARDS, cardBehaviour, cardBrand, cardExpired, luhnValid, normaliseCardNumber } from './cards.js';
import { createPayment } from './payments.js';
import type { PaymentStatus } from './types.js';

/** What each test card does, written out independently of the table in cards.ts (REFERENCE §1). */
const EXPECTED: Record<string, { status: PaymentStatus; failure_code: string | null; manual: PaymentStatus }> = {
  '4242424242424242': { status: 'succeeded', failure_code: null, manual: 'requires_capture' },
  '5555555555554444': { status: 'succeeded', failure_code: null, manual: 'requires_capture' },
  '378282246310005': { status: 'succeeded', failure_code: null, manual: 'requires_capture' },
  '4000000000000002': { status: 'failed', failure_code: 'card_declined', manual: 'failed' },
  '4000000000009995': { status: 'failed', failure_code: 'insufficient_funds', manual: 'failed' },
  '4000000000009987': { status: 'failed', failure_code: 'lost_card', manual: 'failed' },
  '4000000000009979': { status: 'failed', failure_code: 'stolen_card', manual: 'failed' },
  '4000000000000069': { status: 'failed', failure_code: 'expired_card', manual: 'failed' },
  '4000000000000127': { status: 'failed', failure_code: 'incorrect_cvc', manual: 'failed' },
  '4000000000000119': { status: 'failed', failure_code: 'processing_error', manual: 'failed' },
  '4000000000006975': { status: 'failed', failure_code: 'card_velocity_exceeded', manual: 'failed' },
  '4100000000000019': { status: 'failed', failure_code: 'fraudulent', manual: 'failed' },
  '4000002760003184': { status: 'requires_action', failure_code: null, manual: 'requires_action' },
  '4000000000005126': { status: 'succeeded', failure_code: null, manual: 'requires_capture' },
};

describe('test cards', () => {
  it('the expectation table covers exactly the cards in TEST_CARDS', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(TEST_CARDS.map((c) => c.number).sort());
  });

  it('every test card number passes the Luhn check and has a unique number', () => {
    for (const c of TEST_CARDS) expect(luhnValid(c.number), c.number).toBe(true);
    expect(new Set(TEST_CARDS.map((c) => c.number)).size).toBe(TEST_CARDS.length);
  });

  it.each(TEST_CARDS.map((c) => [c.number, c.description] as const))('%s (%s) gives its documented outcome', (number) => {
    const want = EXPECTED[number]!;
    const { object: p } = createPayment(fixedContext(), MERCHANT, paymentInput({ payment_method: cardMethod(number) }), PAGES);
    expect(p.status).toBe(want.status);
    expect(p.failure_code).toBe(want.failure_code);
    if (want.failure_code) expect(p.failure_message).toEqual(expect.any(String));
    else expect(p.failure_message).toBeNull();
    expect(p.payment_method).toMatchObject({ type: 'card', card: { last4: number.slice(-4), brand: cardBrand(number) } });
  });

  it.each(TEST_CARDS.map((c) => [c.number] as const))('%s with manual capture', (number) => {
    const want = EXPECTED[number]!;
    const input = paymentInput({ payment_method: cardMethod(number), capture_method: 'manual' });
    const { object: p } = createPayment(fixedContext(), MERCHANT, input, PAGES);
    expect(p.status).toBe(want.manual);
    expect(p.amount_captured).toBe(0);
    expect(p.fee).toBe(0);
  });

  it('a Luhn-valid number that is not in the table succeeds', () => {
    expect(cardBehaviour('4111111111111111')).toEqual({ kind: 'success' });
    const { object: p } = createPayment(fixedContext(), MERCHANT, paymentInput({ payment_method: cardMethod('4111111111111111') }), PAGES);
    expect(p.status).toBe('succeeded');
  });
});

describe('card expiry', () => {
  // NOW_MS is 2026-03-15: a card expires at the end of its expiry month.
  it.each([
    [2, 2026, true],
    [12, 2025, true],
    [1, 2020, true],
    [3, 2026, false],
    [4, 2026, false],
    [1, 2027, false],
  ])('exp %i/%i expired=%s', (month, year, expired) => {
    expect(cardExpired(month, year, NOW_MS)).toBe(expired);
  });

  it('the last millisecond of the expiry month is still valid, the next one is not', () => {
    const firstOfApril = Date.UTC(2026, 3, 1);
    expect(cardExpired(3, 2026, firstOfApril - 1)).toBe(false);
    expect(cardExpired(3, 2026, firstOfApril)).toBe(true);
    // December rolls over into January of the next year.
    expect(cardExpired(12, 2026, Date.UTC(2027, 0, 1) - 1)).toBe(false);
    expect(cardExpired(12, 2026, Date.UTC(2027, 0, 1))).toBe(true);
  });

  it.each(['4242424242424242', '4000002760003184', '4000000000009995'])('a past expiry fails %s as expired_card', (number) => {
    const { object: p, events } = createPayment(fixedContext(), MERCHANT, paymentInput({ payment_method: cardMethod(number, 2, 2026) }), PAGES);
    expect(p).toMatchObject({ status: 'failed', failure_code: 'expired_card', buyer_action: null });
    expect(events.map((e) => e.type)).toEqual(['payment.created', 'payment.failed']);
  });
});

describe('luhnValid', () => {
  it.each([
    ['4242424242424242', true],
    ['4242424242424241', false],
    ['4000000000000002', true],
    ['4000000000000001', false],
    ['378282246310005', true],
    ['6011111111111117', true],
    ['79927398713', false], // valid checksum but 11 digits: too short for a card
    ['000000000000', true], // 12 zeros: the shortest accepted length
    ['4242 4242 4242 4242', false], // spaces are stripped by normaliseCardNumber, not here
    ['42424242424242424242', false], // 20 digits
    ['abcdabcdabcdabcd', false],
    ['', false],
  ])('%j → %s', (digits, valid) => {
    expect(luhnValid(digits)).toBe(valid);
  });

  it('normaliseCardNumber strips spaces and dashes only', () => {
    expect(normaliseCardNumber('4242 4242-4242 4242')).toBe('4242424242424242');
    expect(normaliseCardNumber('4242x4242')).toBe('4242x4242');
  });
});

describe('cardBrand', () => {
  it.each([
    ['4242424242424242', 'visa'],
    ['4111111111111111', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['378282246310005', 'amex'],
    ['371449635398431', 'amex'],
    ['6200000000000005', 'unionpay'],
    ['3566002020360505', 'jcb'],
    ['6011111111111117', 'discover'],
    ['6500000000000002', 'discover'],
    ['9999999999999995', 'unknown'],
  ])('%s is %s', (digits, brand) => {
    expect(cardBrand(digits)).toBe(brand);
  });
});
