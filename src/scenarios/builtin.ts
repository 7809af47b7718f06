/** Built-in scenario sets shipped in the package (`--builtin <name>`). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PaycliError } from '../errors.js';

/** Set name → folder in the package. */
export const BUILTIN_SETS: Readonly<Record<string, string>> = {
  /** Whole-app conformance (needs POST /checkout and GET /orders/:id): signatures, timeout, duplicates, order. */
  conformance: 'scenarios/conformance',
  /** The notification endpoint alone (only its URL): signature, tampered, stale, acknowledgement time, duplicates. */
  'webhook-endpoint': 'builtin/webhook-endpoint',
  /** The PSP's own API failing (503, 429, a reset connection): the app retries with the same Idempotency-Key. */
  'psp-faults': 'builtin/psp-faults',
};

// The same relative path works from src/scenarios and from dist/scenarios.
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The folder of a built-in set; `invalid_usage` for an unknown name. */
export function builtinSetPath(name: string): string {
  const rel = BUILTIN_SETS[name];
  if (!rel) {
    throw new PaycliError('invalid_usage', `There is no built-in scenario set "${name}".`, { hint: `Built-in sets: ${Object.keys(BUILTIN_SETS).join(', ')}.` });
  }
  return path.join(PACKAGE_ROOT, rel);
}
