/**
 * The v2 gateway (`/gateway.do`): parameters from the query string and the form body merged, the app's
 * signature verified over Alipay's string, the method run, and the answer `{"<method>_response": …,
 * "sign": …}` signed over the exact bytes emitted, failures included (never `error_response`, which
 * alipay-sdk cannot verify). Browser requests for page/wap pay get the cashier instead.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { toPaycliError, type PaycliError } from '../../errors.js';
import type { AlipayMerchant, TradeBackend } from './backend.js';
import type { AlipayCreds } from './credentials.js';
import { pendingFault } from '../../faults/fault-middleware.js';
import { holdUntilDurable } from '../../http/answer-hold.js';
import { alipayError, faultFailure, GATEWAY_MSG, toAlipayFailure, v2FailureContent } from './codes.js';
import { METHODS } from './methods.js';
import { isSignType, v2RequestSignContents, v2ResponseBodyAsync, verifyV2Request, type SignType } from './signing.js';
import { billDownloadUrlMethod } from './bill-routes.js';

export const CASHIER_METHODS = new Set(['alipay.trade.page.pay', 'alipay.trade.wap.pay']);

export interface GatewayDeps {
  backend: TradeBackend;
  /** Signs answers to requests whose app id is unknown (real Alipay signs everything with its key). */
  fallbackMerchant(): AlipayMerchant;
  /** The provider's own base URL (QR codes, bill downloads, cashier). */
  baseUrl(): string;
}

/** Whether a path is the gateway's as express routes it (ignoring case and a trailing slash, as `router.all` does). */
export function isGatewayPath(path: string): boolean {
  return /^\/gateway\.do\/?$/i.test(path);
}

/** Query-string parameters then form-body parameters (the SDK splits them between the two). */
export function gatewayParams(req: Request): Record<string, string> {
  const params: Record<string, string> = {};
  const q = req.originalUrl.indexOf('?');
  if (q >= 0) for (const [k, v] of new URLSearchParams(req.originalUrl.slice(q + 1))) params[k] = v;
  const body = typeof req.body === 'string' ? req.body : '';
  if (body && !/^\s*[{[]/.test(body)) for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  return params;
}

export interface V2Auth {
  merchant: AlipayMerchant;
  biz: Record<string, unknown>;
}

/** Checks app id, certificate SNs and signature; parses biz_content. Throws Alipay's public errors. */
export function authenticateV2(params: Record<string, string>, backend: TradeBackend): V2Auth {
  if (!params.app_id) throw alipayError('isv.missing-app-id', '缺少AppID参数 (app_id is required).', 'app_id');
  const merchant = backend.merchantByAppId(params.app_id);
  if (!merchant) throw alipayError('isv.invalid-app-id', `无效的AppID参数 (app_id "${params.app_id}" is not this sandbox's app).`, 'app_id');
  if (!params.sign) throw alipayError('isv.missing-signature', '缺少签名参数 (sign is required).', 'sign');
  if (!params.sign_type) throw alipayError('isv.missing-signature-type', '缺少签名类型参数 (sign_type is required: RSA2 or RSA).', 'sign_type');
  if (!params.timestamp) throw alipayError('isv.missing-timestamp', '缺少时间戳参数 (timestamp is required).', 'timestamp');
  // Only the format: alipay-sdk stamps its host's local time, not China time.
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(params.timestamp)) {
    throw alipayError('isv.invalid-timestamp', `非法的时间戳参数 (timestamp must be yyyy-MM-dd HH:mm:ss, got "${params.timestamp}").`, 'timestamp');
  }
  if (!params.version) throw alipayError('isv.missing-version', '缺少版本参数 (version is required: 1.0).', 'version');
  if (!isSignType(params.sign_type)) {
    throw alipayError('isv.invalid-signature-type', `无效签名类型 (sign_type must be RSA2 or RSA, got "${params.sign_type}").`, 'sign_type');
  }
  if (params.app_cert_sn !== undefined && params.app_cert_sn !== merchant.creds.app_cert_sn) {
    throw alipayError('isv.invalid-app-cert-sn', `应用公钥证书序列号不匹配 (app_cert_sn "${params.app_cert_sn}" is not the SN of this app's certificate).`, 'app_cert_sn');
  }
  if (params.alipay_root_cert_sn !== undefined && params.alipay_root_cert_sn !== merchant.creds.alipay_root_cert_sn) {
    throw alipayError('isv.invalid-alipay-root-cert-sn', `支付宝根证书序列号不匹配 (alipay_root_cert_sn does not match the sandbox root certificate).`, 'alipay_root_cert_sn');
  }
  if (!verifyV2Request(params, merchant.creds.app_public_key)) {
    const expected = v2RequestSignContents(params)[0]!;
    throw alipayError(
      'isv.invalid-signature',
      `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${expected}`,
      'sign',
    );
  }
  let biz: Record<string, unknown> = {};
  if (params.biz_content) {
    try {
      const parsed: unknown = JSON.parse(params.biz_content);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      biz = parsed as Record<string, unknown>;
    } catch {
      throw alipayError('isv.invalid-biz-content', 'biz_content 不是合法的JSON对象 (biz_content must be a JSON object).', 'biz_content');
    }
  }
  return { merchant, biz };
}

/**
 * The gateway's answer body for a request with these parameters: `content` under `"<method>_response"`,
 * signed with `creds`' Alipay key in the request's sign type, with `alipay_cert_sn` when the app called in
 * certificate mode. With no method, under `error_response`, signed the same way: `exec` reads that key when
 * its method's is absent (without `validateSign` it returns the code and sub_code; with it the signature is
 * looked for after the method's key and fails, but exec always sends `method` in the query string, where
 * even a request refused before its body is read has it), so only a hand-made request meets this.
 */
export function v2AnswerBody(params: Record<string, string>, content: Record<string, unknown>, creds: AlipayCreds): Promise<string> {
  const signType: SignType = isSignType(params.sign_type) ? params.sign_type : 'RSA2';
  const certSn = params.app_cert_sn !== undefined ? creds.alipay_cert_sn : null;
  return v2ResponseBodyAsync(params.method || 'error', content, creds.alipay_private_key, signType, certSn);
}

/** The methods that only read: their answers are held until what they show is durable. */
const READ_METHODS: ReadonlySet<string> = new Set(['alipay.trade.query', 'alipay.trade.fastpay.refund.query', 'alipay.data.dataservice.bill.downloadurl.query']);

/**
 * Answers one `exec` call. `refused` is a failure found before the parameters could be read (a body too
 * large or in an unknown charset): answered like any other, signed inside `<method>_response`.
 */
export async function handleExec(req: Request, res: Response, deps: GatewayDeps, params: Record<string, string>, refused?: PaycliError): Promise<void> {
  const method = params.method ?? '';
  const signer = deps.backend.merchantByAppId(params.app_id ?? '') ?? deps.fallbackMerchant();
  let content: Record<string, unknown>;
  const fault = pendingFault(res);
  try {
    // An injected fault: the signed business error an outage gives, so `exec` with validateSign sees a 20000.
    if (fault) throw fault;
    if (refused) throw refused;
    if (!method) throw alipayError('isv.missing-method', '缺少方法名参数 (method is required).', 'method');
    const { merchant, biz } = authenticateV2(params, deps.backend);
    // Own keys only: `constructor` or `__proto__` is an unknown method, not a property of every object.
    const impl = method === 'alipay.data.dataservice.bill.downloadurl.query' ? billDownloadUrlMethod : Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (!impl) {
      throw alipayError('isv.invalid-method', `不存在的方法名 (method "${method}" is not emulated; see the README's Alipay section).`, 'method');
    }
    // A query is a read answered to a POST: held until what it shows is durable, as a GET's answer is.
    if (READ_METHODS.has(method)) holdUntilDurable(res);
    const call = { backend: deps.backend, merchant, biz, notify_url: params.notify_url ?? null, return_url: params.return_url ?? null, baseUrl: deps.baseUrl() };
    const result = await impl(call);
    const code = result.code ?? '10000';
    content = { code, msg: GATEWAY_MSG[code], ...result.content };
  } catch (err) {
    const e = toPaycliError(err);
    // A bug goes to the host (logged, answered 500); a failed write is Alipay's signed 20000.
    if (e.isBug) throw e;
    // A refusal names state (ACQ.TRADE_HAS_CLOSE after a refund another request is still writing): held
    // until that is durable, as the host holds an error status; the gateway's errors are HTTP 200.
    holdUntilDurable(res);
    content = v2FailureContent(e === fault ? faultFailure(e) : toAlipayFailure(e));
  }
  const body = await v2AnswerBody(params, content, signer.creds);
  const traceId = randomUUID().replaceAll('-', '');
  if (req.method !== 'POST') {
    res.status(200).set({ 'content-type': 'application/json;charset=utf-8', trace_id: traceId }).send(body);
    return;
  }
  // What the SDKs send: the same headers and bytes as express's send, written directly (it showed in profiles).
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('trace_id', traceId);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
