/**
 * The WeChat Pay API v3 at the root of its own port. Every request must carry a valid
 * `WECHATPAY2-SHA256-RSA2048` Authorization over the raw request target and the exact body bytes, so the
 * body is read raw here and parsed after verification. Every response, 204 and errors included, carries
 * `Request-ID` and the `Wechatpay-*` signature headers (bill files excepted, as at WeChat): a refusal met
 * before the signature could be checked (a body too large to read, an injected fault, an unknown mchid)
 * is signed too, so a client verifying every answer sees WeChat's error, not a signature failure.
 */
import { isUtf8 } from 'node:buffer';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response, type Router } from 'express';
import { PaycliError, toPaycliError } from '../../errors.js';
import type { Clock } from '../../clock.js';
import { cryptoRandom, type RandomSource } from '../../core/ids.js';
import { aeadEncrypt, newAeadNonce } from './aead.js';
import { billDateProblem, billFile, fundFlowBillCsv, hasFundFlowBill, hasTradeBill, tradeBillCsv, type BillFile } from './bills.js';
import { certificateValidity, namesWechatpayKey, normalizeSerial, type SigningMode, type WechatpayCredentials } from './credentials.js';
import { pendingFault } from '../../faults/fault-middleware.js';
import { paramError, renderWechatError, renderWechatFault, wechatError } from './errors.js';
import type { PlaceOrderInput, WechatpayBook } from './book.js';
import { closeSchema, codepaySchema, fundFlowBillQuery, h5Schema, parseJsapiOrder, parseNativeOrder, parseWechat, refundSchema, reverseSchema, tradeBillQuery } from './schemas.js';
import { parseAuthorization, verifyRequestAsync, wechatpayHeadersAsync } from './signing.js';
import { chinaTime, toRefund, toTransaction, type TradeType, type WechatOrder } from './wire.js';

/** One merchant as the routes see it: its key material and its orders. */
export interface WechatpayMerchant {
  creds: WechatpayCredentials;
  orders: WechatpayBook;
}

export interface WechatpayRouteDeps {
  /** The merchant a request's `mchid` names, if the sandbox has it. */
  merchant(mchid: string): WechatpayMerchant | undefined;
  /** The key material that signs answers to a request naming no merchant of the sandbox (WeChat signs every answer). */
  fallbackCreds(): WechatpayCredentials;
  signing: SigningMode;
  clock: Clock;
  /** Unix seconds for signature timestamps: the SDKs compare them with their own wall clock. */
  wallClockSec: () => number;
  random: RandomSource;
  /** This port's URL (for bill `download_url`). */
  ownUrl: () => string;
  /** The payer's H5 page for an order's pay code. */
  h5PageUrl: (code: string) => string;
  bodyLimitBytes: number;
}

/** A bill's download link is valid for five minutes. */
const BILL_TOKEN_TTL_MS = 5 * 60_000;
const DOWNLOAD_PATH = '/v3/billdownload/file';

type Locals = { rawBody: string; json: unknown; requestId: string; merchant?: WechatpayMerchant; authorization: ReturnType<typeof parseAuthorization> };

/**
 * Writes a response signed for the merchant the request names (or, naming none of the sandbox's, with the
 * sandbox's default merchant's keys), with node:http directly: the RSA signature is the cost that should
 * dominate. It is made on the thread pool (rsa-pool.ts), so the event loop serves other requests meanwhile.
 */
async function sendSigned(deps: WechatpayRouteDeps, res: Response, status: number, payload: unknown): Promise<void> {
  const body = payload === undefined ? '' : JSON.stringify(payload);
  const creds = (res.locals as Locals).merchant?.creds ?? deps.fallbackCreds();
  const headers = await wechatpayHeadersAsync(body, creds, deps.signing, { timestampSec: deps.wallClockSec() });
  // Headers set one by one, not with writeHead (which fixes them): an answer the host holds until what it
  // shows is durable may still become a signed 503 (durable-answers.ts).
  res.statusCode = status;
  for (const name in headers) res.setHeader(name, headers[name]!);
  if (status === 204) return void res.end();
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export function wechatpayRouter(deps: WechatpayRouteDeps): Router {
  const router = express.Router();
  const bills = new Map<string, { file: BillFile; expiresMs: number; mchid: string }>();

  // Before the body is read: a body the parser refuses is answered with a Request-ID too, and signed for
  // the merchant the Authorization header names (its signature cannot be checked without the body).
  router.use((req: Request, res: Response, next: NextFunction) => {
    const locals = res.locals as Locals;
    // From the pooled random source: a randomBytes call per request showed in profiles.
    locals.requestId = cryptoRandom.bytes(16).toString('hex').toUpperCase();
    res.setHeader('Request-ID', locals.requestId);
    const parts = (locals.authorization = parseAuthorization(req.headers.authorization));
    if (typeof parts !== 'string') locals.merchant = deps.merchant(parts.mchid);
    const fault = pendingFault(res);
    if (fault) {
      // An injected outage or rate limit, answered as WeChat answers it, signed like every other answer.
      const rendered = renderWechatFault(fault);
      res.locals.errorCode = fault.code;
      return void sendSigned(deps, res, rendered.status, rendered.body).catch(() => res.destroy());
    }
    next();
  });
  router.use(express.raw({ type: () => true, limit: deps.bodyLimitBytes }));
  router.use((req: Request, res: Response, next: NextFunction) => {
    const locals = res.locals as Locals;
    locals.rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const targets = [req.originalUrl];
    // wechatpay-node-v3 signs a download_url as given (it strips only WeChat's own origin).
    if (req.path === DOWNLOAD_PATH) targets.push(`${deps.ownUrl()}${req.originalUrl}`, `${req.protocol}://${req.get('host')}${req.originalUrl}`);
    const parts = locals.authorization; // parsed before the body was read
    if (typeof parts === 'string') return next(wechatError('SIGN_ERROR', `错误的签名，验签失败：${parts}`, { field: 'Authorization', issue: parts, location: 'header' }));
    // Looked up before the body was read.
    const merchant = locals.merchant;
    if (!merchant) {
      return next(wechatError('SIGN_ERROR', `错误的签名，验签失败：mchid ${parts.mchid} is not a merchant of this sandbox`, { field: 'mchid', value: parts.mchid, location: 'header' }));
    }
    // Verified on the thread pool, as answers are signed: the event loop serves other requests meanwhile.
    verifyRequestAsync(
      { method: req.method, targets, body: Buffer.isBuffer(req.body) ? req.body : locals.rawBody, authorization: req.headers.authorization, parts, nowSec: deps.wallClockSec() },
      merchant.creds,
    ).then((verdict) => {
      if (!verdict.ok) return next(wechatError('SIGN_ERROR', `错误的签名，验签失败：${verdict.reason}`, { field: verdict.field, issue: verdict.reason, location: 'header' }));
      readVerified(req, res, next, merchant);
    }, next);
  });

  /** The rest of a request's checks once its signature is verified, then its JSON body. */
  const readVerified = (req: Request, res: Response, next: NextFunction, merchant: WechatpayMerchant) => {
    const locals = res.locals as Locals;
    const declared = req.get('wechatpay-serial');
    if (declared !== undefined && !namesWechatpayKey(declared, merchant.creds)) {
      const c = merchant.creds;
      const issue = `must name WeChat Pay's key: the platform certificate serial ${c.platform_serial} or the WeChat Pay public key id ${c.public_key_id}${normalizeSerial(declared) === normalizeSerial(c.merchant_serial) ? ', not the merchant certificate serial' : ''}`;
      return next(wechatError('PARAM_ERROR', `平台证书序列号Wechatpay-Serial错误：${issue}`, { field: 'Wechatpay-Serial', value: declared, issue, location: 'header' }));
    }
    if (Buffer.isBuffer(req.body) && !isUtf8(req.body)) return next(paramError('body', 'is not UTF-8: a WeChat Pay APIv3 body is UTF-8 JSON'));
    // The SDKs' exact type is taken without type-is's parse (req.is gives the same answer for it).
    if (locals.rawBody.length > 0 && req.headers['content-type'] !== 'application/json' && !req.is('application/json')) {
      const type = req.get('content-type') ?? '';
      const issue = type ? `must be application/json, not "${type}"` : 'is required: application/json';
      return next(wechatError('INVALID_REQUEST', `HTTP 请求不符合微信支付 APIv3 接口规则：Content-Type ${issue}`, { field: 'Content-Type', ...(type ? { value: type } : {}), issue, location: 'header' }));
    }
    if (locals.rawBody.length > 0) {
      try {
        locals.json = JSON.parse(locals.rawBody);
      } catch (err) {
        return next(paramError('body', `is not valid JSON: ${(err as Error).message}`));
      }
    }
    next();
  };

  const json = (res: Response) => (res.locals as Locals).json;
  const book = (res: Response) => (res.locals as Locals).merchant!.orders;
  const ok = (res: Response, payload: unknown) => sendSigned(deps, res, 200, payload);

  const place = (tradeType: TradeType, parse: (input: unknown) => PlaceOrderInput, answer: (o: WechatOrder) => unknown) =>
    async (_req: Request, res: Response) => {
      const body = parse(json(res));
      const order = await book(res).place(tradeType, body);
      await ok(res, answer(order));
    };
  router.post('/v3/pay/transactions/native', place('NATIVE', parseNativeOrder, (o) => ({ code_url: o.code_url })));
  router.post('/v3/pay/transactions/jsapi', place('JSAPI', parseJsapiOrder, (o) => ({ prepay_id: o.prepay_id })));
  router.post('/v3/pay/transactions/app', place('APP', parseNativeOrder, (o) => ({ prepay_id: o.prepay_id })));
  router.post('/v3/pay/transactions/h5', place('MWEB', (input) => parseWechat(h5Schema, input), (o) => ({ h5_url: deps.h5PageUrl(o.h5_url!) })));
  router.post('/v3/pay/transactions/codepay', async (_req, res) => {
    const body = parseWechat(codepaySchema, json(res));
    const { payer, ...rest } = body;
    const order = await book(res).codepay({ ...rest, auth_code: payer.auth_code });
    await ok(res, toTransaction(order));
  });

  const mchidOf = (req: Request) => {
    const mchid = req.query.mchid;
    if (Array.isArray(mchid)) throw paramError('mchid', 'must be given once', 'query');
    if (typeof mchid !== 'string' || mchid === '') throw paramError('mchid', 'is required', 'query');
    return mchid;
  };
  /** A path parameter within WeChat's limit in bytes; over it, WeChat answers PARAM_ERROR (字节数 35，大于最大值 32), not "not found". */
  const pathParam = (req: Request, name: string, param: string, maxBytes: number) => {
    const value = String(req.params[param]);
    const bytes = Buffer.byteLength(value);
    // WeChat's detail gives the length as the value: {"location":"uri_template","value":35}.
    if (bytes > maxBytes) throw paramError(name, `must not be longer than ${maxBytes} bytes`, 'path', bytes);
    return value;
  };
  router.get('/v3/pay/transactions/out-trade-no/:no', (req, res) => ok(res, toTransaction(book(res).byOutTradeNo(pathParam(req, 'out_trade_no', 'no', 32), mchidOf(req)))));
  router.get('/v3/pay/transactions/id/:id', (req, res) => ok(res, toTransaction(book(res).byTransactionId(pathParam(req, 'transaction_id', 'id', 32), mchidOf(req)))));
  router.post('/v3/pay/transactions/out-trade-no/:no/close', async (req, res) => {
    const no = pathParam(req, 'out_trade_no', 'no', 32);
    const body = parseWechat(closeSchema, json(res));
    await book(res).close(no, body.mchid);
    await sendSigned(deps, res, 204, undefined);
  });

  router.post('/v3/pay/transactions/out-trade-no/:no/reverse', async (req, res) => {
    const no = pathParam(req, 'out_trade_no', 'no', 32);
    const body = parseWechat(reverseSchema, json(res));
    const order = await book(res).reverse(no, body.appid, body.mchid);
    await ok(res, { appid: order.appid, mchid: order.mchid, out_trade_no: order.out_trade_no });
  });

  router.post('/v3/refund/domestic/refunds', async (_req, res) => {
    const body = parseWechat(refundSchema, json(res));
    await ok(res, toRefund(await book(res).refund(body)));
  });
  router.get('/v3/refund/domestic/refunds/:no', (req, res) => ok(res, toRefund(book(res).findRefund(pathParam(req, 'out_refund_no', 'no', 64)))));

  const offerBill = (res: Response, date: string, csv: string, gzip: boolean) => {
    const now = deps.clock.now();
    for (const [t, b] of bills) if (b.expiresMs <= now) bills.delete(t);
    const file = billFile(csv, gzip);
    const token = deps.random.bytes(24).toString('base64url');
    bills.set(token, { file, expiresMs: now + BILL_TOKEN_TTL_MS, mchid: (res.locals as Locals).merchant!.creds.mchid });
    return ok(res, { download_url: `${deps.ownUrl()}${DOWNLOAD_PATH}?token=${token}`, hash_type: 'SHA1', hash_value: file.sha1 });
  };
  const billInput = (res: Response, date: string) => {
    const problem = billDateProblem(date, deps.clock.now());
    if (problem) throw paramError('bill_date', problem, 'query', date);
    return { date, orders: book(res).allOrders(), refunds: book(res).allRefunds() };
  };
  // As WeChat answers for a day (or an account) without a bill: 请求的账单文件不存在.
  const noStatement = (date: string, what: string) => wechatError('NO_STATEMENT_EXIST', `请求的账单文件不存在：no ${what} on ${date}`, { field: 'bill_date', value: date, location: 'query' });
  router.get('/v3/bill/tradebill', (req, res) => {
    const q = parseWechat(tradeBillQuery, req.query, 'query');
    const input = billInput(res, q.bill_date);
    if (!hasTradeBill(input)) throw noStatement(q.bill_date, 'payment or refund of this merchant');
    return offerBill(res, q.bill_date, tradeBillCsv(input, q.bill_type ?? 'ALL'), q.tar_type === 'GZIP');
  });
  router.get('/v3/bill/fundflowbill', (req, res) => {
    const q = parseWechat(fundFlowBillQuery, req.query, 'query');
    const input = billInput(res, q.bill_date);
    // The sandbox's money moves in the basic account (基本账户) only.
    const account = q.account_type ?? 'BASIC';
    if (account !== 'BASIC' || !hasFundFlowBill(input)) throw noStatement(q.bill_date, `fund flow in the ${account} account`);
    return offerBill(res, q.bill_date, fundFlowBillCsv(input), q.tar_type === 'GZIP');
  });
  router.get(DOWNLOAD_PATH, (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    const bill = bills.get(token);
    if (!bill || bill.expiresMs <= deps.clock.now() || bill.mchid !== (res.locals as Locals).merchant!.creds.mchid) throw wechatError('RESOURCE_NOT_EXISTS', '账单下载链接已过期或不存在，请重新申请', { field: 'token', location: 'query' });
    // Bill files are not signed: the merchant checks hash_value instead.
    res.status(200).type(bill.file.gzip ? 'application/x-gzip' : 'text/plain; charset=utf-8').send(bill.file.bytes);
  });

  router.get('/v3/certificates', (_req, res) => {
    const { creds } = (res.locals as Locals).merchant!;
    const validity = certificateValidity(creds.platform_cert);
    const encrypted = aeadEncrypt(creds.platform_cert, creds.apiv3_key, 'certificate', newAeadNonce());
    return ok(res, {
      data: [
        {
          serial_no: creds.platform_serial,
          effective_time: chinaTime(validity.notBeforeMs),
          expire_time: chinaTime(validity.notAfterMs),
          encrypt_certificate: { algorithm: encrypted.algorithm, nonce: encrypted.nonce, associated_data: 'certificate', ciphertext: encrypted.ciphertext },
        },
      ],
    });
  });

  // A known API asked with another method: 405 naming the method it takes (HEAD goes with GET).
  const METHODS: readonly (readonly [string, string])[] = [
    ['/v3/pay/transactions/native', 'POST'],
    ['/v3/pay/transactions/jsapi', 'POST'],
    ['/v3/pay/transactions/app', 'POST'],
    ['/v3/pay/transactions/h5', 'POST'],
    ['/v3/pay/transactions/codepay', 'POST'],
    ['/v3/pay/transactions/out-trade-no/:no', 'GET'],
    ['/v3/pay/transactions/id/:id', 'GET'],
    ['/v3/pay/transactions/out-trade-no/:no/close', 'POST'],
    ['/v3/pay/transactions/out-trade-no/:no/reverse', 'POST'],
    ['/v3/refund/domestic/refunds', 'POST'],
    ['/v3/refund/domestic/refunds/:no', 'GET'],
    ['/v3/bill/tradebill', 'GET'],
    ['/v3/bill/fundflowbill', 'GET'],
    [DOWNLOAD_PATH, 'GET'],
    ['/v3/certificates', 'GET'],
  ];
  for (const [path, method] of METHODS) {
    router.all(path, (req, res, next) => {
      res.set('Allow', method === 'GET' ? 'GET, HEAD' : method);
      next(wechatError('INVALID_REQUEST', `HTTP 请求不符合微信支付 APIv3 接口规则：${req.method} is not allowed on ${req.path}; use ${method}`, { issue: `use ${method}` }, 405));
    });
  }
  router.use((req, _res, next) => next(new PaycliError('route_not_found', `No such API: ${req.method} ${req.path}`)));
  /** What the router or body parser threw, as WeChat's error (a path that does not percent-decode is the merchant's, not a 500). */
  const asWechatError = (err: unknown, req: Request) => {
    if (err instanceof PaycliError) return err;
    const parser = err as { type?: unknown; status?: unknown; message?: string };
    if (parser.type === 'entity.too.large') return paramError('body', `is over the ${deps.bodyLimitBytes}-byte limit`);
    if (parser.type === 'encoding.unsupported') {
      const issue = `"${req.get('content-encoding')}" is not supported: send the body as it is (identity), or gzip, deflate or br`;
      return wechatError('INVALID_REQUEST', `HTTP 请求不符合微信支付 APIv3 接口规则：Content-Encoding ${issue}`, { field: 'Content-Encoding', issue, location: 'header' }, 415);
    }
    if (err instanceof URIError) return paramError(req.path, 'is not valid percent-encoding (RFC 3986)', 'path');
    // Any other body the parser could not read (a gzip body that does not inflate, a connection cut short).
    if (typeof parser.status === 'number' && parser.status >= 400 && parser.status < 500) return paramError('body', `could not be read: ${parser.message ?? 'bad request'}`);
    return toPaycliError(err);
  };
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const error = asWechatError(err, req);
    res.locals.errorCode = error.code;
    if (res.headersSent) return res.end();
    const rendered = renderWechatError(error);
    // Nothing is left to report a failed signature to: the connection is cut rather than left hanging.
    sendSigned(deps, res, rendered.status, rendered.body).catch(() => res.destroy());
  };
  router.use(onError);
  return router;
}
