/**
 * The chaos rules' wire format for `/_sandbox/chaos`: validation like the endpoint API's (a 400 naming the
 * field for an unknown event type or a contradictory rule) and snake_case answers, apart from the in-memory
 * rule (`ChaosRules`) the dispatcher consumes.
 *
 * How armed rules combine: each notification takes the **first** matching rule, in the order the rules were
 * armed, and only that one (using one of its `times`). Effects are combined within one rule (e.g. `delay_ms`
 * with `duplicates`), never across rules.
 */
import { z } from 'zod';
import { EVENT_TYPES } from '../engine/types.js';
import { PaycliError } from '../errors.js';
import { parse } from '../http/validation.js';
import type { ChaosRule } from '../core/chaos-rules.js';
import { NOTIFICATION_PROBES } from '../webhooks/notification-protocol.js';

const eventFilter = z
  .string()
  .refine((e) => e === '*' || (EVENT_TYPES as readonly string[]).includes(e) || EVENT_TYPES.some((t) => e.endsWith('.*') && t.startsWith(e.slice(0, -1))), {
    error: `is not a known event type (use *, payment.*, refund.*, or one of ${EVENT_TYPES.join(', ')})`,
  });

const chaosBody = z.strictObject({
  events: z.array(eventFilter).min(1).optional(),
  payment_id: z.string().optional(),
  merchant_order_id: z.string().optional(),
  // `paycli listen` forwards client-side, so its deliveries never pass through chaos rules: not a destination here.
  destinations: z.array(z.enum(['notify_url', 'endpoint', 'forward'])).min(1).optional(),
  times: z.number().int().min(1).optional(),
  delay_ms: z.number().int().min(0).max(31 * 24 * 3_600_000).optional(),
  duplicates: z.number().int().min(0).max(20).optional(),
  drop: z.boolean().optional(),
  fail_first: z.number().int().min(0).max(50).optional(),
  probe: z.enum(NOTIFICATION_PROBES).optional(),
});

type ChaosBody = z.output<typeof chaosBody>;

/** A rule whose effects cannot all happen: dropping a notification leaves nothing to copy, fail or delay. */
function checkConsistent(b: ChaosBody): void {
  if (!b.drop) return;
  const clash = (['duplicates', 'fail_first'] as const).find((k) => (b[k] ?? 0) > 0) ?? (b.delay_ms && !b.probe ? 'delay_ms' : undefined);
  if (clash) {
    throw new PaycliError('parameter_invalid', `Invalid ${clash}: drop loses the notification, so ${clash} cannot apply to it.`, {
      param: clash,
      hint: 'Arm two rules for two behaviours, or leave out drop (with a probe, delay_ms delays the probe).',
    });
  }
}

/** Validates a `POST /_sandbox/chaos` body into a rule to arm. */
export function parseChaosRule(body: unknown): Omit<ChaosRule, 'id'> {
  const b = parse(chaosBody, body);
  checkConsistent(b);
  return {
    events: b.events ?? ['*'],
    payment_id: b.payment_id ?? null,
    merchant_order_id: b.merchant_order_id ?? null,
    destinations: b.destinations ?? null,
    remaining: b.times ?? null,
    chaos: { delayMs: b.delay_ms, duplicates: b.duplicates, drop: b.drop, failFirst: b.fail_first, probe: b.probe },
  };
}

/** A rule as the API shows it: the request's own snake_case names. */
export function publicChaosRule(rule: ChaosRule): Record<string, unknown> {
  const c = rule.chaos;
  return {
    id: rule.id,
    object: 'chaos_rule',
    events: rule.events,
    payment_id: rule.payment_id ?? null,
    merchant_order_id: rule.merchant_order_id ?? null,
    destinations: rule.destinations ?? null,
    times_remaining: rule.remaining,
    delay_ms: c.delayMs ?? null,
    duplicates: c.duplicates ?? null,
    drop: c.drop ?? false,
    fail_first: c.failFirst ?? null,
    probe: c.probe ?? null,
  };
}
