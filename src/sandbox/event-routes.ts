/**
 * Every provider's events on the control API, for `paycli events` and `paycli trigger`:
 *
 * - `GET /_sandbox/events?provider=&payment=&type=&limit=&starting_after=`: the caller's merchant's events,
 *   newest first: the domain events, each with its payment's provider and the notifications it means there,
 *   in that provider's own type names (`TRADE_SUCCESS`, `TRANSACTION.SUCCESS`, `charge.succeeded`, …), and
 *   the notifications a provider raises itself with no domain event behind them (a Stripe
 *   `customer.created`), each an event of its own type with no payment (`payment_id: null`). `payment` is any
 *   identifier the merchant holds (as for the simulated buyer), so it lists domain events only; `type`
 *   matches the domain type or a notification type, wildcards allowed (`payment.*`, `REFUND.*`, `customer.*`).
 * - `GET /_sandbox/events/{id}`: one of them, by the event id or by one of its notifications' ids (an Alipay
 *   `notify_id`, a WeChat Pay notification id, a Stripe `evt_…`), so whatever id the app logged finds it.
 * - `GET /_sandbox/providers`: each served provider's URL and this merchant's credentials for it, so the CLI
 *   can act at a provider in its own protocol (as `listen` signs as it).
 *
 * The native API (`/v1/events`) keeps showing native events only; these routes are the sandbox's view.
 * Mounted by control-routes.ts after authentication (the secret key is required).
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { domainEntry, type OwnNotification, type SandboxEvent } from '../core/event-timeline.js';
import type { StoredNotification } from '../core/notifications.js';
import type { Merchant, Payment, PaycliEvent } from '../engine/types.js';
import { eventMatches, isRefundEvent, paymentIdOf } from '../engine/events.js';
import { PaycliError } from '../errors.js';
import { paginate } from '../core/pagination.js';
import { parse } from '../http/validation.js';
import type { ControlContext } from './control-context.js';

/**
 * One event as the control API shows it, whichever provider it came through: a domain event, or a
 * provider's own notification, whose payment fields are null (it is about the provider's own object).
 */
export interface EventView {
  id: string;
  /** The domain event type (`payment.succeeded`, `refund.failed`, …); a provider's own notification's type (`customer.created`). */
  type: string;
  /** Unix seconds. */
  created: number;
  /** The provider the payment was made through (`paycli` for the native API), or that raised the notification. */
  provider: string;
  payment_id: string | null;
  refund_id: string | null;
  merchant_order_id: string | null;
  /** The status, amount and currency of the event's object (the payment, or the refund). */
  status: string | null;
  amount: number | null;
  currency: string | null;
  failure_code: string | null;
  failure_message: string | null;
  /** What the event means in its provider's protocol (none: that provider says nothing about it). */
  notifications: { id: string; type: string }[];
}

/** A type, or a prefix wildcard (`payment.*`, `REFUND.*`) or `*`, as `eventMatches` reads them. */
const NAME = /^(\*|[A-Za-z0-9_-]{1,60}(\.[A-Za-z0-9_-]{1,60}){0,5}(\.\*)?)$/;

const eventsQuery = z.strictObject({
  provider: z.string().regex(/^[a-z0-9_-]{1,40}$/, { error: 'must be a provider name such as alipay' }).optional(),
  payment: z.string().min(1).max(200).optional(),
  type: z.string().regex(NAME, { error: 'must be an event or notification type, wildcards like payment.* allowed' }).optional(),
  limit: z.string().regex(/^\d+$/).transform(Number).refine((n) => n >= 1 && n <= 100, { error: 'must be 1 to 100' }).optional(),
  starting_after: z.string().max(200).optional(),
});

export function eventRouter(ctx: ControlContext): Router {
  const router = express.Router();
  const { service, store } = ctx;

  /** Stored notifications by event id: what was really sent; built per request (one pass). */
  const storedByEvent = () => {
    const map = new Map<string, StoredNotification[]>();
    for (const n of store.list<StoredNotification>('notifications')) {
      const list = map.get(n.event_id);
      if (list) list.push(n);
      else map.set(n.event_id, [n]);
    }
    return map;
  };

  /** A provider's own notification: an event of its own, about none of the merchant's payments. */
  const ownView = (n: OwnNotification): EventView => ({
    id: n.id,
    type: n.type,
    created: Math.floor(n.created / 1000),
    provider: n.provider,
    payment_id: null,
    refund_id: null,
    merchant_order_id: null,
    status: null,
    amount: null,
    currency: null,
    failure_code: null,
    failure_message: null,
    notifications: [{ id: n.id, type: n.type }],
  });

  const viewOf = (entry: SandboxEvent, stored: () => Map<string, StoredNotification[]>): EventView =>
    entry.kind === 'event' ? view(entry.event, stored()) : ownView(entry.notification);

  const view = (e: PaycliEvent, stored: Map<string, StoredNotification[]>): EventView => {
    const paymentId = paymentIdOf(e);
    const payment = store.get<Payment>('payments', paymentId);
    const sent = stored.get(e.id);
    const notifications = (sent ?? ctx.notificationsOf(e).map((n) => n.notification)).map((n) => ({ id: n.id, type: n.type }));
    // A refund event's object is the refund; a payment event's the payment as it was then.
    const o = e.data.object;
    const failure = isRefundEvent(e) ? { failure_code: e.data.object.failure_reason, failure_message: null } : { failure_code: e.data.object.failure_code, failure_message: e.data.object.failure_message };
    return {
      id: e.id,
      type: e.type,
      created: e.created,
      provider: payment?.provider ?? 'paycli',
      payment_id: paymentId,
      refund_id: isRefundEvent(e) ? e.data.object.id : null,
      merchant_order_id: o.merchant_order_id,
      status: o.status,
      amount: o.amount,
      currency: o.currency,
      ...failure,
      notifications,
    };
  };

  router.get('/providers', (_req, res) => {
    const merchant = res.locals.merchant as Merchant;
    const urls = ctx.providerUrls?.() ?? {};
    const creds = ctx.credentialsOf(merchant);
    const data = Object.entries(urls).map(([name, url]) => ({ name, url, credentials: creds[name] ?? null }));
    res.json({ object: 'list', data });
  });

  router.get('/events', (req, res) => {
    const q = parse(eventsQuery, req.query, 'query');
    const merchant = res.locals.merchant as Merchant;
    let entries: readonly SandboxEvent[];
    if (q.payment !== undefined) {
      let payment: Payment;
      try {
        payment = service.findByRef(q.payment);
      } catch (err) {
        if (err instanceof PaycliError) throw new PaycliError(err.code, err.message, { param: 'payment', hint: err.hint });
        throw err;
      }
      entries = service.historyOf(payment).events.map(domainEntry);
    } else {
      entries = service.timeline(merchant.id);
    }
    const stored = storedByEvent();
    const views = new Map<string, EventView>();
    const page = paginate(entries, q, (e) => {
      if (e.merchant_id !== merchant.id) return false;
      const v = viewOf(e, () => stored);
      if (q.provider && v.provider !== q.provider) return false;
      if (q.type && !eventMatches([q.type], v.type) && !v.notifications.some((n) => eventMatches([q.type!], n.type))) return false;
      views.set(e.id, v);
      return true;
    });
    res.json({ ...page, data: page.data.map((e) => views.get(e.id)!) });
  });

  router.get('/events/:id', (req, res) => {
    const merchant = res.locals.merchant as Merchant;
    res.json(viewOf(service.findEvent(merchant, req.params.id!), storedByEvent));
  });

  return router;
}
