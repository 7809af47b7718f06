/**
 * Validating JSON requests with zod: the first problem becomes a PaycliError naming the field (`param`),
 * so bad input is a 400 with a precise message, never a 500. Shared by the native API and the control API.
 */
import type { z } from 'zod';
import { PaycliError } from '../errors.js';
import { closest } from '../suggest.js';

/** Validates `input` against `schema`, turning the first problem into a 400 that names the field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' = 'body'): z.output<S> {
  if (where === 'body' && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new PaycliError('parameter_invalid', 'The request body must be a JSON object.', { hint: 'Send a JSON object with Content-Type: application/json.' });
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // An unknown field first: a misspelled field is also a missing one, and the misspelling is the cause.
  const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0]!;
  let path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    path = path ? `${path}.${key}` : key;
    const shape = objectShapeAt(schema, issue.path);
    const guess = shape ? closest(key, Object.keys(shape)) : null;
    throw new PaycliError('parameter_invalid', `Unknown parameter: ${path}.${guess ? ` Did you mean ${guess}?` : ''}`, { param: path, hint: 'Check the spelling against the API reference.' });
  }
  // A discriminated union reports a missing `type` as invalid_union and an enum a missing value as
  // invalid_value; whatever the check, an absent value is a missing parameter.
  const missing = ['invalid_type', 'invalid_union', 'invalid_value'].includes(issue.code) && valueAt(input, issue.path) === undefined;
  if (missing) throw new PaycliError('parameter_missing', `Missing required parameter: ${path}.`, { param: path });
  const isCard = issue.code === 'custom' && (issue as { params?: { code?: string } }).params?.code === 'invalid_card_number';
  throw new PaycliError(isCard ? 'invalid_card_number' : 'parameter_invalid', `Invalid ${path || 'request'}: ${issue.message}.`, { param: path || undefined });
}

/** The keys of the object schema at `path` (through optional wrappers), for a "did you mean". */
function objectShapeAt(schema: z.ZodType, path: readonly PropertyKey[]): Record<string, unknown> | null {
  let node: unknown = schema;
  const unwrap = (n: unknown): unknown => {
    let cur = n as { def?: { innerType?: unknown; in?: unknown; type?: string }; shape?: unknown };
    for (let i = 0; i < 10 && cur?.def && !cur.shape; i++) cur = (cur.def.innerType ?? cur.def.in) as typeof cur;
    return cur;
  };
  for (const key of path) {
    const shape = (unwrap(node) as { shape?: Record<string, unknown> } | null)?.shape;
    if (!shape || typeof key !== 'string') return null;
    node = shape[key];
  }
  return ((unwrap(node) as { shape?: Record<string, unknown> } | null)?.shape as Record<string, unknown>) ?? null;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

