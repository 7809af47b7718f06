/**
 * The v3 API (`/v3/alipay/trade/...`, alipay-sdk's `curl`): `Authorization: ALIPAY-SHA256withRSA …`
 * verified over the raw request-target and body, the same methods as the gateway, successes signed with
 * `alipay-timestamp`/`alipay-nonce`/`alipay-signature` (and `alipay-sn` in certificate mode), failures as
 * HTTP 4xx `{code, message, links}`.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { toPaycliError } from '../../errors.js';
import type { AlipayMerchant } from './backend.js';
import { billDownloadUrlMethod } from './bill-routes.js';
import { pendingFault } from '../../faults/fault-middleware.js';
import { alipayError, faultFailure, toAlipayFailure, v3FailureBody } from './codes.js';
import type { GatewayDeps } from './gateway.js';
import { METHODS, type MethodCall, type MethodResult } from './methods.js';
import { holdUntilDurable } from '../../http/answer-hold.js';
import { parseV3Authorization, v3ResponseHeadersAsync, verifyV3Request } from './signing.js';

type Impl = (call: MethodCall) => Promise<MethodResult>;

/** v3 path → (allowed HTTP methods, implementation, whether it only reads: its answer is then held until durable). */
export const V3_ROUTES: Record<string, { methods: readonly string[]; impl: Impl; reads?: boolean }> = {
  '/v3/alipay/trade/precreate': { methods: ['POST'], impl: METHODS['alipay.trade.precreate']! },
  '/v3/alipay/trade/create': { methods: ['POST'], impl: METHODS['alipay.trade.create']! },
  '/v3/alipay/trade/pay': { methods: ['POST'], impl: METHODS['alipay.trade.pay']! },
  // Documented as GET with query parameters; some mirrors show POST with a JSON body: both are accepted.
  '/v3/alipay/trade/query': { methods: ['GET', 'POST'], impl: METHODS['alipay.trade.query']!, reads: true },
  '/v3/alipay/trade/close': { methods: ['POST'], impl: METHODS['alipay.trade.close']! },
  '/v3/alipay/trade/cancel': { methods: ['POST'], impl: METHODS['alipay.trade.cancel']! },
  '/v3/alipay/trade/refund': { methods: ['POST'], impl: METHODS['alipay.trade.refund']! },
  '/v3/alipay/trade/fastpay/refund/query': { methods: ['POST', 'GET'], impl: METHODS['alipay.trade.fastpay.refund.query']!, reads: true },
  '/v3/alipay/data/dataservice/bill/downloadurl/query': { methods: ['GET', 'POST'], impl: billDownloadUrlMethod, reads: true },
};

interface V3Auth {
  merchant: AlipayMerchant;
  certMode: boolean;
}

function authenticateV3(req: Request, rawBody: string, deps: GatewayDeps): V3Auth {
  const header = req.get('authorization');
  if (!header) throw alipayError('isv.missing-signature', '缺少签名 (the Authorization header is required).', 'authorization');
  const auth = parseV3Authorization(header);
  if (!auth) {
    throw alipayError('isv.invalid-signature', 'Authorization must be "ALIPAY-SHA256withRSA app_id=…,nonce=…,timestamp=…,sign=…".', 'authorization');
  }
  const appId = auth.fields.app_id;
  if (!appId) throw alipayError('isv.missing-app-id', '缺少AppID参数 (app_id is missing from Authorization).', 'app_id');
  const merchant = deps.backend.merchantByAppId(appId);
  if (!merchant) throw alipayError('isv.invalid-app-id', `无效的AppID参数 (app_id "${appId}" is not this sandbox's app).`, 'app_id');
  const appCertSn = auth.fields.app_cert_sn;
  if (appCertSn !== undefined && appCertSn !== merchant.creds.app_cert_sn) {
    throw alipayError('isv.invalid-app-cert-sn', `应用公钥证书序列号不匹配 (app_cert_sn "${appCertSn}").`, 'app_cert_sn');
  }
  const rootSn = req.get('alipay-root-cert-sn');
  if (rootSn !== undefined && rootSn !== merchant.creds.alipay_root_cert_sn) {
    throw alipayError('isv.invalid-alipay-root-cert-sn', '支付宝根证书序列号不匹配 (alipay-root-cert-sn).', 'alipay-root-cert-sn');
  }
  const ok = verifyV3Request(
    auth,
    { method: req.method.toUpperCase(), url: req.originalUrl, body: rawBody, appAuthToken: req.get('alipay-app-auth-token') },
    merchant.creds.app_public_key,
  );
  if (!ok) {
    throw alipayError('isv.invalid-signature', '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配 (signature does not verify with the app public key).', 'authorization');
  }
  return { merchant, certMode: appCertSn !== undefined || rootSn !== undefined };
}

function bizOf(req: Request, rawBody: string): Record<string, unknown> {
  if (req.method === 'GET' || req.method === 'HEAD' || rawBody === '') {
    const q = req.originalUrl.indexOf('?');
    return Object.fromEntries(new URLSearchParams(q >= 0 ? req.originalUrl.slice(q + 1) : ''));
  }
  try {
    const parsed: unknown = JSON.parse(rawBody);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw alipayError('ACQ.INVALID_PARAMETER', '参数无效: the request body must be a JSON object.', 'body');
}

export async function handleV3(req: Request, res: Response, deps: GatewayDeps): Promise<void> {
  const path = req.path;
  const traceId = randomUUID().replaceAll('-', '');
  const rawBody = typeof req.body === 'string' ? req.body : '';
  let signer = deps.fallbackMerchant();
  let certMode = false;
  const fault = pendingFault(res);
  try {
    if (fault) throw fault;
    const route = V3_ROUTES[path];
    if (!route) throw alipayError('isv.invalid-method', `不存在的接口 (${req.method} ${path} is not emulated; see the README's Alipay section).`);
    if (!route.methods.includes(req.method)) {
      throw alipayError('isv.invalid-method', `${path} accepts ${route.methods.join(' or ')}, not ${req.method}.`);
    }
    const auth = authenticateV3(req, rawBody, deps);
    signer = auth.merchant;
    certMode = auth.certMode;
    const biz = bizOf(req, rawBody);
    if (route.reads) holdUntilDurable(res);
    const notifyUrl = typeof biz.notify_url === 'string' ? biz.notify_url : null;
    const result = await route.impl({ backend: deps.backend, merchant: auth.merchant, biz, notify_url: notifyUrl, return_url: null, baseUrl: deps.baseUrl() });
    const body = JSON.stringify(result.content);
    const headers = await v3ResponseHeadersAsync(body, signer.creds.alipay_private_key, {
      timestampMs: deps.backend.now(),
      nonce: randomUUID(),
      alipayCertSn: certMode ? signer.creds.alipay_cert_sn : null,
    });
    res.status(200).set({ ...headers, 'alipay-trace-id': traceId, 'content-type': 'application/json; charset=utf-8' }).send(body);
  } catch (err) {
    const e = toPaycliError(err);
    if (e.isBug) throw e;
    // An injected fault keeps its status (500, 503, 429) with Alipay's system-error code.
    const failure = e === fault ? faultFailure(e) : toAlipayFailure(e);
    const body = JSON.stringify(v3FailureBody(failure, traceId));
    res.status(failure.status).set({ 'alipay-trace-id': traceId, 'content-type': 'application/json; charset=utf-8' }).send(body);
  }
}
