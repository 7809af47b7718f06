/**
 * The express application: body parsing with limits, request logging, each provider's routes under its
 * prefix, the control API under `/_sandbox`, and the one error handler that turns every failure into a
 * JSON error (a PaycliError's status, or a 500 that says it is a bug).
 */
import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type Response } from 'express';
import type { Clock } from '../clock.js';
import { PaycliError, toPaycliError } from '../errors.js';
import type { Provider, ProviderContext } from '../providers/provider.js';
import { faultMiddleware } from '../faults/fault-middleware.js';
import { CONTROL_PREFIX, controlRouter, type ControlContext } from './control-routes.js';

export interface AppOptions {
  providers: Provider[];
  ctx: ProviderContext;
  control: ControlContext;
  clock: Clock;
  /** Called for errors that are bugs (500s), so the command can show them. */
  onBug?: (err: PaycliError, req: Request) => void;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * How deeply a JSON body may nest. No request needs more than a few levels; JSON.parse copes with any
 * depth, but whatever walks the value recursively afterwards (JSON.stringify for the idempotency
 * fingerprint, validation) would overflow the stack on a 1 MiB `[[[[…` and answer 500.
 */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests deeper than `max` arrays/objects (iterative, so it cannot overflow itself). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
const FORM_TYPE = 'application/x-www-form-urlencoded';

/** A URL without its query string. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/** Parses JSON bodies (and forms on the buyer pages); anything else with a body is a 415. */
function bodyParsing(limitBytes: number) {
  const json = express.json({ limit: limitBytes, type: JSON_TYPES, strict: false });
  const form = express.urlencoded({ limit: limitBytes, extended: false });
  return (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > limitBytes) {
      // Refuse before reading: the client learns at once, and nothing is buffered.
      return next(new PaycliError('payload_too_large', `The request body is ${length} bytes; the limit is ${limitBytes} bytes.`));
    }
    // The plain header most clients send is matched without parsing it (req.is agrees on it).
    if (req.headers['content-type'] === 'application/json' || req.is(JSON_TYPES)) {
      return json(req, res, (err?: unknown) => {
        if (err === undefined && nestsDeeperThan(req.body, MAX_JSON_DEPTH)) {
          return next(new PaycliError('parameter_invalid', `The request body nests more than ${MAX_JSON_DEPTH} levels deep.`));
        }
        next(err);
      });
    }
    if (req.is(FORM_TYPE) && req.path.startsWith(`${CONTROL_PREFIX}/buyer/`)) return form(req, res, next);
    next(
      new PaycliError('unsupported_media_type', `Unsupported Content-Type: ${req.headers['content-type'] ?? '(none)'}. The API takes JSON.`, {
        hint: "Send the body with 'Content-Type: application/json' (curl: -H 'content-type: application/json').",
      }),
    );
  };
}

/** Maps body-parser's errors (which carry `type` and `status`) to PaycliErrors. */
function fromParserError(err: unknown): PaycliError | null {
  if (err instanceof PaycliError) return err;
  // Express's router throws a URIError with status 400 when a path parameter is not valid percent-encoding.
  if (err instanceof URIError && (err as { status?: number }).status === 400) {
    return new PaycliError('parameter_invalid', `The URL path is not valid percent-encoding: ${err.message}`);
  }
  // body-parser's errors carry a status and usually a `type`; some (a corrupt gzip body: zlib's error
  // wrapped as a 400) have a status only. Either way a 4xx from reading the request is the client's.
  const e = err as { type?: string; status?: number; message?: string };
  if (typeof e?.status !== 'number') return null;
  if (e.type === 'entity.parse.failed') return new PaycliError('invalid_json', `The request body is not valid JSON: ${e.message}`, { hint: 'Check the body with a JSON linter.' });
  if (e.type === 'entity.too.large') return new PaycliError('payload_too_large', 'The request body is over the size limit.');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return new PaycliError('unsupported_media_type', e.message ?? 'Unsupported encoding.');
  if (e.status >= 400 && e.status < 500) return new PaycliError('parameter_invalid', `The request could not be read: ${e.message ?? 'invalid request'}.`);
  return null;
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

  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      // originalUrl: by now a mounted router may have rewritten req.path.
      const path = pathOf(req.originalUrl);
      if (isInspectionRead(req.method, path)) return;
      opts.ctx.activity.add({
        kind: 'request',
        time: opts.clock.now(),
        method: req.method,
        path,
        status: res.statusCode,
        latency_ms: Math.round((performance.now() - started) * 10) / 10,
        error_code: (res.locals.errorCode as string | undefined) ?? null,
        idempotent_replay: res.locals.idempotentReplay === true,
        ...(res.locals.fault ? { fault: res.locals.fault as string } : {}),
      });
    });
    next();
  });
  app.use(bodyParsing(opts.ctx.bodyLimitBytes));

  for (const provider of opts.providers) {
    // API faults come first, rendered in the provider's own error shape.
    app.use(provider.prefix, faultMiddleware({ rules: opts.control.faults, provider: provider.name, render: provider.renderFault ?? ((e) => provider.renderError(e)), activity: opts.ctx.activity, clock: opts.clock }));
    app.use(provider.prefix, provider.router(opts.ctx));
  }
  app.use(CONTROL_PREFIX, controlRouter(opts.control));

  app.use((req, _res, next) => {
    next(new PaycliError('route_not_found', `Unrecognized request: ${req.method} ${req.path}`, { hint: 'The native API lives under /v1; see the README.' }));
  });

  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const error = fromParserError(err) ?? toPaycliError(err);
    if (error.isBug) opts.onBug?.(error, req);
    res.locals.errorCode = error.code;
    if (res.headersSent) {
      res.end();
      return;
    }
    const provider = opts.providers.find((p) => req.originalUrl.startsWith(p.prefix + '/') || req.originalUrl === p.prefix);
    const rendered = provider ? provider.renderError(error) : { status: error.status, body: error.toJSON() };
    res.status(rendered.status).json(rendered.body);
  };
  app.use(onError);
  return app;
}
