/**
 * Request validation for the native paycli API. Every invalid request becomes a PaycliError naming the
 * offending field (`param`), so bad input is a 400 with a precise message, never a 500.
 */
import { z } from 'zod';
import { httpUrlProblem } from '../../http-url.js';
import { PaycliError } from '../../errors.js';
import { luhnValid, normaliseCardNumber } from '../../engine/cards.js';
import type { CreatePaymentInput } from '../../engine/payments.js';
import type { CreateRefundInput } from '../../engine/refunds.js';
import { WALLET_TYPES, EVENT_TYPES, type PaymentStatus, type WalletType } from '../../engine/types.js';

/** The largest amount accepted, in minor units (as at most PSPs: 99,999,999). */
export const MAX_AMOUNT = 99_999_999;

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((c) => c.toUpperCase()));

const amount = z
  .number({ error: 'must be an integer number of minor units (e.g. 1999 for 19.99)' })
  .int({ error: 'must be an integer number of minor units (e.g. 1999 for 19.99), not a fraction' })
  .min(1, { error: 'must be at least 1' })
  .max(MAX_AMOUNT, { error: `must be at most ${MAX_AMOUNT}` });

const currency = z
  .string({ error: 'must be a three-letter ISO 4217 code such as "usd"' })
  .regex(/^[A-Za-z]{3}$/, { error: 'must be a three-letter ISO 4217 code such as "usd"' })
  .transform((c) => c.toUpperCase())
  .refine((c) => KNOWN_CURRENCIES.has(c), { error: 'is not an ISO 4217 currency code' });

const httpUrl = z
  .string({ error: 'must be an http(s) URL' })
  .max(2048)
  .superRefine((s, ctx) => {
    const problem = httpUrlProblem(s);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

const metadata = z
  .record(z.string().max(40, { error: 'keys must be at most 40 characters' }), z.string({ error: 'values must be strings' }).max(500))
  .refine((m) => Object.keys(m).length <= 50, { error: 'may hold at most 50 keys' });

const card = z.strictObject({
  number: z
    .string({ error: 'must be a string of digits' })
    .transform(normaliseCardNumber)
    .refine(luhnValid, { error: 'is not a valid card number (it fails the Luhn check)', params: { code: 'invalid_card_number' } }),
  exp_month: z.number({ error: 'must be a month number 1-12' }).int().min(1).max(12),
  // Two-digit years (30) are what is printed on cards; they mean 20xx.
  exp_year: z
    .number({ error: 'must be a year such as 2030 (or 30)' })
    .int({ error: 'must be a year such as 2030 (or 30)' })
    .refine((y) => (y >= 0 && y <= 99) || (y >= 2000 && y <= 2100), { error: 'must be a year such as 2030 (or 30)' })
    .transform((y) => (y < 100 ? 2000 + y : y)),
  cvc: z
    .string({ error: 'must be a string of 3 or 4 digits' })
    .regex(/^\d{3,4}$/, { error: 'must be 3 or 4 digits' })
    .optional(),
});

const paymentMethod = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('card'), card }),
    z.strictObject({ type: z.literal('wallet'), wallet: z.enum(WALLET_TYPES as [string, ...string[]], { error: `must be one of ${WALLET_TYPES.join(', ')}` }) }),
  ],
  { error: 'type must be "card" or "wallet"' },
);

export const createPaymentSchema = z.strictObject({
  amount,
  currency,
  merchant_order_id: z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .max(128, { error: 'must be at most 128 characters' }),
  payment_method: paymentMethod,
  description: z.string().max(1000).nullish(),
  notify_url: httpUrl.nullish(),
  return_url: httpUrl.nullish(),
  capture_method: z.enum(['automatic', 'manual'], { error: 'must be "automatic" or "manual"' }).optional(),
  metadata: metadata.optional(),
});

export const captureSchema = z.strictObject({ amount: amount.optional() });
export const cancelSchema = z.strictObject({
  cancellation_reason: z.string({ error: 'must be a string' }).min(1).max(200).optional(),
});

export const createRefundSchema = z.strictObject({
  payment_id: z.string({ error: 'must be a payment id (pay_…)' }).min(1),
  amount: amount.optional(),
  // Free text: merchants record their own reasons (e.g. requested_by_customer, duplicate, fraudulent).
  reason: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(500).optional(),
  metadata: metadata.optional(),
});

export const createEndpointSchema = z.strictObject({
  url: httpUrl,
  enabled_events: z
    .array(z.string().refine((e) => e === '*' || (EVENT_TYPES as readonly string[]).includes(e) || /^[a-z]+\.\*$/.test(e), { error: 'is not a known event type' }))
    .min(1)
    .optional(),
  description: z.string().max(1000).optional(),
});

const STATUSES: PaymentStatus[] = ['requires_action', 'pending', 'requires_capture', 'succeeded', 'failed', 'canceled'];

const limit = z
  .string()
  .regex(/^\d+$/, { error: 'must be a whole number from 1 to 100' })
  .transform(Number)
  .refine((n) => n >= 1 && n <= 100, { error: 'must be a whole number from 1 to 100' });

export const listPaymentsQuery = z.strictObject({
  limit: limit.optional(),
  starting_after: z.string().optional(),
  merchant_order_id: z.string().optional(),
  status: z.enum(STATUSES as [string, ...string[]], { error: `must be one of ${STATUSES.join(', ')}` }).optional(),
});

export const listQuery = z.strictObject({
  limit: limit.optional(),
  starting_after: z.string().optional(),
  type: z.string().optional(),
  payment_id: z.string().optional(),
});

export const settlementQuery = z.strictObject({ format: z.enum(['json', 'csv']).optional(), currency: currency.optional() });

// Shared with the control API, which is not the native provider's.
export { parse } from '../../http/validation.js';

/** Turns a validated create-payment body into the engine's input. */
export function toCreatePaymentInput(body: z.output<typeof createPaymentSchema>): CreatePaymentInput {
  const pm = body.payment_method;
  return {
    amount: body.amount,
    currency: body.currency,
    merchant_order_id: body.merchant_order_id,
    payment_method:
      pm.type === 'card'
        ? { type: 'card', card: { number: pm.card.number, exp_month: pm.card.exp_month, exp_year: pm.card.exp_year, cvc: pm.card.cvc } }
        : { type: 'wallet', wallet: pm.wallet as WalletType },
    capture_method: body.capture_method ?? 'automatic',
    description: body.description ?? null,
    notify_url: body.notify_url ?? null,
    return_url: body.return_url ?? null,
    metadata: body.metadata ?? {},
  };
}

export function toCreateRefundInput(body: z.output<typeof createRefundSchema>): CreateRefundInput {
  return { amount: body.amount, reason: body.reason ?? null, metadata: body.metadata ?? {} };
}
