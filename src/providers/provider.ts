/**
 * A provider is the wire protocol of one PSP: its routes, request authentication, error shape and
 * notification format. The native `paycli` protocol is the first; Stripe, Alipay and WeChat Pay
 * emulations plug in the same way, translating to and from the same PaymentService.
 */
import type { Router } from 'express';
import type { PaycliError } from '../errors.js';
import type { FaultRenderer } from '../faults/fault-middleware.js';
import type { ActivityLog } from '../sandbox/activity-log.js';
import type { IdempotencyCache } from '../sandbox/idempotency.js';
import type { PaymentService } from '../sandbox/payment-service.js';
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
  /**
   * An injected API fault (`rate_limited`, `api_error`, `service_unavailable`) in the PSP's own shape, with
   * its headers (e.g. a retry hint). Default: `renderError`, plus `Retry-After` on a 429.
   */
  renderFault?: FaultRenderer;
}
