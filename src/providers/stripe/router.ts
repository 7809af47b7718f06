/**
 * The Stripe provider's express app, served at the root of its own port: the API under `/v1`, the buyer's
 * pages, and Stripe's 404 for anything else. It parses its own bodies (raw bytes, decoded as Stripe's form
 * encoding by the pipeline).
 */
import express, { type Router } from 'express';
import { registerApiRoutes } from './api-routes.js';
import { registerPageRoutes } from './page-routes.js';
import { unrecognizedUrl } from './request-pipeline.js';
import type { StripeHost } from './stripe-host.js';

export function stripeRouter(host: StripeHost, opts: { bodyLimitBytes: number }): Router {
  const router = express.Router();
  // Raw bytes for /v1: the pipeline fingerprints them for idempotency and decodes bracket notation itself.
  router.use('/v1', express.raw({ type: () => true, limit: opts.bodyLimitBytes }));
  registerApiRoutes(router, host);
  registerPageRoutes(router, host);
  router.use(unrecognizedUrl);
  return router;
}
