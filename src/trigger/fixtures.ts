/**
 * What `paycli trigger <name>` does, as data: each fixture is a list of API calls against the running
 * sandbox (its public /v1 API, and the simulated buyer's control endpoint where a buyer must act), so the
 * events that follow are the real ones, raised and delivered by the sandbox itself.
 *
 * In bodies and paths, `${name}` is a variable (`amount`, `currency`, `card`, `exp_year`, `order_id`,
 * `notify_url`, `reason`) and `${step:field}` a field of an earlier step's response. A string that is only
 * `${…}` takes the value's own type (a number stays a number); a key whose value is unset is left out.
 * A test runs every fixture against a real sandbox and checks it raises exactly `events`.
 */
import { TEST_CARDS } from '../engine/cards.js';
import type { EventType } from '../engine/types.js';

export interface FixtureStep {
  /** Names the response, for `${name:field}` in later steps and in the output. */
  name: string;
  method: 'POST';
  path: string;
  body?: Record<string, unknown>;
}

/** What `--reason` means for a fixture. */
export interface ReasonOption {
  /** `card`: picks the test card that declines with this code; `failure_code`: sent as the buyer's failure code. */
  via: 'card' | 'failure_code';
  default: string;
  choices: readonly string[];
}

export interface Fixture {
  name: string;
  /** One line for `--list`. */
  description: string;
  /** The events it raises, in order, without overrides. */
  events: readonly EventType[];
  /** Whether --card applies (the payment is a card payment). */
  card: boolean;
  reason?: ReasonOption;
  steps: readonly FixtureStep[];
}

export const DEFAULT_AMOUNT = 2000;
export const DEFAULT_CURRENCY = 'usd';
export const SUCCESS_CARD = '4242424242424242';
const THREE_DS_CARD = '4000002760003184';
const REFUND_FAILS_CARD = '4000000000005126';

/** Decline codes and the test card raising each, from the card table (generic decline: card_declined). */
export const DECLINE_CARDS: ReadonlyMap<string, string> = new Map(
  TEST_CARDS.flatMap((c) => (c.behaviour.kind === 'decline' || c.behaviour.kind === 'risk_block' ? [[c.behaviour.failure_code, c.number] as const] : [])),
);

const cardPayment = (card: string, extra: Record<string, unknown> = {}): FixtureStep => ({
  name: 'payment',
  method: 'POST',
  path: '/v1/payments',
  body: {
    amount: '${amount}',
    currency: '${currency}',
    merchant_order_id: '${order_id}',
    payment_method: { type: 'card', card: { number: card, exp_month: 12, exp_year: '${exp_year}', cvc: '123' } },
    notify_url: '${notify_url}',
    description: 'paycli trigger',
    ...extra,
  },
});

const walletPayment: FixtureStep = {
  name: 'payment',
  method: 'POST',
  path: '/v1/payments',
  body: {
    amount: '${amount}',
    currency: '${currency}',
    merchant_order_id: '${order_id}',
    payment_method: { type: 'wallet', wallet: 'alipay' },
    notify_url: '${notify_url}',
    description: 'paycli trigger',
  },
};

const buyer = (action: 'complete' | 'fail' | 'expire', body?: Record<string, unknown>): FixtureStep => ({
  name: 'buyer',
  method: 'POST',
  path: `/_sandbox/buyer/\${payment:id}/${action}`,
  ...(body ? { body } : {}),
});

const refund: FixtureStep = { name: 'refund', method: 'POST', path: '/v1/refunds', body: { payment_id: '${payment:id}', reason: 'requested_by_customer' } };

export const FIXTURES: readonly Fixture[] = [
  {
    name: 'payment.succeeded',
    description: 'A card payment that succeeds at once',
    events: ['payment.created', 'payment.succeeded'],
    card: true,
    steps: [cardPayment('${card}')],
  },
  {
    name: 'payment.failed',
    description: 'A card payment declined by the issuer; --reason picks the decline code (default card_declined)',
    events: ['payment.created', 'payment.failed'],
    card: true,
    reason: { via: 'card', default: 'card_declined', choices: [...DECLINE_CARDS.keys()] },
    steps: [cardPayment('${card}')],
  },
  {
    name: 'payment.requires_action',
    description: 'A card payment waiting for 3-D Secure authentication by the buyer',
    events: ['payment.created', 'payment.requires_action'],
    card: false,
    steps: [cardPayment(THREE_DS_CARD)],
  },
  {
    name: 'payment.succeeded.3ds',
    description: 'A 3-D Secure card payment the buyer authenticates',
    events: ['payment.created', 'payment.requires_action', 'payment.succeeded'],
    card: false,
    steps: [cardPayment(THREE_DS_CARD), buyer('complete')],
  },
  {
    name: 'payment.failed.3ds',
    description: 'A 3-D Secure card payment whose authentication fails; --reason sets the failure code',
    events: ['payment.created', 'payment.requires_action', 'payment.failed'],
    card: false,
    reason: { via: 'failure_code', default: 'authentication_failed', choices: [] },
    steps: [cardPayment(THREE_DS_CARD), buyer('fail', { failure_code: '${reason}' })],
  },
  {
    name: 'payment.pending',
    description: 'A wallet (Alipay) payment waiting for the buyer to pay',
    events: ['payment.created', 'payment.pending'],
    card: false,
    steps: [walletPayment],
  },
  {
    name: 'payment.succeeded.wallet',
    description: 'A wallet (Alipay) payment the buyer pays',
    events: ['payment.created', 'payment.pending', 'payment.succeeded'],
    card: false,
    steps: [walletPayment, buyer('complete')],
  },
  {
    name: 'payment.requires_capture',
    description: 'A card payment authorised with manual capture, waiting to be captured',
    events: ['payment.created', 'payment.requires_capture'],
    card: true,
    steps: [cardPayment('${card}', { capture_method: 'manual' })],
  },
  {
    name: 'payment.captured',
    description: 'A manual-capture card payment, then captured',
    events: ['payment.created', 'payment.requires_capture', 'payment.captured', 'payment.succeeded'],
    card: true,
    steps: [cardPayment('${card}', { capture_method: 'manual' }), { name: 'capture', method: 'POST', path: '/v1/payments/${payment:id}/capture' }],
  },
  {
    name: 'payment.canceled',
    description: 'A manual-capture card payment, then canceled by the merchant',
    events: ['payment.created', 'payment.requires_capture', 'payment.canceled'],
    card: true,
    steps: [
      cardPayment('${card}', { capture_method: 'manual' }),
      { name: 'cancel', method: 'POST', path: '/v1/payments/${payment:id}/cancel', body: { cancellation_reason: 'requested_by_customer' } },
    ],
  },
  {
    name: 'payment.canceled.expired',
    description: 'A wallet payment the buyer abandons, so it expires',
    events: ['payment.created', 'payment.pending', 'payment.canceled'],
    card: false,
    steps: [walletPayment, buyer('expire')],
  },
  {
    name: 'refund.succeeded',
    description: 'A card payment that succeeds, then refunded in full',
    events: ['payment.created', 'payment.succeeded', 'refund.succeeded'],
    card: true,
    steps: [cardPayment('${card}'), refund],
  },
  {
    name: 'refund.failed',
    description: 'A card payment that succeeds, then a refund that fails (a card whose refunds fail)',
    events: ['payment.created', 'payment.succeeded', 'refund.failed'],
    card: false,
    steps: [cardPayment(REFUND_FAILS_CARD), refund],
  },
];

/** The fixture of that name, or undefined. */
export function findFixture(name: string): Fixture | undefined {
  return FIXTURES.find((f) => f.name === name);
}
