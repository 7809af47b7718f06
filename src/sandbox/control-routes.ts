/**
 * The control API under one reserved prefix, `/_sandbox`: what a test or a developer needs that a real PSP
 * does not offer: health, reset, the simulated buyer, the delivery log, chaos rules, the virtual clock.
 * Everything but health and the buyer's pages needs the secret API key.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { FakeClock } from '../clock.js';
import { PaycliError } from '../errors.js';
import { isHttpUrl } from '../http-url.js';
import type { BuyerAction } from '../engine/payments.js';
import type { Merchant, Payment } from '../engine/types.js';
import { requireApiKey } from '../http/api-key.js';
import { parse } from '../http/validation.js';
import { parseFaultRule } from '../faults/fault-api.js';
import { toPublicDelivery, type Delivery } from '../webhooks/dispatcher.js';
import type { NativeKeys } from '../core/credentials.js';
import type { StoredResponse } from '../core/idempotency.js';
import { answerPost } from '../http/idempotent-post.js';
import { buyerQrSvg } from '../dashboard/buyer-qr.js';
import { toNativePayment, type BuyerUrl, type NativePayment } from '../providers/paycli/serialize.js';
import { buyerLang, buyerPage } from './buyer-page.js';
import { parseChaosRule, publicChaosRule } from './chaos-api.js';
import { paginate } from '../core/pagination.js';
import { resendNotifierOf } from './resend-notifier.js';
import { streamRouter } from './stream-routes.js';
import { eventRouter } from './event-routes.js';
import type { ControlContext } from './control-context.js';

export const CONTROL_PREFIX = '/_sandbox';

export type { ControlContext } from './control-context.js';

const BUYER_ACTIONS: BuyerAction[] = ['complete', 'fail', 'expire'];

const buyerBody = z.strictObject({ failure_code: z.string().regex(/^[a-z_]{1,64}$/).optional() });

const deliveriesQuery = z.strictObject({
  limit: z.string().regex(/^\d+$/).transform(Number).refine((n) => n >= 1 && n <= 1000, { error: 'must be 1 to 1000' }).optional(),
  starting_after: z.string().optional(),
  event_id: z.string().optional(),
  /** One notification of the event (a Stripe evt_…), whose deliveries alone are listed. */
  notification_id: z.string().optional(),
  status: z.enum(['pending', 'succeeded', 'failed', 'dropped', 'canceled']).optional(),
});

const requestsQuery = z.strictObject({
  since: z.string().regex(/^\d+$/, { error: 'must be a sequence number' }).transform(Number).optional(),
  limit: z.string().regex(/^\d+$/).transform(Number).refine((n) => n >= 1 && n <= 2000, { error: 'must be 1 to 2000' }).optional(),
});

export const merchantBody = z.strictObject({
  fees: z.strictObject({ percent_bps: z.number().int().min(0).max(10_000), fixed: z.number().int().min(0).max(1_000_000) }).optional(),
  risk_max_amount: z.number().int().min(1).nullable().optional(),
});

/**
 * The payment after a buyer action. A native payment is shown as the native API shows it (as it always
 * was); another provider's as the domain holds it, saying which provider it belongs to.
 */
function buyerView(p: Payment, buyerUrl: BuyerUrl): Payment | NativePayment {
  return (p.provider ?? 'paycli') === 'paycli' ? toNativePayment(p, buyerUrl) : p;
}

function publicMerchant(m: Merchant, keys: NativeKeys) {
  return { id: m.id, name: m.name, publishable_key: keys.publishable_key, fees: m.fees, risk_max_amount: m.risk_max_amount };
}

export function controlRouter(ctx: ControlContext): Router {
  const { service } = ctx;
  const router = express.Router();

  router.get('/health', (_req, res) => {
    res.json({
      ok: true,
      version: ctx.version,
      merchant_id: service.defaultMerchant.id,
      now: ctx.clock.now(),
      virtual_clock: ctx.clock instanceof FakeClock,
      uptime_ms: ctx.clock.now() - ctx.startedAt,
      store: ctx.store.kind,
      data_file: ctx.store.path,
      counts: { payments: ctx.store.count('payments'), refunds: ctx.store.count('refunds'), events: ctx.store.count('events'), deliveries: ctx.store.count('deliveries') },
    });
  });

  // The simulated buyer: a page a browser can open from `next_action`, and the form it posts.
  // `:id` is any identifier the merchant holds: the paycli id, a provider's payment or trade id, or the
  // merchant order number.
  router.get('/buyer/:id', (req, res) => {
    const payment = service.findByRef(req.params.id!);
    res.type('html').send(buyerPage(payment, CONTROL_PREFIX, buyerLang(req.query.lang, (...l) => req.acceptsLanguages(...l))));
  });
  router.get('/buyer/:id/qr.svg', async (req, res) => {
    const payment = service.findByRef(req.params.id!);
    res.type('image/svg+xml').send(await buyerQrSvg(payment, service.buyerUrl(payment.id)));
  });
  router.post('/buyer/:id/:action', async (req, res) => {
    const action = req.params.action as BuyerAction;
    if (!BUYER_ACTIONS.includes(action)) {
      throw new PaycliError('parameter_invalid', `Unknown buyer action "${req.params.action}"; use complete, fail or expire.`, { param: 'action' });
    }
    const body = parse(buyerBody, req.body ?? {});
    // A provider's own document waiting for the buyer that is no payment (a Stripe SetupIntent at 3-D Secure).
    const own = ctx.providerBuyer?.(req.params.id!);
    if (own) {
      if (req.accepts(['json', 'html']) === 'html' && req.is('application/x-www-form-urlencoded')) {
        res.redirect(303, (await own(action, body.failure_code)).redirect);
        return;
      }
      await answerPost(req, res, ctx.idempotency, 'buyer', async () => ({ status: 200, body: (await own(action, body.failure_code)).body }));
      return;
    }
    if (req.accepts(['json', 'html']) === 'html' && req.is('application/x-www-form-urlencoded')) {
      // The buyer page's form: a browser, which follows a redirect and sends no Idempotency-Key.
      const payment = await service.buyerAction(req.params.id!, action, body.failure_code);
      res.redirect(303, payment.return_url ?? `${CONTROL_PREFIX}/buyer/${payment.id}`);
      return;
    }
    // The buyer has no API key, so buyer actions share one key space of their own.
    await answerPost(req, res, ctx.idempotency, 'buyer', async () => ({ status: 200, body: buyerView(await service.buyerAction(req.params.id!, action, body.failure_code), (id) => service.buyerUrl(id)) }));
  });

  // The sandbox's own key (the merchant's secret key) opens the control API, whichever providers run.
  router.use(requireApiKey((key) => service.authenticate(key)));
  // GET /stream (Server-Sent Events for listen and logs tail) and GET /webhook_secret.
  const resends = resendNotifierOf(service);
  router.use(streamRouter(ctx, resends));
  // GET /events, /events/:id (every provider's events and notifications) and /providers.
  router.use(eventRouter(ctx));

  const post = (path: string, exec: (req: Request, merchant: Merchant) => Promise<StoredResponse>) => {
    router.post(path, (req, res) => {
      const merchant = res.locals.merchant as Merchant;
      return answerPost(req, res, ctx.idempotency, merchant.id, () => exec(req, merchant));
    });
  };

  post('/reset', async () => {
    await service.reset();
    ctx.faults.clear();
    return { status: 200, body: { ok: true } };
  });

  router.get('/merchant', (_req: Request, res: Response) => {
    const merchant = res.locals.merchant as Merchant;
    res.json(publicMerchant(merchant, ctx.nativeKeys(merchant)));
  });
  post('/merchant', async (req, merchant) => {
    const body = parse(merchantBody, req.body ?? {});
    return { status: 200, body: publicMerchant(await service.updateMerchant(merchant, body), ctx.nativeKeys(merchant)) };
  });

  router.get('/deliveries', (req, res) => {
    const q = parse(deliveriesQuery, req.query, 'query');
    const page = paginate(ctx.store.live<Delivery>('deliveries'), { limit: q.limit ?? 100, starting_after: q.starting_after }, (d) => {
      if (d.merchant_id !== (res.locals.merchant as Merchant).id) return false;
      return (!q.event_id || d.event_id === q.event_id) && (!q.notification_id || d.notification_id === q.notification_id) && (!q.status || d.status === q.status);
    });
    res.json({ ...page, data: page.data.map(toPublicDelivery) });
  });

  // Oldest first, as a log reads; `limit` keeps the newest entries (the end of the log, like `tail`).
  router.get('/requests', (req, res) => {
    const q = parse(requestsQuery, req.query, 'query');
    const entries = ctx.activity.since(q.since ?? 0);
    res.json({ object: 'list', data: q.limit === undefined ? entries : entries.slice(-q.limit) });
  });

  post('/events/:id/resend', async (req, merchant) => {
    // retry: false is a one-shot resend (one attempt, no retry schedule); the default keeps a PSP's redelivery.
    const body = parse(
      z.strictObject({
        url: z.string().refine(isHttpUrl, { error: 'must be an absolute http(s) URL with a host, without spaces or control characters' }).optional(),
        retry: z.boolean().optional(),
      }),
      req.body ?? {},
    );
    // A domain event or a provider's own notification (a Stripe customer.created), by either's id; by the
    // id of one of a domain event's notifications (a Stripe evt_…a), that notification alone.
    const resent = await service.resendEvent(merchant, String(req.params.id), body.url, { retry: body.retry });
    // `listen` sessions are destinations too, unless the resend names its one URL.
    const listeners = body.url ? 0 : resends.announce(resent.entry, resent.notification_id);
    const only = resent.notification_id ? { notification_id: resent.notification_id } : {};
    return { status: 200, body: { ok: true, event_id: resent.entry.id, ...only, deliveries: resent.deliveries, listeners } };
  });
  post('/events/:id/cancel_retries', async (req, merchant) => {
    // An event or a provider's own notification: either way its deliveries name it as their event. By one
    // of a domain event's notifications' ids (a Stripe evt_…a), that notification's deliveries only, as a resend.
    const id = String(req.params.id);
    const event = service.findEvent(merchant, id);
    const only = event.kind === 'event' && id !== event.id ? id : undefined;
    const canceled = ctx.dispatcher.cancelRetries(merchant.id, event.id, only);
    await ctx.store.commit();
    return { status: 200, body: { ok: true, event_id: event.id, ...(only ? { notification_id: only } : {}), canceled: canceled.map(toPublicDelivery) } };
  });

  // Rules in the order armed: a notification takes the first that matches (see chaos-api.ts).
  router.get('/chaos', (_req, res) => {
    res.json({ object: 'list', data: service.chaos.list().map(publicChaosRule) });
  });
  post('/chaos', async (req) => {
    const rule = service.chaos.add(parseChaosRule(req.body));
    return { status: 201, body: publicChaosRule(rule) };
  });
  router.delete('/chaos', (_req, res) => {
    service.chaos.clear();
    res.json({ ok: true });
  });

  // PSP API faults: a request takes the first matching rule, in the order armed (see src/faults/).
  router.get('/faults', (_req, res) => {
    res.json({ object: 'list', data: ctx.faults.list() });
  });
  post('/faults', async (req) => ({ status: 201, body: ctx.faults.add(parseFaultRule(req.body)) }));
  router.delete('/faults', (_req, res) => {
    ctx.faults.clear();
    res.json({ ok: true });
  });
  router.delete('/faults/:id', (req, res) => {
    if (!ctx.faults.remove(req.params.id!)) throw new PaycliError('resource_missing', `No fault rule ${req.params.id}.`, { param: 'id' });
    res.json({ id: req.params.id, object: 'fault_rule', deleted: true });
  });

  post('/clock/advance', async (req) => {
    if (!(ctx.clock instanceof FakeClock)) {
      throw new PaycliError('invalid_state', 'This sandbox runs on the real clock; start it with --virtual-clock to advance time.');
    }
    const b = parse(z.strictObject({ ms: z.number().int().min(0).max(366 * 24 * 3_600_000) }), req.body);
    await ctx.clock.advance(b.ms);
    await ctx.onClockAdvanced?.();
    return { status: 200, body: { now: ctx.clock.now() } };
  });

  return router;
}
