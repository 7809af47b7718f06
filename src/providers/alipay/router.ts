/**
 * The Alipay provider's HTTP surface, served at the root of its own port: the v2 gateway, the v3 API,
 * bill downloads and the cashier pages. It owns its body parsing: every body is read as text so
 * signatures are checked over the exact bytes received.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { BILL_PATH, serveBill } from './bill-routes.js';
import { buyerAssets } from '../../dashboard/buyer-layout.js';
import { cashierRoutes, handleCashierEntry } from './cashier.js';
import { CASHIER_METHODS, gatewayParams, handleExec, isGatewayPath, type GatewayDeps } from './gateway.js';
import { pendingFault } from '../../faults/fault-middleware.js';
import { alipayError, faultFailure, v3FailureBody } from './codes.js';
import { handleV3 } from './v3.js';

export interface AlipayRouterDeps extends GatewayDeps {
  bodyLimitBytes: number;
}

export function alipayRouter(deps: AlipayRouterDeps): Router {
  const router = express.Router();
  router.use(express.text({ type: () => true, limit: deps.bodyLimitBytes, defaultCharset: 'utf-8' }));
  // An injected fault on the gateway or the v3 API is answered there (signed for the caller, v2 or v3 shape);
  // anywhere else (bills, cashier pages) in the v3 error shape.
  router.use((req, res, next) => {
    const fault = pendingFault(res);
    if (!fault || isGatewayPath(req.path) || req.path.startsWith('/v3/')) return next();
    res.status(fault.status).type('application/json').send(JSON.stringify(v3FailureBody(faultFailure(fault), '')));
  });

  router.all('/gateway.do', async (req, res) => {
    // Express 5 passes a rejected promise (a bug) on to the error handler.
    const params = gatewayParams(req);
    // A faulted page pay gets the gateway's signed outage answer, not the cashier.
    if (!pendingFault(res) && CASHIER_METHODS.has(params.method ?? '')) return handleCashierEntry(res, deps, params);
    return handleExec(req, res, deps, params);
  });
  router.use((req, res, next) => {
    if (req.path.startsWith('/v3/')) return void handleV3(req, res, deps).catch(next);
    next();
  });
  router.get(BILL_PATH, (req, res) => serveBill(req, res, deps.backend));

  const cashier = cashierRoutes(deps);
  router.use(buyerAssets());
  router.get('/cashier/:trade_no', cashier.show);
  router.get('/cashier/:trade_no/qr.svg', cashier.qrImage);
  router.post('/cashier/:trade_no/:action', cashier.act);
  router.get('/qr/:trade_no', cashier.scanQr);
  router.get('/app-pay', cashier.appPayForm);
  router.post('/app-pay', cashier.appPay);

  router.use((req, res) => {
    res.status(404).type('application/json').send(
      JSON.stringify({ code: 'invalid-method', message: `${req.method} ${req.path} is not an Alipay endpoint of this sandbox: use /gateway.do or /v3/...` }),
    );
  });
  // Body parsing failures (too large, bad charset, bad encoding): on the gateway a signed v2 answer, as
  // alipay-sdk's exec needs HTTP 200; elsewhere Alipay's v3 error shape. Anything else is a bug: the host
  // logs it and answers 500.
  router.use((err: { status?: number; message?: string; type?: string }, req: Request, res: Response, next: NextFunction) => {
    if (!(err.status && err.status >= 400 && err.status < 500)) return next(err);
    if (isGatewayPath(req.path)) return handleExec(req, res, deps, gatewayParams(req), bodyRefusal(err.status, err.message ?? 'bad request', err.type));
    res.status(err.status).type('application/json').send(JSON.stringify({ code: err.status === 413 ? 'request-too-large' : 'invalid-request', message: err.message ?? 'bad request' }));
  });
  return router;
}

/** Why the gateway could not read a request's parameters, as Alipay's public error. */
function bodyRefusal(status: number, message: string, type?: string) {
  if (status === 413) return alipayError('isv.invalid-parameter', `参数无效: the request is larger than the sandbox accepts (${message}).`);
  // The body's Content-Encoding, not its charset: no charset advice would help.
  if (type === 'encoding.unsupported') return alipayError('isv.invalid-parameter', `参数无效: ${message}; send the body as it is (identity), or gzip, deflate or br.`);
  if (status === 415) return alipayError('isv.invalid-charset', `字符集错误: ${message}; use charset=utf-8.`, 'charset');
  return alipayError('isv.invalid-parameter', `参数无效: the request body could not be read (${message}).`);
}
