/**
 * Error answers the sandbox renders outside Alipay's routes (a foreign `Host` refused, a held answer made
 * the retryable failure because the write it showed was rolled back, a bug): on the v2 gateway, in the
 * gateway's own shape, as its routes answer. alipay-sdk's `exec` reads an answer only when it is HTTP 200
 * (any other status is `AlipayRequestError('HTTP 请求错误, status: …')`, with no `code` to act on) and, with
 * `validateSign`, only when `"<method>_response"` is signed with the Alipay key. So every such answer is
 * HTTP 200 with the failure inside the signed response, as Alipay's gateway answers its own outages: the
 * 503 while the data file cannot be written becomes `20000 Service Currently Unavailable` with
 * `ACQ.SYSTEM_ERROR` (what the routes answer for a write of their own that failed), which Alipay's
 * documentation tells merchants to retry with the same parameters (or to query the trade); a refusal is
 * `40002` with the sandbox's code (`host_not_allowed`) and its explanation. Elsewhere (`/v3/…`, bills,
 * the cashier) the host's answers keep `renderError`'s v3 shape and status.
 */
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { PaycliError } from '../../errors.js';
import type { ProviderHost, RenderedError } from '../contract.js';
import { toAlipayFailure, v2FailureContent } from './codes.js';
import type { AlipayCreds } from './credentials.js';
import { gatewayParams, isGatewayPath, v2AnswerBody } from './gateway.js';

/**
 * The gateway's answer to `req` for an error the host met, or null for a request to anywhere else.
 * Keyed by the request's `method` (query string, or the form body when the routes had read it), signed
 * for the app its `app_id` names, or like the routes with the default merchant's Alipay key when the app
 * is unknown (Alipay signs every answer).
 */
export function gatewayHostAnswer(host: ProviderHost<AlipayCreds>, req: Request, err: PaycliError): Promise<RenderedError> | null {
  if (!isGatewayPath(req.path)) return null;
  return answer(host, req, err);
}

async function answer(host: ProviderHost<AlipayCreds>, req: Request, err: PaycliError): Promise<RenderedError> {
  const params = gatewayParams(req);
  const app = params.app_id ? host.merchantWhere((c) => c.app_id === params.app_id) : undefined;
  const creds = host.credentials(app ?? host.core.defaultMerchant);
  const body = await v2AnswerBody(params, v2FailureContent(toAlipayFailure(err)), creds);
  return { status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8', trace_id: randomUUID().replaceAll('-', '') }, body };
}

