/**
 * The dashboard's routes (loaded on its first request, see dashboard-routes.ts): the page at `/`, its files
 * under `/_dashboard/assets`, and its JSON API under `/_dashboard/api`, for the developer at this
 * machine's browser. It acts as the sandbox's merchant without an API key (like the control API's buyer
 * pages), so every request that changes something must come from the dashboard itself: JSON bodies only
 * (a cross-site form cannot send one) and, when the browser says where a request comes from, the same origin.
 */
import { readFile } from 'node:fs/promises';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { asset } from '../dashboard/assets.js';
import { providerSettings } from '../dashboard/credentials.js';
import { listPayments, paymentDetail, providerSettlement } from '../dashboard/payment-view.js';
import { PaymentStats } from '../dashboard/stats.js';
import { settlementCsv } from '../engine/settlement.js';
import type { Merchant, Payment, PaycliEvent, Refund } from '../engine/types.js';
import { PaycliError } from '../errors.js';
import { parse } from '../providers/paycli/schemas.js';
import { toPublicDelivery, type Delivery, type DeliveryUpdate } from '../webhooks/delivery.js';
import type { StoredNotification } from '../core/notifications.js';
import { parseChaosRule } from './chaos-api.js';
import { resendNotifierOf } from './resend-notifier.js';
import { CONTROL_PREFIX, merchantBody } from './control-routes.js';
import { DASHBOARD_API, type DashboardContext } from './dashboard-context.js';
import { isRefundEvent, paymentIdOf } from '../engine/events.js';
import { jsonBodyParsing } from '../http/body-parsing.js';

export { DASHBOARD_API };

const int = (name: string) =>
  z
    .string()
    .regex(/^\d{1,15}$/, { error: `${name} must be a whole number` })
    .transform(Number);

const listQuery = z.strictObject({
  provider: z.string().max(40).optional(),
  status: z.enum(['requires_action', 'pending', 'requires_capture', 'succeeded', 'failed', 'canceled']).optional(),
  method: z.string().max(40).optional(),
  from: int('from').optional(),
  to: int('to').optional(),
  order: z.string().max(200).optional(),
  limit: int('limit').refine((n) => n >= 1 && n <= 100, { error: 'must be 1 to 100' }).optional(),
  starting_after: z.string().max(100).optional(),
});

const statsQuery = z.strictObject({ since: int('since').optional(), provider: z.string().max(40).optional() });
const amountBody = z.strictObject({ amount: z.number().int().min(1).optional() });
const billQuery = z.strictObject({ provider: z.string({ error: 'is required' }).min(1).max(40) });
const settlementQuery = z.strictObject({ format: z.enum(['json', 'csv']).optional(), provider: z.string().max(40).optional() });

/** Refuses state changes that are not the dashboard's own JSON requests. */
function sameOriginJson(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  if ((site !== undefined && site !== 'same-origin') || (origin !== undefined && origin !== `${req.protocol}://${req.get('host')}`)) {
    return next(new PaycliError('cross_origin_refused', 'Dashboard actions are accepted from the dashboard page only.', { hint: `Open the dashboard at ${req.protocol}://${req.get('host')}/.` }));
  }
  if (req.headers['content-length'] !== undefined && !req.is('application/json')) {
    return next(new PaycliError('unsupported_media_type', 'Dashboard actions take a JSON body.'));
  }
  next();
}

export function dashboardApi(ctx: DashboardContext): Router {
  const { service, store } = ctx;
  const router = express.Router();
  const stats = new PaymentStats({
    payments: () => store.live<Payment>('payments'),
    deliveries: () => store.live<Delivery>('deliveries'),
    paymentCount: () => store.count('payments'),
    deliveryCount: () => store.count('deliveries'),
    paymentOfEvent: (id) => {
      const e = store.get<PaycliEvent>('events', id);
      return e ? store.get<Payment>('payments', paymentIdOf(e)) : undefined;
    },
  });
  service.onEvent((e) => {
    const p = isRefundEvent(e) ? store.get<Payment>('payments', e.data.object.payment_id) : e.data.object;
    if (p) stats.notePayment(p);
  });
  ctx.dispatcher.on((u) => stats.noteDelivery(u.delivery, u.type === 'attempt' ? u.attempt : undefined));

  const sendAsset = (name: string, res: Response) => {
    const a = asset(name);
    if (!a) throw new PaycliError('route_not_found', `No dashboard file ${name}.`);
    res.setHeader('content-type', a.type);
    res.setHeader('cache-control', 'no-cache');
    res.end(a.body);
  };
  router.get('/', (_req, res) => sendAsset('index.html', res));
  router.get('/_dashboard/assets/:name', (req, res) => sendAsset(req.params.name!, res));

  const api = express.Router();
  router.use(DASHBOARD_API, api);
  api.use(sameOriginJson);
  api.use(jsonBodyParsing({ limitBytes: ctx.bodyLimitBytes }));

  const merchantOf = (p: Payment): Merchant => store.get<Merchant>('merchants', p.merchant_id) ?? service.defaultMerchant;

  api.get('/overview', (req, res) => {
    const m = service.defaultMerchant;
    const base = `${req.protocol}://${req.get('host')}`;
    res.json({
      object: 'overview',
      version: ctx.version,
      url: base,
      merchant: { id: m.id, name: m.name },
      providers: ctx.providers().map((p) => p.name),
      counts: { payments: store.count('payments'), refunds: store.count('refunds'), events: store.count('events'), deliveries: store.count('deliveries') },
      virtual_clock: 'advance' in ctx.clock,
      now: ctx.clock.now(),
    });
  });

  api.get('/payments', (req, res) => {
    res.json(listPayments(store, parse(listQuery, req.query, 'query')));
  });

  api.get('/payments/:id', (req, res) => {
    const payment = service.findPayment(req.params.id!);
    const { events, refunds } = service.historyOf(payment);
    res.json(paymentDetail(store, payment, events, refunds, `${CONTROL_PREFIX}/buyer`));
  });

  api.post('/payments/:id/capture', async (req, res) => {
    const body = parse(amountBody, req.body ?? {});
    const p = service.findPayment(req.params.id!);
    res.json(await service.transact(p.provider ?? 'paycli', (uow) => uow.capture(merchantOf(p), p.id, body.amount)));
  });
  api.post('/payments/:id/cancel', async (req, res) => {
    const p = service.findPayment(req.params.id!);
    res.json(await service.transact(p.provider ?? 'paycli', (uow) => uow.cancel(merchantOf(p), p.id, 'requested_by_merchant')));
  });
  api.post('/payments/:id/refund', async (req, res) => {
    const body = parse(amountBody, req.body ?? {});
    const p = service.findPayment(req.params.id!);
    res.status(201).json(
      await service.transact(p.provider ?? 'paycli', (uow) => uow.createRefund(merchantOf(p), p.id, { amount: body.amount, reason: 'requested_by_customer', metadata: {} })),
    );
  });
  // The same resend as the control API's (`paycli events resend`): by a domain event's id, every
  // notification it means; by one notification's id (a Stripe evt_…), that one; `listen` sessions included.
  api.post('/events/:id/resend', async (req, res) => {
    const id = req.params.id!;
    // Whose it is, when stored; otherwise the sandbox's merchant, whose events `resendEvent` searches (404 if none).
    const owner = store.get<PaycliEvent>('events', id)?.merchant_id ?? store.get<StoredNotification>('notifications', id)?.merchant_id;
    const merchant = (owner === undefined ? undefined : store.get<Merchant>('merchants', owner)) ?? service.defaultMerchant;
    const resent = await service.resendEvent(merchant, id);
    resendNotifierOf(service).announce(resent.entry, resent.notification_id);
    const only = resent.notification_id ? { notification_id: resent.notification_id } : {};
    res.json({ ok: true, event_id: resent.entry.id, ...only, deliveries: resent.deliveries });
  });

  api.post('/deliveries/:id/cancel', async (req, res) => {
    const delivery = ctx.dispatcher.cancel(req.params.id!);
    await store.commit();
    res.json(toPublicDelivery(delivery));
  });

  api.get('/stats', (req, res) => {
    const q = parse(statsQuery, req.query, 'query');
    res.json(stats.query({ since: q.since ?? null, provider: q.provider ?? null }));
  });

  api.get('/chaos', (_req, res) => {
    res.json({ object: 'list', data: service.chaos.list() });
  });
  api.post('/chaos', (req, res) => {
    res.status(201).json(service.chaos.add(parseChaosRule(req.body ?? {})));
  });
  api.delete('/chaos/:id', (req, res) => {
    if (!service.chaos.remove(req.params.id!)) throw new PaycliError('resource_missing', `No armed chaos rule ${req.params.id} (it may have been used up).`, { param: 'id' });
    res.json({ ok: true, id: req.params.id });
  });
  api.delete('/chaos', (_req, res) => {
    service.chaos.clear();
    res.json({ ok: true });
  });

  api.get('/settings', (req, res) => {
    const m = service.defaultMerchant;
    res.json({
      object: 'settings',
      merchant: { id: m.id, name: m.name, fees: m.fees, risk_max_amount: m.risk_max_amount },
      providers: providerSettings(ctx.providers(), (name) => ctx.dispatcher.retryScheduleFor(name)),
    });
  });
  api.get('/providers/:name/files/:file', async (req, res) => {
    const provider = ctx.providers().find((p) => p.name === req.params.name);
    const file = provider && Object.hasOwn(provider.files, req.params.file!) ? provider.files[req.params.file!] : undefined;
    if (!file) throw new PaycliError('resource_missing', `No key file ${req.params.file} for provider ${req.params.name}.`, { param: 'file' });
    res.type('application/octet-stream').setHeader('content-disposition', `attachment; filename="${req.params.file!.replace(/[^\w.-]/g, '_')}"`);
    res.send(await readFile(file));
  });
  api.post('/settings', async (req, res) => {
    const updated = await service.updateMerchant(service.defaultMerchant, parse(merchantBody, req.body ?? {}));
    res.json({ id: updated.id, fees: updated.fees, risk_max_amount: updated.risk_max_amount });
  });

  api.get('/settlements/:date', (req, res) => {
    const q = parse(settlementQuery, req.query, 'query');
    const merchant = service.defaultMerchant;
    // The whole report first: it checks the date.
    const all = service.settlement(merchant, req.params.date!);
    const report = q.provider ? providerSettlement(store, merchant.id, all.date, q.provider) : all;
    if (q.format === 'csv') {
      const name = q.provider ? `settlement-${q.provider.replace(/[^\w-]/g, '_')}-${report.date}.csv` : `settlement-${report.date}.csv`;
      res.type('text/csv').setHeader('content-disposition', `attachment; filename="${name}"`);
      res.send(settlementCsv(report));
      return;
    }
    const hasBill = q.provider !== undefined && ctx.providerBill?.(q.provider) !== undefined;
    res.json({ ...report, provider: q.provider ?? null, provider_bill_url: hasBill ? `${DASHBOARD_API}/settlements/${report.date}/bill?${new URLSearchParams({ provider: q.provider! })}` : null });
  });

  // The provider's own bill for the day (Alipay's zip of GBK CSVs, WeChat Pay's trade bill), to reconcile against.
  api.get('/settlements/:date/bill', async (req, res) => {
    const q = parse(billQuery, req.query, 'query');
    const merchant = service.defaultMerchant;
    const date = service.settlement(merchant, req.params.date!).date;
    const bill = ctx.providerBill?.(q.provider);
    if (!bill) {
      const known = ctx.providers().map((p) => p.name);
      throw new PaycliError('resource_missing', `Provider ${q.provider} ${known.includes(q.provider) ? 'has no bills of its own' : 'is not served'}.`, { param: 'provider' });
    }
    const file = await bill(merchant, date);
    res.type(file.contentType).setHeader('content-disposition', `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`);
    res.send(Buffer.from(file.body));
  });

  // Live updates: which payments changed. The page refetches what it shows; nothing secret is sent.
  api.get('/stream', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    res.write('retry: 1000\n\n');
    const send = (name: string, data: unknown) => {
      if (!res.writableEnded && !res.destroyed) res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const offEvent = service.onEvent((e) => send('event', { id: e.id, type: e.type, payment_id: paymentIdOf(e) }));
    const offDelivery = ctx.dispatcher.on((u: DeliveryUpdate) => {
      const e = store.get<PaycliEvent>('events', u.delivery.event_id);
      send('delivery', { id: u.delivery.id, update: u.type, event_id: u.delivery.event_id, payment_id: e ? paymentIdOf(e) : null });
    });
    // Real time on purpose: it keeps the socket alive, it is not sandbox time.
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000);
    heartbeat.unref();
    req.on('close', () => {
      offEvent();
      offDelivery();
      clearInterval(heartbeat);
    });
  });

  return router;
}
