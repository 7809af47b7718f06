/**
 * Validating JSON requests with zod: the first problem becomes a PaycliError naming the field (`param`),
 * so bad input is a 400 with a precise message, never a 500. Shared by the native API and the control API.
 */
import type { z } from 'zod';
import { PaycliError } from '../errors.js';

/** Validates `input` against `schema`, turning the first problem into a 400 that names the field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' = 'body'): z.output<S> {
  if (where === 'body' && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new PaycliError('parameter_invalid', 'The request body must be a JSON object.', { hint: 'Send a JSON object with Content-Type: application/json.' });
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    path = path ? `${path}.${key}` : key;
    throw new PaycliError('parameter_invalid', `Unknown parameter: ${path}.`, { param: path, hint: 'Check the spelling against the API reference.' });
  }
  // A discriminated union reports a missing `type` as invalid_union and an enum a missing value as
  // invalid_value; whatever the check, an absent value is a missing parameter.
  const missing = ['invalid_type', 'invalid_union', 'invalid_value'].includes(issue.code) && valueAt(input, issue.path) === undefined;
  if (missing) throw new PaycliError('parameter_missing', `Missing required parameter: ${path}.`, { param: path });
  const isCard = issue.code === 'custom' && (issue as { params?: { code?: string } }).params?.code === 'invalid_card_number';
  throw new PaycliError(isCard ? 'invalid_card_number' : 'parameter_invalid', `Invalid ${path || 'request'}: ${issue.message}.`, { param: path || undefined });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

