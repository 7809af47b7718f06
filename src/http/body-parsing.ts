/**
 * Request-body parsing that providers and the control API share: JSON with a size limit and a nesting
 * limit, forms where a route takes them, and body-parser's failures as PaycliErrors (naming what is wrong)
 * instead of express's HTML error pages. Each provider picks what its protocol sends.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { PaycliError } from '../errors.js';
import { nestsDeeperThan } from '../json-depth.js';

const JSON_TYPES = ['application/json', 'application/*+json'];
const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * How deeply a JSON body may nest. No request needs more than a few levels; JSON.parse copes with any
 * depth, but whatever walks the value recursively afterwards (JSON.stringify for the idempotency
 * fingerprint, validation) would overflow the stack on a 1 MiB `[[[[…` and answer 500.
 */
export const MAX_JSON_DEPTH = 32;

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

export interface BodyParsingOptions {
  limitBytes: number;
  /** Which requests may send a form (`application/x-www-form-urlencoded`); default none. */
  formWhen?: (req: Request) => boolean;
  /** Says what the API takes, in the 415's message. */
  takes?: string;
}

/** Parses JSON bodies (and forms where `formWhen` allows); anything else with a body is a 415. */
export function jsonBodyParsing(opts: BodyParsingOptions): RequestHandler {
  const { limitBytes } = opts;
  const json = express.json({ limit: limitBytes, type: JSON_TYPES, strict: false });
  const form = express.urlencoded({ limit: limitBytes, extended: false });
  return (req: Request, res: Response, next: NextFunction) => {
    // Already parsed (a router mounted before this one parsed it).
    if ((req as { _body?: boolean })._body || !hasBody(req)) return next();
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
    if (req.is(FORM_TYPE) && opts.formWhen?.(req)) return form(req, res, next);
    next(
      new PaycliError('unsupported_media_type', `Unsupported Content-Type: ${req.headers['content-type'] ?? '(none)'}. ${opts.takes ?? 'The API takes JSON.'}`, {
        hint: "Send the body with 'Content-Type: application/json' (curl: -H 'content-type: application/json').",
      }),
    );
  };
}

/** Maps body-parser's errors (which carry `type` and `status`) and express's path errors to PaycliErrors. */
export function fromParserError(err: unknown): PaycliError | null {
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
