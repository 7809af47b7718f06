/**
 * The Stripe provider's express app, served at the root of its own port: the API under `/v1`, the buyer's
 * pages, and Stripe's 404 for anything else. It parses its own bodies (raw bytes, decoded as Stripe's form
 * encoding by the pipeline).
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { registerApiRoutes } from './api-routes.js';
import { registerPageRoutes } from './page-routes.js';
import { stampAnswer, unrecognizedUrl } from './request-pipeline.js';
import type { StripeHost } from './stripe-host.js';

export function stripeRouter(host: StripeHost, opts: { bodyLimitBytes: number }): Router {
  const router = express.Router();
  // Raw bytes for /v1: the pipeline fingerprints them for idempotency and decodes bracket notation itself.
  router.use('/v1', express.raw({ type: () => true, limit: opts.bodyLimitBytes }));
  registerApiRoutes(router, host);
  registerPageRoutes(router, host);
  router.use(unrecognizedUrl);
  // Body-parser and URL-decoding failures in Stripe's shape rather than express's HTML page.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    // A path that does not percent-decode fails in the router, before any route: it is the URL, not the body.
    const message =
      err instanceof URIError
        ? `The request URL (${req.method}: ${req.path}) is not valid percent-encoding.`
        : status === 413
          ? `The request body is larger than the sandbox accepts (${opts.bodyLimitBytes} bytes).`
          : status < 500
            ? 'The request body could not be read as form parameters.'
            : 'An unexpected error occurred in the sandbox.';
    stampAnswer(req, res);
    res.status(status < 500 ? status : 500).json({ error: { type: status < 500 ? 'invalid_request_error' : 'api_error', message } });
  });
  return router;
}
