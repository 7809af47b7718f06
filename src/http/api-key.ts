/**
 * The API key a request presents: `Authorization: Bearer <key>`, or HTTP Basic with the key as the user
 * name (`curl -u sk_test_…:`), as PSP APIs commonly accept. Shared by the native API and the control API.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Merchant } from '../engine/types.js';
import { PaycliError } from '../errors.js';

/** Extracts the presented API key, or null when there is no Authorization header. */
export function presentedKey(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.split(':')[0] ?? '';
  }
  return '';
}

/** Requires a key `lookup` knows and puts its merchant in `res.locals.merchant`; 401 otherwise, with a hint. */
export function requireApiKey(lookup: (key: string) => Merchant | undefined): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const key = presentedKey(req.get('authorization'));
    if (key === null) {
      next(
        new PaycliError('authentication_required', 'No API key provided.', {
          hint: 'Send "Authorization: Bearer <secret key>"; `paycli sandbox start` prints the key.',
        }),
      );
      return;
    }
    const merchant = lookup(key);
    if (!merchant) {
      const shown = key.length > 12 ? `${key.slice(0, 12)}…` : key || '(empty)';
      next(
        new PaycliError('invalid_api_key', `Invalid API key provided: ${shown}`, {
          hint: key.startsWith('pk_') ? 'Use the secret key (sk_test_…), not the publishable key.' : 'Use the secret key printed by `paycli sandbox start`.',
        }),
      );
      return;
    }
    res.locals.merchant = merchant;
    next();
  };
}
