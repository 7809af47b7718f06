/**
 * Applies PSP API fault rules to a provider's requests, before its routes: a 500/503 or a 429 rendered by
 * the provider's own error renderer (so the body has the PSP's error shape; `renderFault` is the hook for
 * provider-specific headers such as a retry hint), a delay before normal handling, a request that never
 * gets an answer (until the client gives up), or a reset connection. Each faulted request is marked for the
 * request log (`res.locals.fault`); a reset or hung one, which never finishes, is logged here.
 */
import { setTimeout as pause } from 'node:timers/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Clock } from '../clock.js';
import { PaycliError } from '../errors.js';
import type { ActivityLog } from '../core/activity-log.js';
import type { FaultDecision, FaultRules } from './fault-rules.js';

/** What a provider answers for a fault: its status, headers and body (a string is sent as it is). */
export interface RenderedFault {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/**
 * Renders an injected error in a provider's shape; the default goes through its `renderError`. `null` hands
 * the fault to the provider's own routes (`pendingFault`), for an answer that depends on the request, such
 * as one signed for the calling merchant.
 */
export type FaultRenderer = (err: PaycliError, decision: FaultDecision) => RenderedFault | null;

/** The fault a provider's routes must answer instead of handling the request (its renderer returned null). */
export function pendingFault(res: Response): PaycliError | undefined {
  const fault: unknown = res.locals.pendingFault;
  return fault instanceof PaycliError ? fault : undefined;
}

export interface FaultMiddlewareOptions {
  rules: FaultRules;
  /** The provider these routes belong to (rules name it, or `*`). */
  provider: string;
  render: FaultRenderer;
  activity: ActivityLog;
  clock: Clock;
}

/** The error a status fault stands for; the provider's renderer gives it the PSP's shape. */
export function faultError(decision: FaultDecision): PaycliError {
  const details = { fault_rule: decision.rule.id };
  const note = `(an API fault injected by the sandbox's rule ${decision.rule.id})`;
  switch (decision.fault) {
    case '429':
      return new PaycliError('rate_limited', `Too many requests ${note}.`, { hint: 'Wait for Retry-After, then retry with the same Idempotency-Key.', details });
    case '503':
      return new PaycliError('service_unavailable', `The service is temporarily unavailable ${note}.`, { hint: 'Retry with the same Idempotency-Key after a short backoff.', details });
    default:
      return new PaycliError('api_error', `An error occurred on the PSP's side ${note}.`, { hint: 'Retry with the same Idempotency-Key after a short backoff.', details });
  }
}

/** A short label for the request log: `503`, `429 retry-after 2s`, `delay 1500ms`, `hang`, `reset`. */
export function faultLabel(decision: FaultDecision): string {
  const r = decision.rule;
  const what = decision.fault === '429' ? `429 retry-after ${r.retry_after_s ?? 1}s` : decision.fault === 'delay' ? `delay ${r.delay_ms ?? 0}ms` : decision.fault;
  return `${what} (${r.id})`;
}

/**
 * Marks the scenario runner's own requests (its checks of payments and events): faults are for the app
 * under test, and a check that failed on purpose would report a fault as the app's bug.
 */
export const RUNNER_HEADER = 'paycli-scenario-runner';

/** The middleware; mount it before the provider's routes. */
export function faultMiddleware(opts: FaultMiddlewareOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.get(RUNNER_HEADER) !== undefined) return next();
    const decision = opts.rules.take({ provider: opts.provider, method: req.method, path: req.path === '/' ? req.baseUrl || '/' : req.baseUrl + req.path });
    if (!decision) return next();
    res.locals.fault = faultLabel(decision);
    switch (decision.fault) {
      case 'delay':
        // Real time on purpose: this is the network being slow, not sandbox time (a virtual clock would never move).
        void pause(decision.rule.delay_ms ?? 0).then(() => next());
        return;
      case 'hang':
      case 'reset': {
        logUnfinished(opts, req, decision);
        if (decision.fault === 'reset') {
          const socket = req.socket as typeof req.socket & { resetAndDestroy?: () => void };
          if (socket.resetAndDestroy) socket.resetAndDestroy();
          else socket.destroy();
        }
        // hang: no answer; the client's timeout (or the sandbox closing) ends the connection.
        return;
      }
      default: {
        const error = faultError(decision);
        const rendered = opts.render(error, decision);
        res.locals.errorCode = error.code;
        const retryAfter: Record<string, string> = decision.fault === '429' ? { 'Retry-After': String(decision.rule.retry_after_s ?? 1) } : {};
        if (rendered === null) {
          res.locals.pendingFault = error;
          res.set(retryAfter);
          return next();
        }
        const headers: Record<string, string> = { ...retryAfter, ...(rendered.headers ?? {}) };
        res.status(rendered.status).set(headers);
        // A provider whose errors are not JSON (XML, text) renders a string: it is sent as it is.
        if (typeof rendered.body === 'string') res.send(rendered.body);
        else res.json(rendered.body);
      }
    }
  };
}

/** A request that will never finish: logged now, so `logs tail` shows it. */
function logUnfinished(opts: FaultMiddlewareOptions, req: Request, decision: FaultDecision): void {
  opts.activity.add({
    kind: 'request',
    time: opts.clock.now(),
    method: req.method,
    path: req.originalUrl.split('?')[0]!,
    status: 0,
    latency_ms: 0,
    error_code: null,
    idempotent_replay: false,
    ...(opts.provider === 'paycli' ? {} : { provider: opts.provider }),
    fault: faultLabel(decision),
  });
}
