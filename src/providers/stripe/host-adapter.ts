/**
 * The Stripe provider on the sandbox core: a StripeHost over the contract's ProviderHost. A request's unit
 * of work is the core's (domain operations, the provider's documents, its idempotency record, the
 * notifications of what changed: one commit).
 */
import { timingSafeEqual } from 'node:crypto';
import type { ProviderHost, UnitOfWork } from '../contract.js';
import type { Merchant, Payment, Refund } from '../../engine/types.js';
import { inScope } from './request-scope.js';
import { eventObject } from './stripe-events.js';
import type { KeyKind, StripeHost } from './stripe-host.js';
import { STRIPE, stripeReader } from './stripe-reader.js';
import { COLLECTIONS, intentIdOf, type OwnEventRef, type StripeEventDoc, type StripeUnit } from './stripe-state.js';

export interface StripeCredentials extends Record<string, unknown> {
  secret_key: string;
  publishable_key: string;
  /** Signs what `--forward-to` and `paycli listen` send, as `stripe listen`'s secret does. */
  webhook_secret: string;
}

const NOTIFICATIONS = 'notifications';

function ownEventRef(event: StripeEventDoc): OwnEventRef {
  return { id: event.id, object: 'event', merchant_id: event.merchant_id, created: event.created, type: event.type, in_notification: true };
}

const sameKey = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function unitOf(uow: UnitOfWork, merchant: Merchant): StripeUnit {
  const reader = stripeReader(uow, merchant, uow.nowMs);
  return {
    ...reader,
    newId: (prefix) => uow.newId(prefix),
    put: (collection, doc) => uow.put(collection, doc),
    remove: (collection, id) => uow.remove(collection, id),
    emit(event: StripeEventDoc) {
      // No domain event causes it: the provider notifies itself, in this unit's commit, so it goes out now
      // (and before the events of a payment this unit goes on to make, as on Stripe).
      uow.notify(merchant, { id: event.id, type: event.type, payload: eventObject(event) });
      // The core keeps the notification, payload and all: /v1/events reads the event there, and
      // `stripe_events` keeps only its place (a create-and-confirm wrote the intent out twice otherwise).
      const kept = uow.get(NOTIFICATIONS, event.id) !== undefined;
      uow.put(COLLECTIONS.events, kept ? ownEventRef(event) : event);
    },
    createPayment(input) {
      // Each confirmation of an intent is one payment; the intent id finds the latest for the buyer.
      const payment = uow.createPayment(merchant, input, { uniqueOrderId: false });
      const piId = intentIdOf(payment);
      if (piId) uow.addRef(piId, payment.id);
      return payment;
    },
    capturePayment: (id, amount): Payment => uow.capture(merchant, id, amount),
    cancelPayment: (id, reason): Payment => uow.cancel(merchant, id, reason),
    buyerAct: (id, action, failureCode): Payment => uow.buyerAction(id, action, failureCode),
    createRefund: (id, input): Refund => uow.createRefund(merchant, id, input),
    updateRefund: (id, update): Refund => uow.updateRefund(merchant, id, update),
  };
}

export function stripeHost(host: ProviderHost<StripeCredentials>): StripeHost {
  return {
    baseUrl: () => host.url(),
    authenticate(key) {
      let kind: KeyKind = 'secret';
      const merchant = host.merchantWhere((creds) => {
        if (sameKey(creds.secret_key, key)) return (kind = 'secret'), true;
        if (sameKey(creds.publishable_key, key)) return (kind = 'publishable'), true;
        return false;
      });
      return merchant ? { merchant, kind } : undefined;
    },
    merchantById: (id) => host.core.merchants().find((m) => m.id === id),
    peek: (collection, id) => host.core.reader.get(collection, id),
    run: (merchant, request, work) =>
      host.transact((uow) => {
        const unit = unitOf(uow, merchant);
        return inScope(request, unit, () => work(unit));
      }),
  };
}

export { STRIPE };
