/**
 * The native paycli API (`/v1`): JSON over HTTP, `Authorization: Bearer <secret key>`, amounts in minor
 * units, `Idempotency-Key` honoured on every POST. Handlers parse, call the PaymentService, and answer.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { PaycliError } from '../../errors.js';
import { paymentIdOf } from '../../engine/events.js';
import type { Merchant, Payment } from '../../engine/types.js';
import type { StoredResponse } from '../../core/idempotency.js';
import type { UnitOfWork } from '../../core/unit-of-work.js';
import type { ProviderHost } from '../contract.js';
import { nativePage, nativeShapes } from './serialize.js';
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
import { settlementCsv, settlementTotalsCsv } from '../../engine/settlement.js';

type Locals = { merchant: Merchant };
const merchantOf = (res: Response) => (res.locals as Locals).merchant;

/**
 * A POST handler: checks the request, then returns the unit of work that makes the change and says the
 * answer. `post` runs it through `transact` with the Idempotency-Key ticket, so the stored answer is durable
 * exactly when the change it describes is (one commit).
 */
type PostHandler = (req: Request, merchant: Merchant) => (uow: UnitOfWork) => StoredResponse;

export function paycliRouter(host: ProviderHost): Router {
  const { core: service, idempotency } = host;
  const { toNativePayment, toNativeRefund, toNativeEvent } = nativeShapes((id) => service.buyerUrl(id));
  const router = express.Router();

  router.use(authenticate(service));

  /**
   * A payment of this merchant's that came through the native API. Another provider's payments (and their
   * refunds and events) are that provider's to show and change, in its own shape: here they are unknown ids.
   */
  const nativePayment = (merchant: Merchant, id: string, param = 'id') => {
    const p = service.getPayment(merchant, id);
    if ((p.provider ?? 'paycli') !== 'paycli') throw new PaycliError('resource_missing', `No such payment: ${id}`, { param });
    return p;
  };
  /** Whether a record's payment (if it still exists) is a native one. */
  const ofNative = (paymentId: string) => {
    const p = service.reader.get<Payment>('payments', paymentId);
    return !p || (p.provider ?? 'paycli') === 'paycli';
  };
  const post = (path: string, handler: PostHandler) => {
    router.post(path, (req, res) => {
      const merchant = merchantOf(res);
      return answerPost(req, res, idempotency, merchant.id, (ticket) => host.transact(handler(req, merchant), ticket));
    });
  };

  // --- payments ---
  post('/payments', (req, merchant) => {
    const input = toCreatePaymentInput(parse(createPaymentSchema, req.body));
    return (uow) => ({ status: 201, body: toNativePayment(uow.createPayment(merchant, input)) });
  });
  router.get('/payments', (req, res) => {
    res.json(nativePage(service.listPayments(merchantOf(res), parse(listPaymentsQuery, req.query, 'query')), toNativePayment));
  });
  router.get('/payments/:id', (req, res) => {
    res.json(toNativePayment(nativePayment(merchantOf(res), req.params.id!)));
  });
  post('/payments/:id/capture', (req, merchant) => {
    const body = parse(captureSchema, req.body ?? {});
    nativePayment(merchant, String(req.params.id));
    return (uow) => ({ status: 200, body: toNativePayment(uow.capture(merchant, String(req.params.id), body.amount)) });
  });
  post('/payments/:id/cancel', (req, merchant) => {
    const body = parse(cancelSchema, req.body ?? {});
    nativePayment(merchant, String(req.params.id));
    return (uow) => ({ status: 200, body: toNativePayment(uow.cancel(merchant, String(req.params.id), body.cancellation_reason)) });
  });

  // --- refunds ---
  post('/refunds', (req, merchant) => {
    const body = parse(createRefundSchema, req.body);
    if (!ofNative(body.payment_id)) throw new PaycliError('resource_missing', `No such payment: ${body.payment_id}`, { param: 'payment_id' });
    return (uow) => ({ status: 201, body: toNativeRefund(uow.createRefund(merchant, body.payment_id, toCreateRefundInput(body))) });
  });
  router.get('/refunds', (req, res) => {
    res.json(nativePage(service.listRefunds(merchantOf(res), parse(listQuery, req.query, 'query')), toNativeRefund));
  });
  router.get('/refunds/:id', (req, res) => {
    const refund = service.getRefund(merchantOf(res), req.params.id!);
    if (!ofNative(refund.payment_id)) throw new PaycliError('resource_missing', `No such refund: ${req.params.id}`, { param: 'id' });
    res.json(toNativeRefund(refund));
  });

  // --- events ---
  router.get('/events', (req, res) => {
    res.json(nativePage(service.listEvents(merchantOf(res), parse(listQuery, req.query, 'query')), toNativeEvent));
  });
  router.get('/events/:id', (req, res) => {
    const event = service.getEvent(merchantOf(res), req.params.id!);
    if (!ofNative(paymentIdOf(event))) throw new PaycliError('resource_missing', `No such event: ${req.params.id}`, { param: 'id' });
    res.json(toNativeEvent(event));
  });

  // --- webhook endpoints ---
  post('/webhook_endpoints', (req, merchant) => {
    const body = parse(createEndpointSchema, req.body);
    return (uow) => ({ status: 201, body: uow.createEndpoint(merchant, body) });
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
      const totals = q.table === 'totals';
      res.type('text/csv').setHeader('Content-Disposition', `attachment; filename="settlement-${filtered.date}${totals ? '-totals' : ''}.csv"`);
      res.send(totals ? settlementTotalsCsv(filtered) : settlementCsv(filtered));
      return;
    }
    res.json(filtered);
  });

  router.use((req: Request, _res: Response, next: NextFunction) => {
    next(new PaycliError('route_not_found', `Unrecognized request: ${req.method} ${req.originalUrl.split('?')[0]}`, { hint: 'See the API reference in the README.' }));
  });
  return router;
}
