/**
 * The native paycli API (`/v1`): JSON over HTTP, `Authorization: Bearer <secret key>`, amounts in minor
 * units, `Idempotency-Key` honoured on every POST. Handlers parse, call the PaymentService, and answer.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { PaycliError } from '../../errors.js';
import type { Merchant } from '../../engine/types.js';
import type { StoredResponse } from '../../core/idempotency.js';
import type { ProviderHost } from '../contract.js';
import { nativePage, toNativeEvent, toNativePayment, toNativeRefund } from './serialize.js';
import { answerPost } from '../../http/idempotent-post.js';
import { authenticate } from './auth.js';
import {
  cancelSchema,
  captureSchema,
  createEndpointSchema,
  createPaymentSchema,
  createRefundSchema,
  listPaymentsQuery,
  listQuery,
  parse,
  settlementQuery,
  toCreatePaymentInput,
  toCreateRefundInput,
} from './schemas.js';
import { settlementCsv } from '../../engine/settlement.js';

type Locals = { merchant: Merchant };
const merchantOf = (res: Response) => (res.locals as Locals).merchant;

/**
 * A POST handler: computes a response; idempotency and sending are handled around it. It passes `stage`
 * (wrapped by `as`) to the service, which calls it before committing, so a stored Idempotency-Key
 * response is durable exactly when the change it describes is.
 */
type PostHandler = (req: Request, merchant: Merchant, stage: (response: StoredResponse) => void) => Promise<StoredResponse>;

/** Turns `stage` into the service's onStaged callback for a response with this status. */
const as = (status: number, stage: (response: StoredResponse) => void) => (body: unknown) => stage({ status, body });

/** Stages the native shape of a domain object (the stored Idempotency-Key response is what was sent). */
const native = <T, U>(shape: (o: T) => U, staged: (body: unknown) => void) => (o: T) => staged(shape(o));

export function paycliRouter(host: ProviderHost): Router {
  const { core: service, idempotency } = host;
  const router = express.Router();

  router.use(authenticate(service));

  const post = (path: string, handler: PostHandler) => {
    router.post(path, (req, res) => {
      const merchant = merchantOf(res);
      return answerPost(req, res, idempotency, merchant.id, (stage) => handler(req, merchant, stage));
    });
  };

  // --- payments ---
  post('/payments', async (req, merchant, stage) => {
    const body = parse(createPaymentSchema, req.body);
    const payment = await service.createPayment(merchant, toCreatePaymentInput(body), native(toNativePayment, as(201, stage)));
    return { status: 201, body: toNativePayment(payment) };
  });
  router.get('/payments', (req, res) => {
    res.json(nativePage(service.listPayments(merchantOf(res), parse(listPaymentsQuery, req.query, 'query')), toNativePayment));
  });
  router.get('/payments/:id', (req, res) => {
    res.json(toNativePayment(service.getPayment(merchantOf(res), req.params.id!)));
  });
  post('/payments/:id/capture', async (req, merchant, stage) => {
    const body = parse(captureSchema, req.body ?? {});
    return { status: 200, body: toNativePayment(await service.capture(merchant, String(req.params.id), body.amount, native(toNativePayment, as(200, stage)))) };
  });
  post('/payments/:id/cancel', async (req, merchant, stage) => {
    const body = parse(cancelSchema, req.body ?? {});
    return { status: 200, body: toNativePayment(await service.cancel(merchant, String(req.params.id), body.cancellation_reason, native(toNativePayment, as(200, stage)))) };
  });

  // --- refunds ---
  post('/refunds', async (req, merchant, stage) => {
    const body = parse(createRefundSchema, req.body);
    return { status: 201, body: toNativeRefund(await service.createRefund(merchant, body.payment_id, toCreateRefundInput(body), native(toNativeRefund, as(201, stage)))) };
  });
  router.get('/refunds', (req, res) => {
    res.json(nativePage(service.listRefunds(merchantOf(res), parse(listQuery, req.query, 'query')), toNativeRefund));
  });
  router.get('/refunds/:id', (req, res) => {
    res.json(toNativeRefund(service.getRefund(merchantOf(res), req.params.id!)));
  });

  // --- events ---
  router.get('/events', (req, res) => {
    res.json(nativePage(service.listEvents(merchantOf(res), parse(listQuery, req.query, 'query')), toNativeEvent));
  });
  router.get('/events/:id', (req, res) => {
    res.json(toNativeEvent(service.getEvent(merchantOf(res), req.params.id!)));
  });

  // --- webhook endpoints ---
  post('/webhook_endpoints', async (req, merchant, stage) => {
    const body = parse(createEndpointSchema, req.body);
    return { status: 201, body: await service.createEndpoint(merchant, body, as(201, stage)) };
  });
  router.get('/webhook_endpoints', (_req, res) => {
    const data = service.listEndpoints(merchantOf(res));
    res.json({ object: 'list', data, has_more: false, next_cursor: null });
  });
  router.get('/webhook_endpoints/:id', (req, res) => {
    res.json(service.getEndpoint(merchantOf(res), req.params.id!));
  });
  router.delete('/webhook_endpoints/:id', async (req, res) => {
    const e = await service.deleteEndpoint(merchantOf(res), req.params.id!);
    res.json({ id: e.id, object: 'webhook_endpoint', deleted: true });
  });

  // --- reconciliation ---
  router.get('/settlements/:date', (req, res) => {
    const q = parse(settlementQuery, req.query, 'query');
    const report = service.settlement(merchantOf(res), req.params.date!);
    const filtered = q.currency
      ? { ...report, rows: report.rows.filter((r) => r.currency === q.currency), totals: report.totals.filter((t) => t.currency === q.currency) }
      : report;
    if (q.format === 'csv') {
      res.type('text/csv').setHeader('Content-Disposition', `attachment; filename="settlement-${filtered.date}.csv"`);
      res.send(settlementCsv(filtered));
      return;
    }
    res.json(filtered);
  });

  router.use((req: Request, _res: Response, next: NextFunction) => {
    next(new PaycliError('route_not_found', `Unrecognized request: ${req.method} ${req.originalUrl.split('?')[0]}`, { hint: 'See the API reference in the README.' }));
  });
  return router;
}
