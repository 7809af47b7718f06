/**
 * Request authentication for the native API: the merchant's secret key (`sk_test_…`), as Bearer or Basic.
 */
import type { RequestHandler } from 'express';
import type { PaymentService } from '../../core/payment-service.js';
import { requireApiKey } from '../../http/api-key.js';

export { presentedKey } from '../../http/api-key.js';

export function authenticate(service: PaymentService): RequestHandler {
  return requireApiKey((key) => service.authenticate(key));
}
