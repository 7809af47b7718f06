/** Built-in scenario sets shipped in the package (`--builtin <name>`). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PaycliError } from '../errors.js';

/**
 * Providers with a scenario library (`scenarios/<provider>/`) and a conformance set (`…/conformance/`).
 * A folder of that name is not entered when a parent folder is walked (see loader.ts): `scenarios/` holds
 * the native library, and a provider's scenarios run only when named (`scenarios/stripe`, `--builtin stripe`).
 */
export const PROVIDER_SETS = ['stripe', 'alipay', 'wechatpay'] as const;

/** Set name → folder in the package. */
export const BUILTIN_SETS: Readonly<Record<string, string>> = {
  /** Whole-app conformance (needs POST /checkout and GET /orders/:id): signatures, timeout, duplicates, order. */
  conformance: 'scenarios/conformance',
  /** The notification endpoint alone (only its URL): signature, tampered, stale, acknowledgement time, duplicates. */
  'webhook-endpoint': 'builtin/webhook-endpoint',
  /** The PSP's own API failing (503, 429, a reset connection): the app retries with the same Idempotency-Key. */
  'psp-faults': 'builtin/psp-faults',
  // Each provider's library (what merchants hit: paid, declined, refunds, late notifications) and the
  // conformance set for its notification handler (signature, duplicates, order, late or dropped).
  ...Object.fromEntries(PROVIDER_SETS.flatMap((p) => [[p, `scenarios/${p}`], [`${p}-conformance`, `scenarios/${p}/conformance`]])),
};

// The same relative path works from src/scenarios and from dist/scenarios.
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * How reports name a built-in file: `paycli/scenarios/stripe/card-paid.yaml`, the same wherever paycli is
 * installed, rather than a path climbing out of the working directory (`../../…`, which JUnit viewers turn
 * into class names such as `......lib.node_modules.paycli.scenarios…`).
 */
export const BUILTIN_DISPLAY_PREFIX = 'paycli/';

/** The folder of a built-in set; `invalid_usage` for an unknown name or a set this package does not ship yet. */
export function builtinSetPath(name: string, root = PACKAGE_ROOT): string {
  const rel = BUILTIN_SETS[name];
  if (!rel) {
    throw new PaycliError('invalid_usage', `There is no built-in scenario set "${name}".`, { hint: `Built-in sets: ${Object.keys(BUILTIN_SETS).join(', ')}.` });
  }
  const dir = path.join(root, rel);
  if (!existsSync(dir)) {
    const shipped = Object.keys(BUILTIN_SETS).filter((n) => existsSync(path.join(root, BUILTIN_SETS[n]!)));
    throw new PaycliError('invalid_usage', `The built-in scenario set "${name}" is not in this version of paycli (no ${rel} folder).`, { hint: `Built-in sets here: ${shipped.join(', ')}.` });
  }
  return dir;
}
