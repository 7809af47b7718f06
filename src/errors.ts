/**
 * The one error type of paycli. Every failure a user can cause or meet carries a stable code from the
 * closed list below; anything else is a bug. The CLI maps errors to exit codes; each provider renders them
 * in its own wire shape (the native one: src/providers/paycli/errors.ts) with the status given here.
 */

/** Stable error codes. Adding one is fine; renaming one breaks users' scripts. */
export const ERROR_CODES = {
  // --- API request errors (HTTP 4xx) ---
  /** The request body is not valid JSON. */
  invalid_json: { status: 400, type: 'invalid_request_error' },
  /** A field is missing, of the wrong type or out of range; `param` names it. */
  parameter_invalid: { status: 400, type: 'invalid_request_error' },
  /** A required field is absent; `param` names it. */
  parameter_missing: { status: 400, type: 'invalid_request_error' },
  /** The card number fails the Luhn check or is not a card number. */
  invalid_card_number: { status: 400, type: 'invalid_request_error' },
  /** No Authorization header. */
  authentication_required: { status: 401, type: 'authentication_error' },
  /** The API key is not one of this sandbox's keys. */
  invalid_api_key: { status: 401, type: 'authentication_error' },
  /** The id names no object of that kind. */
  resource_missing: { status: 404, type: 'invalid_request_error' },
  /** No such route. */
  route_not_found: { status: 404, type: 'invalid_request_error' },
  /** The HTTP method is not supported on this route. */
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  /** A payment with this merchant_order_id exists already. */
  duplicate_merchant_order_id: { status: 409, type: 'invalid_request_error' },
  /** The object's current status does not allow this operation. */
  invalid_state: { status: 409, type: 'invalid_request_error' },
  /** A refund would exceed what was captured and not yet refunded. */
  refund_exceeds_captured: { status: 400, type: 'invalid_request_error' },
  /** A capture amount exceeds the authorised amount. */
  capture_exceeds_authorized: { status: 400, type: 'invalid_request_error' },
  /** The Idempotency-Key was used before with a different request. */
  idempotency_key_reused: { status: 422, type: 'idempotency_error' },
  /** The request's Host names something the sandbox is not known by (DNS rebinding): see --allow-host. */
  host_not_allowed: { status: 403, type: 'invalid_request_error' },
  /** A state-changing request made by another origin's web page (cross-site request forgery). */
  cross_origin_refused: { status: 403, type: 'invalid_request_error' },
  /** The request body is over the size limit. */
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  /** The request's Content-Type is not JSON. */
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  /** Too many requests (an injected API fault): retry after Retry-After. */
  rate_limited: { status: 429, type: 'rate_limit_error' },
  /** An error on the PSP's side (an injected API fault): retry with the same Idempotency-Key. */
  api_error: { status: 500, type: 'api_error' },
  /** The PSP is temporarily unavailable (an injected API fault): retry later. */
  service_unavailable: { status: 503, type: 'api_error' },

  // --- CLI / environment errors (user errors, non-zero exit) ---
  /** The port is taken by another process. */
  port_in_use: { status: 500, type: 'cli_error' },
  /** The sandbox data file cannot be read or parsed. */
  data_file_unreadable: { status: 500, type: 'cli_error' },
  /** Another sandbox holds the data file's lock: one sandbox per data file. */
  data_file_locked: { status: 409, type: 'cli_error' },
  /** The data file or its journal cannot be written (disk full, permissions): the change was not saved. */
  data_file_unwritable: { status: 503, type: 'api_error' },
  /** No running sandbox answered at the URL. */
  sandbox_unreachable: { status: 502, type: 'cli_error' },
  /** A command-line option or argument is invalid. */
  invalid_usage: { status: 400, type: 'cli_error' },
  /** A config file could not be read or is invalid. */
  invalid_config: { status: 400, type: 'cli_error' },
  /** A scenario file is invalid. */
  invalid_scenario: { status: 400, type: 'cli_error' },
  /** A file would be overwritten without --force. */
  file_exists: { status: 409, type: 'cli_error' },
  /** ngrok refused or could not open the tunnel. */
  tunnel_failed: { status: 502, type: 'cli_error' },

  // --- bugs ---
  /** Something paycli did not expect: a bug. */
  internal_error: { status: 500, type: 'api_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface PaycliErrorOptions {
  /** The request field at fault, e.g. `payment_method.card.number`. */
  param?: string;
  /** One line telling the user what to do about it. */
  hint?: string;
  /** Extra machine-readable details (e.g. the payment id on a decline). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class PaycliError extends Error {
  readonly code: ErrorCode;
  readonly param?: string;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: PaycliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PaycliError';
    this.code = code;
    this.param = options.param;
    this.hint = options.hint;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get type(): string {
    return ERROR_CODES[this.code].type;
  }

  /** A bug rather than something the user can fix. */
  get isBug(): boolean {
    return this.code === 'internal_error';
  }
}

/** Exit codes of the CLI. 1 is kept for "ran, and something it checked failed" (e.g. a failing scenario). */
export const EXIT = { ok: 0, failed: 1, usage: 2, bug: 70, interrupted: 130 } as const;

/** Wraps anything thrown into a PaycliError, so callers handle one type. */
export function toPaycliError(err: unknown): PaycliError {
  if (err instanceof PaycliError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PaycliError('internal_error', message, { cause: err });
}
