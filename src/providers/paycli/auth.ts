/**
 * Request authentication for the native API: `Authorization: Bearer sk_test_…`, or HTTP Basic with the key
 * as the user name (`curl -u sk_test_…:`), as PSP APIs commonly accept.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PaycliError } from '../../errors.js';
import type { PaymentService } from '../../core/payment-service.js';

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

export function authenticate(service: PaymentService): RequestHandler {
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
    const merchant = service.authenticate(key);
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
