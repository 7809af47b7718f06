/**
 * A provider is the wire protocol of one PSP: its routes, request authentication, error shape and
 * notification format. The native `paycli` protocol is the first; Stripe, Alipay and WeChat Pay
 * emulations plug in the same way, translating to and from the same PaymentService.
 */
import type { Router } from 'express';
import type { PaycliError } from '../errors.js';
import type { ActivityLog } from '../sandbox/activity-log.js';
import type { IdempotencyCache } from '../core/idempotency.js';
import type { PaymentService } from '../core/payment-service.js';
import type { NotificationProtocol } from '../webhooks/notification-protocol.js';

export interface ProviderContext {
  service: PaymentService;
  idempotency: IdempotencyCache;
  activity: ActivityLog;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
}

export interface Provider {
  name: string;
  /** Path prefix its routes live under (e.g. `/v1`); errors there use the provider's error shape. */
  prefix: string;
  router(ctx: ProviderContext): Router;
  notificationProtocol: NotificationProtocol;
  /** The provider's error response for a PaycliError. */
  renderError(err: PaycliError): { status: number; body: unknown };
}
