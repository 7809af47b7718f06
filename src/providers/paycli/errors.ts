/**
 * The native error shape: `{ error: { type, code, message, param?, hint?, ...details } }` with the
 * code's HTTP status. The native API answers in it, and so does the control API, which shares the
 * native provider's (main) port and its renderer. Other providers render the same PaycliErrors in
 * their own shapes.
 */
import type { PaycliError } from '../../errors.js';
import type { RenderedError } from '../contract.js';

export interface NativeErrorBody {
  error: Record<string, unknown>;
}

export function nativeErrorBody(err: PaycliError): NativeErrorBody {
  return {
    error: {
      type: err.type,
      code: err.code,
      message: err.message,
      ...(err.param !== undefined ? { param: err.param } : {}),
      ...(err.hint !== undefined ? { hint: err.hint } : {}),
      ...(err.details ?? {}),
    },
  };
}

export function renderNativeError(err: PaycliError): RenderedError {
  return { status: err.status, body: nativeErrorBody(err) };
}
