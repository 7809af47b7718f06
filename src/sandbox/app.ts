/**
 * The HTTP host: one express app per provider port. Each logs its requests, mounts its provider's app at
 * the root (the main port also the control API under `/_sandbox`, before it), and turns every failure
 * outside a provider's own handling (an unknown route, a body over the limit, a bug) into that provider's
 * error shape through its `renderError`, or a 500 that says it is a bug.
 */
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from 'express';
import type { Clock } from '../clock.js';
import type { ActivityLog } from '../core/activity-log.js';
import { PaycliError, toPaycliError } from '../errors.js';
import { holdUntilDurable } from '../http/answer-hold.js';
import { fromParserError } from '../http/body-parsing.js';
import { faultMiddleware } from '../faults/fault-middleware.js';
import type { FaultRules } from '../faults/fault-rules.js';
import type { AnyProvider, RenderedError } from '../providers/contract.js';
import type { Store } from '../store/store.js';
import { CONTROL_PREFIX } from './control-routes.js';
import { durableAnswers, type RenderAnswer, type SignAnswer } from './durable-answers.js';

export { MAX_JSON_DEPTH } from '../http/body-parsing.js';

export interface AppOptions {
  /** The provider served at this port's root. */
  provider: AnyProvider;
  /** Its routes (`provider.app(host)`). */
  routes: RequestHandler;
  /** Signs the error answers rendered here, outside the provider's routes (`Provider.signHostAnswer`). */
  signAnswer?: SignAnswer;
  /** The whole error answer for requests whose answers the provider shapes itself (`Provider.renderHostAnswer`). */
  renderAnswer?: RenderAnswer;
  /** The control API, on the main port only; mounted under `/_sandbox` before the provider. */
  control?: RequestHandler;
  /** The dashboard, on the main port only: `/` and `/_dashboard/…`, before the provider. */
  dashboard?: RequestHandler;
  activity: ActivityLog;
  clock: Clock;
  /** The store this app serves: reads and error answers wait until what they show is durable. */
  store: Store;
  /**
   * Run on every request before its body is read: the host's per-server guards (Host check, same-origin
   * writes, security headers). Their errors are answered like any other.
   */
  guards?: RequestHandler[];
  /** PSP API fault rules (`/_sandbox/faults`), applied to the provider's routes (not the control API). */
  faults?: FaultRules;
  /** Called for errors that are bugs (500s), so the command can show them. */
  onBug?: (err: PaycliError, req: Request) => void;
}

/** A URL without its query string. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * Reads of the control API (the log itself, deliveries, the stream, health) are how paycli's own tools look
 * at the sandbox; logging them would fill the log with `logs tail` and `events resend` polling. The buyer's
 * pages are a browser's visits and stay.
 */
function isInspectionRead(method: string, path: string): boolean {
  return method === 'GET' && path.startsWith(`${CONTROL_PREFIX}/`) && !path.startsWith(`${CONTROL_PREFIX}/buyer/`);
}

export function createApp(opts: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const providerName = opts.provider.name;
  const logRequest: RequestHandler = (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      // originalUrl: by now a mounted router may have rewritten req.path.
      const path = pathOf(req.originalUrl);
      if (isInspectionRead(req.method, path)) return;
      opts.activity.add({
        kind: 'request',
        time: opts.clock.now(),
        method: req.method,
        path,
        status: res.statusCode,
        latency_ms: Math.round((performance.now() - started) * 10) / 10,
        error_code: (res.locals.errorCode as string | undefined) ?? null,
        idempotent_replay: res.locals.idempotentReplay === true,
        ...(providerName === 'paycli' ? {} : { provider: providerName }),
        ...(res.locals.fault ? { fault: res.locals.fault as string } : {}),
      });
    });
    next();
  };
  // API faults come before the provider's routes (after the control API and the dashboard, which they
  // spare), rendered in the provider's own error shape.
  let faults: RequestHandler | null = null;
  if (opts.faults) {
    const provider = opts.provider;
    const render = provider.renderFault ?? ((e: PaycliError) => provider.renderError(e));
    faults = faultMiddleware({ rules: opts.faults, provider: providerName, render, activity: opts.activity, clock: opts.clock });
  }
  const separateFaults = opts.control !== undefined || opts.dashboard !== undefined;
  // The guards come after the request log (refusals show in it), before anything reads the body or reaches
  // a route. One layer for all of them (and, on a provider's own port, the faults too): each router layer
  // costs a request more than these checks do.
  const first = [durableAnswers(opts.store, (err) => opts.provider.renderError(err), opts.signAnswer, opts.renderAnswer), logRequest, ...(opts.guards ?? [])];
  app.use(inOrder(faults && !separateFaults ? [...first, faults] : first));

  if (opts.control) app.use(CONTROL_PREFIX, opts.control);
  if (opts.dashboard) app.use(opts.dashboard);
  if (faults && separateFaults) app.use(faults);
  app.use(opts.routes);

  app.use((req, _res, next) => {
    next(new PaycliError('route_not_found', `Unrecognized request: ${req.method} ${req.path}`));
  });

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const error = fromParserError(err) ?? toPaycliError(err);
    if (error.isBug) opts.onBug?.(error, req);
    res.locals.errorCode = error.code;
    if (res.headersSent) {
      res.end();
      return;
    }
    // Held until durable like every error answer, whatever its status (Alipay's v2 errors are HTTP 200).
    holdUntilDurable(res);
    const own = opts.renderAnswer?.(req, error);
    if (own) {
      // Unsigned rather than unanswered if signing fails: the caller still learns the error.
      own.then((answer) => send(res, answer), () => send(res, opts.provider.renderError(error)));
      return;
    }
    const rendered = opts.provider.renderError(error);
    if (!opts.signAnswer) return send(res, rendered);
    const body = typeof rendered.body === 'string' ? rendered.body : JSON.stringify(rendered.body);
    opts.signAnswer(req, rendered.status, body).then(
      (signature) => send(res, { ...rendered, headers: { ...rendered.headers, ...signature }, body }, typeof rendered.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'),
      // Unsigned rather than unanswered: the caller still learns the status.
      () => send(res, rendered),
    );
  };
  app.use(onError);
  return app;
}

/**
 * Middleware run in order as one: the same as `app.use` of each in turn for handlers that, like these,
 * only call `next()` or `next(err)` (never `next('route')`).
 */
export function inOrder(handlers: readonly RequestHandler[]): RequestHandler {
  return (req, res, next) => {
    let i = 0;
    const step = (err?: unknown): void => {
      // Like express, a falsy argument is no error.
      if (err) {
        next(err);
        return;
      }
      if (i === handlers.length) {
        next();
        return;
      }
      const handler = handlers[i++]!;
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.catch((e: unknown) => next(e ?? new Error('Rejected promise')));
      } catch (e) {
        next(e);
      }
    };
    step();
  };
}

/** Sends a rendered error; a string body with `contentType` goes out as those exact bytes (what was signed). */
function send(res: express.Response, rendered: RenderedError, contentType?: string): void {
  res.status(rendered.status);
  for (const [name, value] of Object.entries(rendered.headers ?? {})) res.setHeader(name, value);
  if (contentType) res.setHeader('Content-Type', contentType);
  if (typeof rendered.body === 'string') res.send(rendered.body);
  else res.json(rendered.body);
}
