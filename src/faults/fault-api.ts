/**
 * The wire format of `/_sandbox/faults`: validation (a 400 naming the field, like the rest of the API) of a
 * rule to arm. Shared by the control API, `paycli faults add` and the scenario step.
 */
import { z } from 'zod';
import { PaycliError } from '../errors.js';
import { parse } from '../http/validation.js';
import { FAULT_KINDS, type FaultKind, type FaultRuleInput } from './fault-rules.js';

const METHODS = ['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const faultRuleBody = z.strictObject({
  provider: z.string().regex(/^(\*|[a-z][a-z0-9_-]*)$/, { error: 'must be a provider name (paycli) or *' }).optional(),
  method: z.enum(METHODS, { error: `must be one of ${METHODS.join(', ')}` }).optional(),
  path: z
    .string()
    .max(500)
    .refine((p) => p === '*' || p.startsWith('/'), { error: 'must be * or a path starting with / (* matches any characters), e.g. /v1/payments*' })
    .optional(),
  fault: z.enum(FAULT_KINDS as [FaultKind, ...FaultKind[]], { error: `must be one of ${FAULT_KINDS.join(', ')}` }),
  retry_after_s: z.number().int().min(0).max(3600).optional(),
  delay_ms: z.number().int().min(1).max(600_000).optional(),
  times: z.number().int().min(1).max(10_000).optional(),
  percent: z.number().min(0.01).max(100).optional(),
  seed: z.string().min(1).max(100).optional(),
});

export type FaultRuleBody = z.input<typeof faultRuleBody>;

/** Validates a rule; contradictions (a delay without delay_ms, both times and percent…) name the field. */
export function parseFaultRule(body: unknown): FaultRuleInput {
  const b = parse(faultRuleBody, body);
  const bad = (param: string, message: string) => new PaycliError('parameter_invalid', `Invalid ${param}: ${message}.`, { param });
  if (b.fault === 'delay' && b.delay_ms === undefined) throw new PaycliError('parameter_missing', 'Missing required parameter: delay_ms (a delay fault needs it).', { param: 'delay_ms' });
  if (b.fault !== 'delay' && b.delay_ms !== undefined) throw bad('delay_ms', 'only a delay fault takes it');
  if (b.fault !== '429' && b.retry_after_s !== undefined) throw bad('retry_after_s', 'only a 429 fault takes it');
  if (b.times !== undefined && b.percent !== undefined) throw bad('percent', 'give times (the next N requests) or percent, not both');
  if (b.seed !== undefined && b.percent === undefined) throw bad('seed', 'only a percent rule draws at random');
  return {
    provider: b.provider ?? '*',
    method: b.method ?? '*',
    path: b.path ?? '*',
    fault: b.fault,
    retry_after_s: b.fault === '429' ? (b.retry_after_s ?? 1) : null,
    delay_ms: b.delay_ms ?? null,
    times: b.times ?? null,
    percent: b.percent ?? null,
    seed: b.seed ?? null,
  };
}
