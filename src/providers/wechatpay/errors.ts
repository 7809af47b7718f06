/**
 * WeChat Pay's error shape: `{"code":"PARAM_ERROR","message":"…","detail":{"field","value","issue","location"}}`
 * with WeChat's business codes and HTTP statuses. Errors travel as PaycliErrors: a WeChat-specific one
 * carries its code in `details.wechatpay`; a generic one (bad JSON, a missing route, a bug) is mapped here.
 */
import { randomBytes } from 'node:crypto';
import { PaycliError, type ErrorCode } from '../../errors.js';

export type WechatErrorCode =
  | 'PARAM_ERROR'
  | 'INVALID_REQUEST'
  | 'APPID_MCHID_NOT_MATCH'
  | 'MCH_NOT_EXISTS'
  | 'SIGN_ERROR'
  | 'NO_AUTH'
  | 'ORDERPAID'
  | 'ORDER_CLOSED'
  | 'ORDER_NOT_EXIST'
  | 'RESOURCE_NOT_EXISTS'
  | 'NOT_ENOUGH'
  | 'USERPAYING'
  | 'TRADE_ERROR'
  | 'FREQUENCY_LIMITED'
  | 'NO_STATEMENT_EXIST'
  | 'SYSTEM_ERROR';

/** HTTP status per code, and the closest generic code (for the activity log and the CLI). */
const CODES: Record<WechatErrorCode, { status: number; generic: ErrorCode }> = {
  PARAM_ERROR: { status: 400, generic: 'parameter_invalid' },
  INVALID_REQUEST: { status: 400, generic: 'invalid_state' },
  APPID_MCHID_NOT_MATCH: { status: 400, generic: 'parameter_invalid' },
  MCH_NOT_EXISTS: { status: 400, generic: 'parameter_invalid' },
  SIGN_ERROR: { status: 401, generic: 'invalid_api_key' },
  NO_AUTH: { status: 403, generic: 'invalid_state' },
  ORDERPAID: { status: 400, generic: 'invalid_state' },
  ORDER_CLOSED: { status: 400, generic: 'invalid_state' },
  ORDER_NOT_EXIST: { status: 404, generic: 'resource_missing' },
  RESOURCE_NOT_EXISTS: { status: 404, generic: 'resource_missing' },
  NOT_ENOUGH: { status: 403, generic: 'invalid_state' },
  USERPAYING: { status: 202, generic: 'invalid_state' },
  TRADE_ERROR: { status: 403, generic: 'invalid_state' },
  FREQUENCY_LIMITED: { status: 429, generic: 'invalid_state' },
  NO_STATEMENT_EXIST: { status: 400, generic: 'resource_missing' },
  SYSTEM_ERROR: { status: 500, generic: 'internal_error' },
};

export interface WechatErrorDetail {
  field?: string;
  value?: unknown;
  issue?: string;
  location?: 'body' | 'query' | 'path' | 'header';
}

interface Carried {
  code: WechatErrorCode;
  status: number;
  detail?: WechatErrorDetail;
}

/**
 * `detail.field` as WeChat writes it: a JSON Pointer (RFC 6901) for a body parameter (`amount.total` →
 * `/amount/total`), the parameter's name in the path, query or headers. A problem of the whole body
 * (not JSON, not an object) names no field.
 */
function wireDetail(detail: WechatErrorDetail): WechatErrorDetail {
  if (detail.location !== 'body' || detail.field === undefined || detail.field.startsWith('/')) return detail;
  const { field, ...rest } = detail;
  if (field === 'body' || field === '') return rest;
  return { field: `/${field.split('.').map((k) => k.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`, ...rest };
}

/** A WeChat Pay error, as a PaycliError carrying WeChat's code; `status` only where HTTP itself fixes it (405). */
export function wechatError(code: WechatErrorCode, message: string, detail?: WechatErrorDetail, httpStatus?: number): PaycliError {
  const { generic } = CODES[code];
  const status = httpStatus ?? CODES[code].status;
  const carried: Carried = { code, status, ...(detail ? { detail: wireDetail(detail) } : {}) };
  return new PaycliError(generic, message, { ...(detail?.field ? { param: detail.field } : {}), details: { wechatpay: carried } });
}

/** `PARAM_ERROR` naming the field. */
export function paramError(field: string, issue: string, location: WechatErrorDetail['location'] = 'body', value?: unknown): PaycliError {
  return wechatError('PARAM_ERROR', `参数错误：${field} ${issue}`, { field, ...(value !== undefined ? { value } : {}), issue, location });
}

/** Status and body for any error met on the WeChat Pay port. */
export function renderWechatError(err: PaycliError): { status: number; body: { code: string; message: string; detail?: WechatErrorDetail } } {
  const carried = err.details?.wechatpay as Carried | undefined;
  if (carried) return { status: carried.status, body: { code: carried.code, message: err.message, ...(carried.detail ? { detail: carried.detail } : {}) } };
  const detail = err.param ? { detail: wireDetail({ field: err.param, issue: err.message, location: 'body' }) } : {};
  switch (err.code) {
    case 'invalid_json':
    case 'parameter_invalid':
    case 'parameter_missing':
    case 'unsupported_media_type':
    case 'payload_too_large':
      return { status: 400, body: { code: 'PARAM_ERROR', message: err.message, ...detail } };
    case 'authentication_required':
    case 'invalid_api_key':
      return { status: 401, body: { code: 'SIGN_ERROR', message: err.message } };
    case 'resource_missing':
    case 'route_not_found':
      return { status: 404, body: { code: 'RESOURCE_NOT_EXISTS', message: err.message } };
    case 'method_not_allowed':
      return { status: 405, body: { code: 'PARAM_ERROR', message: err.message } };
    case 'duplicate_merchant_order_id':
    case 'idempotency_key_reused':
    case 'invalid_state':
    case 'refund_exceeds_captured':
      return { status: 400, body: { code: 'INVALID_REQUEST', message: err.message } };
    case 'host_not_allowed':
    case 'cross_origin_refused':
      // The sandbox's own refusals (a foreign Host, a cross-site POST): WeChat's code for a caller it will not serve.
      return { status: 403, body: { code: 'NO_AUTH', message: err.message } };
    default:
      if (!err.isBug && err.status < 500) return { status: err.status, body: { code: 'INVALID_REQUEST', message: err.message } };
      // A retryable outage keeps its status (503 while the data file cannot be written), as an injected one does.
      return { status: err.isBug ? 500 : err.status, body: { code: 'SYSTEM_ERROR', message: err.isBug ? '系统错误' : err.message } };
  }
}

/**
 * An injected API fault as WeChat answers an outage or a rate limit: `SYSTEM_ERROR` (500, or 503) and
 * `FREQUENCY_LIMITED` (429), with a `Request-ID`. The API routes sign it for the calling merchant, as WeChat
 * signs its error answers (a client may verify every answer: wechatpay-axios-plugin does with a
 * `validateStatus` that accepts them); the payer's pages send it as it is.
 */
export function renderWechatFault(err: PaycliError): { status: number; headers: Record<string, string>; body: { code: WechatErrorCode; message: string } } {
  const headers = { 'Request-ID': randomBytes(16).toString('hex').toUpperCase() };
  if (err.code === 'rate_limited') return { status: 429, headers, body: { code: 'FREQUENCY_LIMITED', message: `频率超限：${err.message}` } };
  return { status: err.status, headers, body: { code: 'SYSTEM_ERROR', message: `系统错误：${err.message}` } };
}
