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
import { fromParserError } from '../http/body-parsing.js';
import type { AnyProvider, RenderedError } from '../providers/contract.js';
import type { Store } from '../store/store.js';
import { CONTROL_PREFIX } from './control-routes.js';
import { durableAnswers } from './durable-answers.js';

export { MAX_JSON_DEPTH } from '../http/body-parsing.js';

export interface AppOptions {
  /** The provider served at this port's root. */
  provider: AnyProvider;
  /** Its routes (`provider.app(host)`). */
  routes: RequestHandler;
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
  /** Called for errors that are bugs (500s), so the command can show them. */
  onBug?: (err: PaycliError, req: Request) => void;
}

/** A URL without its query string. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function createApp(opts: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const providerName = opts.provider.name;
  app.use(durableAnswers(opts.store, (err) => opts.provider.renderError(err)));

  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      if (req.path === `${CONTROL_PREFIX}/stream` || req.path === `${CONTROL_PREFIX}/health`) return;
      opts.activity.add({
        kind: 'request',
        time: opts.clock.now(),
        method: req.method,
        path: pathOf(req.originalUrl),
        status: res.statusCode,
        latency_ms: Math.round((performance.now() - started) * 10) / 10,
        error_code: (res.locals.errorCode as string | undefined) ?? null,
        idempotent_replay: res.locals.idempotentReplay === true,
        ...(providerName === 'paycli' ? {} : { provider: providerName }),
      });
    });
    next();
  });
  // After the request log (refusals show in it), before anything reads the body or reaches a route.
  for (const guard of opts.guards ?? []) app.use(guard);

  if (opts.control) app.use(CONTROL_PREFIX, opts.control);
  if (opts.dashboard) app.use(opts.dashboard);
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
    send(res, opts.provider.renderError(error));
  };
  app.use(onError);
  return app;
}

function send(res: express.Response, rendered: RenderedError): void {
  res.status(rendered.status);
  for (const [name, value] of Object.entries(rendered.headers ?? {})) res.setHeader(name, value);
  if (typeof rendered.body === 'string') res.send(rendered.body);
  else res.json(rendered.body);
}
