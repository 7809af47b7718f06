/**
 * Scenario validation messages in the file's own terms: what the field must be, never the schema library's
 * wording ("Too small: expected string to have >=1 characters", regexes). Misspelled keys and values get a
 * "did you mean", and a card number YAML read as a number is told to be quoted.
 */
import type { z } from 'zod';
import { closest } from '../suggest.js';
import { scenarioJsonSchema } from './json-schema.js';

type JsonSchema = { properties?: Record<string, JsonSchema>; items?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[]; additionalProperties?: unknown };

let cachedSchema: JsonSchema | null = null;
const schemaRoot = (): JsonSchema => (cachedSchema ??= scenarioJsonSchema() as JsonSchema);

/** The keys the schema allows in the object at `docPath` (every branch of a union). */
export function allowedKeys(docPath: readonly (string | number)[]): string[] {
  let nodes: JsonSchema[] = [schemaRoot()];
  const expand = (list: JsonSchema[]): JsonSchema[] => list.flatMap((n) => [n, ...expand([...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])])]);
  for (const seg of docPath) {
    nodes = expand(nodes).flatMap((n) => {
      const next = typeof seg === 'number' ? n.items : n.properties?.[seg];
      return next ? [next] : [];
    });
  }
  return [...new Set(expand(nodes).flatMap((n) => Object.keys(n.properties ?? {})))];
}

const LIBRARY_WORDING = /^(Too (small|big)|Invalid (input|option|string|element|key|union|value)|Unrecognized)/;

/** A message for one issue at `docPath`, where the document holds `value`. */
export function issueMessage(issue: z.core.$ZodIssue, docPath: readonly (string | number)[], value: unknown): string {
  const field = docPath[docPath.length - 1];
  if ((field === 'card' || (field === 'number' && docPath[docPath.length - 2] === 'card')) && typeof value === 'number') {
    return `is a number: quote it ("${BigInt(Math.round(value)).toString()}"), or YAML reads the card number as a number`;
  }
  if (!LIBRARY_WORDING.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'too_small': {
      const n = Number(issue.minimum);
      if (issue.origin === 'string') return n <= 1 ? 'must not be empty' : `must have at least ${n} characters`;
      if (issue.origin === 'array') return n <= 1 ? 'needs at least one entry' : `needs at least ${n} entries`;
      return `must be at least ${issue.inclusive ? n : `more than ${n}`}`;
    }
    case 'too_big': {
      const n = Number(issue.maximum);
      if (issue.origin === 'string') return `must have at most ${n} characters`;
      if (issue.origin === 'array') return `must have at most ${n} entries`;
      return `must be at most ${n}`;
    }
    case 'invalid_value': {
      const options = issue.values.map((v) => JSON.stringify(v));
      const guess = typeof value === 'string' ? closest(value, issue.values.map(String)) : null;
      const base = options.length === 1 ? `must be ${options[0]}` : `must be one of ${options.join(', ')}`;
      return guess ? `${base}: did you mean "${guess}"?` : base;
    }
    case 'invalid_format':
      return 'is not in the expected format (see docs/scenarios.md)';
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`;
      return `must be ${expected}`;
    }
    default:
      return 'is not valid here (see docs/scenarios.md)';
  }
}

/** `unknown field "stauts"`, with the nearest allowed key when it looks like a typo. */
export function unknownKeyMessage(key: string, others: readonly string[], docPath: readonly (string | number)[]): string {
  const guess = closest(key, allowedKeys(docPath));
  const more = others.length > 0 ? ` (and ${others.map((k) => `"${k}"`).join(', ')})` : '';
  return `unknown field "${key}"${more}${guess ? `: did you mean "${guess}"?` : ''}`;
}
