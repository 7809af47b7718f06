/**
 * The path of every Stripe API request: `Request-Id` and `Stripe-Version` on the answer, Bearer (or Basic)
 * authentication with Stripe's 401, form or query parameters, idempotent replay, one unit of work that
 * commits the change, its events and its idempotency record together, then webhook delivery.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { cryptoRandom } from '../../core/ids.js';
import type { Merchant } from '../../engine/types.js';
import { sendPostJson } from '../../http/json-response.js';
import { FormSyntaxError, parseForm, queryOf, type FormObject } from './form-params.js';
import { expandList } from './params.js';
import { authenticationError, idempotencyError, invalidRequest, StripeApiError, toStripeError } from './stripe-errors.js';
import { STRIPE_API_VERSION } from './stripe-events.js';
import type { KeyKind, StripeHost } from './stripe-host.js';
import { COLLECTIONS, type IdempotencyDoc, type StripeUnit } from './stripe-state.js';
import type { OpContext } from './wire-objects.js';

type Json = Record<string, unknown>;

export interface Call {
  ctx: OpContext;
  params: FormObject;
  /** `:id` of the route, if any. */
  id: string;
  /** The route's other parameters (`:pm` of `/v1/customers/:id/payment_methods/:pm`). */
  path: Record<string, string>;
  keyKind: KeyKind;
  /** The request's `Stripe-Version`, or null when it names none (the account's default then). */
  apiVersion: string | null;
}

export type Handler = (call: Call) => Json;

/** Who may call a route: secret keys only, or also publishable keys (Stripe.js: confirm with client_secret). */
export type Access = 'secret' | 'publishable';

const IDEMPOTENCY_TTL_SEC = 24 * 3600;

function mask(key: string): string {
  return key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(4, key.length - 12))}${key.slice(-4)}` : `${key.slice(0, 3)}****`;
}

function apiKeyOf(req: Request): string | undefined {
  const header = req.get('authorization');
  if (!header) return undefined;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value.trim();
  if (scheme?.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':')[0];
  return '';
}

/**
 * Stripe.js sends no Authorization header: its requests carry the publishable key as the `key` parameter
 * (beside `client_secret`), in the form body of a POST and the query of a GET. Read when no header is sent;
 * `key` and `_stripe_version` (Stripe.js's version pin) are request plumbing, not parameters of the call.
 */
const KEY_PARAMS = ['key', '_stripe_version'] as const;

function authenticate(host: StripeHost, key: string | undefined, access: Access): { merchant: Merchant; kind: KeyKind } {
  if (key === undefined) {
    throw authenticationError(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  const found = host.authenticate(key);
  if (!found) throw authenticationError(`Invalid API Key provided: ${mask(key)}`);
  if (found.kind === 'publishable' && access !== 'publishable') {
    throw authenticationError('This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.');
  }
  return found;
}

function send(res: Response, status: number, body: unknown): void {
  // A POST's answer is never a 304: written directly, the bytes express would send (see json-response.ts).
  if (res.req.method === 'POST') sendPostJson(res, status, body);
  else res.status(status).type('application/json').send(JSON.stringify(body));
}

/** `Request-Id` and the `Stripe-Version` asked for (or the sandbox's) on an answer, as Stripe sets them on every one. */
export function stampAnswer(req: Request, res: Response, requestId = newRequestId()): void {
  res.set('Request-Id', requestId);
  res.set('Stripe-Version', req.get('stripe-version') || STRIPE_API_VERSION);
}

/** The 404 for a path no route matches, in Stripe's words. */
export function unrecognizedUrl(req: Request, res: Response): void {
  stampAnswer(req, res);
  send(res, 404, {
    error: {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${req.method}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    },
  });
}

// From the pooled random source: one randomBytes call per request showed in profiles.
export const newRequestId = () => `req_${cryptoRandom.bytes(10).toString('base64url').replace(/[-_]/g, 'x')}`;

interface Outcome {
  status: number;
  body: unknown;
  replayed: boolean;
}

/** Runs one API request through the pipeline and answers it. */
export async function handleApi(host: StripeHost, req: Request, res: Response, access: Access, handler: Handler): Promise<void> {
  const requestId = newRequestId();
  stampAnswer(req, res, requestId);
  try {
    const isPost = req.method === 'POST';
    const raw = isPost && Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    // Read before authenticating (a Stripe.js request's key is among them); a malformed request is refused
    // only once its key is known, so a request without one is still a 401 first.
    let parsed: FormObject | StripeApiError;
    try {
      if (isPost && raw.trim() !== '' && req.is('application/json')) {
        // Stripe's v1 API reads only form bodies; a JSON one is refused whole rather than read as one odd key.
        throw invalidRequest('Invalid request (check that your POST content type is application/x-www-form-urlencoded). If you have any questions, we can help at https://support.stripe.com/.');
      }
      parsed = parseForm(isPost ? raw : queryOf(req.originalUrl));
    } catch (err) {
      if (err instanceof FormSyntaxError) parsed = invalidRequest(err.message, { param: err.param });
      else if (err instanceof StripeApiError) parsed = err;
      else throw err;
    }
    const headerKey = apiKeyOf(req);
    const paramKey = !(parsed instanceof StripeApiError) && typeof parsed.key === 'string' ? parsed.key : undefined;
    const { merchant, kind } = authenticate(host, headerKey ?? paramKey, access);
    if (parsed instanceof StripeApiError) throw parsed;
    const params: FormObject = parsed;
    for (const name of KEY_PARAMS) delete params[name];
    // Checked before the unit of work: the answer is rendered after the operation has staged its changes,
    // and a refused request must change nothing.
    expandList(params);
    const key = isPost ? req.get('idempotency-key') || null : null;
    if (key !== null && key.length > 255) throw invalidRequest('Idempotency-Key is too long (at most 255 characters).', { param: 'Idempotency-Key' });
    const fingerprint = key ? createHash('sha256').update(`${req.method} ${req.path}\n${raw}`).digest('hex') : '';
    const routeId = typeof req.params.id === 'string' ? req.params.id : '';
    const path = Object.fromEntries(Object.entries(req.params).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const request = { id: requestId, idempotency_key: key };
    const outcome = await host.run(merchant, request, (unit: StripeUnit): Outcome => {
      const nowSec = Math.floor(unit.nowMs / 1000);
      if (key) {
        const rec = unit.get<IdempotencyDoc>(COLLECTIONS.idempotencyKeys, `${merchant.id}:${key}`);
        if (rec && rec.created + IDEMPOTENCY_TTL_SEC > nowSec) {
          if (rec.fingerprint !== fingerprint) {
            // Records written by earlier versions do not say where the key was first used.
            const e = idempotencyError(key, rec.path !== undefined && rec.path !== req.path ? { first: rec.path, now: req.path } : undefined);
            return { status: e.status, body: { error: e.body }, replayed: false };
          }
          return { status: rec.status, body: rec.body, replayed: true };
        }
      }
      const ctx: OpContext = { unit, baseUrl: host.baseUrl(), request };
      let status = 200;
      let body: unknown;
      try {
        body = handler({ ctx, params, id: routeId, path, keyKind: kind, apiVersion: req.get('stripe-version') || null });
      } catch (err) {
        const se = toStripeError(err);
        if (se.status >= 500) throw err;
        status = se.status;
        body = { error: { ...se.body, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } };
      }
      // Saved once the request did something (a decline records its charge): a refusal changes nothing, so
      // the same key with corrected parameters runs, as on Stripe ("results are only saved if an API endpoint
      // started executing").
      if (key && (status < 400 || status === 402)) unit.put<IdempotencyDoc>(COLLECTIONS.idempotencyKeys, { id: `${merchant.id}:${key}`, merchant_id: merchant.id, fingerprint, path: req.path, status, body, created: nowSec });
      return { status, body, replayed: false };
    });
    if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
    if (key) res.set('Idempotency-Key', key);
    send(res, outcome.status, outcome.body);
  } catch (err) {
    const se = err instanceof StripeApiError ? err : toStripeError(err);
    send(res, se.status, { error: se.body });
  }
}
