/**
 * Parsing of the options that say where and how `listen` forwards: the target (`3000` or a URL), extra
 * headers (`"K: V,K2: V2"`) and the event filter (`payment.*,refund.failed`). Bad input is a usage error
 * with the fix in the hint.
 */
import { DOMAIN_EVENT_TYPES } from '../engine/types.js';
import { PaycliError } from '../errors.js';
import { parseHttpTarget } from '../http-target.js';
import { closest } from '../suggest.js';
import { ALL_NOTIFICATION_TYPES, notificationTypesOf } from '../scenarios/scenario-drivers.js';

/** The forward target as a URL string (see parseHttpTarget). */
export function parseForwardTarget(value: string, flag = '--forward-to'): string {
  return parseHttpTarget(value, flag).href;
}

/**
 * What to say when the app answered 404 at `url`: which path was tried and how to give the right one. A bare
 * port means `/`, while most apps receive notifications on a route such as `/webhooks`.
 *
 * @example
 * notFoundHint('http://127.0.0.1:3000/', '--forward-to');
 */
export function notFoundHint(url: string, flag: string): string {
  const u = new URL(url);
  const suggestion = u.pathname === '/' ? `${u.origin}/webhooks` : `${u.origin}/<your webhook route>`;
  return `Your app answered 404 to POST ${u.pathname} (${url}): no route there. Give the path it receives notifications on, e.g. ${flag} ${suggestion}`;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers that would break the signature or the request if replaced: each provider's signature headers too. */
const RESERVED = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'stripe-signature',
  'wechatpay-timestamp',
  'wechatpay-nonce',
  'wechatpay-serial',
  'wechatpay-signature',
  'wechatpay-signature-type',
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
]);

/**
 * Parses `"K: V,K2: V2"`. A comma splits only when a `Name:` follows it, so values may hold commas.
 *
 * @example
 * parseHeaders('X-Env: dev,Authorization: Bearer t'); // { 'X-Env': 'dev', Authorization: 'Bearer t' }
 */
export function parseHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value === undefined || value.trim() === '') return headers;
  for (const part of value.split(/,(?=\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*:)/)) {
    const colon = part.indexOf(':');
    const name = colon < 0 ? '' : part.slice(0, colon).trim();
    if (!TOKEN.test(name)) {
      throw new PaycliError('invalid_usage', `Invalid header "${part.trim()}" in --headers.`, { hint: 'Use "Name: value", several separated by commas: --headers "X-Env: dev,X-Team: pay"' });
    }
    if (RESERVED.has(name.toLowerCase())) {
      throw new PaycliError('invalid_usage', `--headers cannot set ${name}: paycli sets it (a signature or the body depends on it).`, {
        hint: 'To check that your app rejects bad signatures, use the sandbox\'s chaos probes instead.',
      });
    }
    headers[name] = part.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * Parses an event filter: a comma list of notification types, `payment.*`-style wildcards or `*`, in each
 * provider's own names (`payment.succeeded`, `payment_intent.*`, `TRADE_SUCCESS`, `REFUND.*`), or only
 * `provider`'s when given. Returns null for "all events".
 */
export function parseEventFilter(value: string | undefined, flag = '--events', provider?: string): string[] | null {
  if (value === undefined || value.trim() === '') return null;
  const filter = value.split(',').map((s) => s.trim()).filter(Boolean);
  const types: readonly string[] = provider === undefined ? [...new Set([...DOMAIN_EVENT_TYPES, ...ALL_NOTIFICATION_TYPES])] : notificationTypesOf(provider);
  const groups = new Set(types.filter((t) => t.includes('.')).map((t) => t.slice(0, t.lastIndexOf('.'))));
  for (const f of filter) {
    const known = f === '*' || types.includes(f) || (f.endsWith('.*') && groups.has(f.slice(0, -2)));
    if (!known) {
      const guess = closest(f, f.endsWith('.*') ? [...groups].map((g) => `${g}.*`) : types);
      throw new PaycliError('invalid_usage', `Unknown event type "${f}" in ${flag}${provider ? ` for ${provider}` : ''}.`, {
        hint: `${guess ? `Did you mean ${guess}? ` : ''}Use ${[...groups].map((g) => `${g}.*`).join(', ')} or one of: ${types.join(', ')}.`,
      });
    }
  }
  return filter.includes('*') ? null : filter;
}
