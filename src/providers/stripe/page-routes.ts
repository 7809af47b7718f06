/**
 * The buyer's side: the 3-D Secure challenge (`/3ds/:pi`, or `/3ds/:seti` for a SetupIntent) and the hosted
 * Checkout page (`/c/pay/:cs`).
 * They carry no API key; the intent or session id in the URL is the capability, as on Stripe.
 */
import express, { type Request, type Response, type Router } from 'express';
import { buyerAssets } from '../../dashboard/buyer-layout.js';
import { buyerLang } from '../../dashboard/buyer-view.js';
import { challengePage, checkoutPage, messagePage, type PageLang } from './buyer-pages.js';
import { completeSessionIfPaid, paySession, successLocation } from './checkout.js';
import { currentStatus, saveForLater } from './payment-intents.js';
import { saveSessionCard } from './checkout-setup.js';
import { afterSetupBuyer, sessionAfterSetup } from './setup-intent-buyer.js';
import { completeSetupChallenge } from './setup-intents.js';
import { paymentDeclineAfterAuthentication } from './three-d-secure.js';
import type { StripeHost } from './stripe-host.js';
import { toStripeError } from './stripe-errors.js';
import { COLLECTIONS, type CheckoutSessionDoc, type PaymentIntentDoc, type PaymentMethodDoc, type SetupIntentDoc, type StripeCollection } from './stripe-state.js';
import { latestAttempt, type OpContext } from './wire-objects.js';
import type { Merchant } from '../../engine/types.js';

type PageResult = { status: number; html: string } | { redirect: string };

function notFound(what: string, l: PageLang): PageResult {
  return { status: 404, html: messagePage(l, (tx) => tx.notFound(what)) };
}

/** The page's language: `?lang=` (the switch), else the browser's. */
function pageLang(req: Request): PageLang {
  const q = req.query.lang;
  return { lang: buyerLang(q, (...langs: string[]) => req.acceptsLanguages(...langs)), chosen: q === 'en' || q === 'zh-CN' ? q : null };
}

/** Runs a buyer action as a unit of work of the merchant owning the document (the page has no key). */
async function runPage(
  host: StripeHost,
  l: PageLang,
  res: Response,
  collection: typeof COLLECTIONS.paymentIntents | typeof COLLECTIONS.setupIntents | typeof COLLECTIONS.checkoutSessions,
  id: string,
  work: (ctx: OpContext) => PageResult,
): Promise<void> {
  const owner = findOwner(host, collection, id);
  if (!owner) return answer(res, notFound(collection === COLLECTIONS.checkoutSessions ? 'Checkout Session' : 'payment', l));
  const request = { id: null, idempotency_key: null };
  const r = await host.run(owner, request, (unit) => {
    const ctx: OpContext = { unit, baseUrl: host.baseUrl(), request };
    let r: PageResult;
    try {
      r = work(ctx);
    } catch (err) {
      // A buyer page answers in HTML: a request Stripe would refuse shows its message, never a stack trace.
      const se = toStripeError(err);
      if (se.status >= 500) throw err;
      r = { status: se.status, html: messagePage(l, () => se.body.message) };
    }
    return r;
  });
  answer(res, r);
}

function findOwner(host: StripeHost, collection: StripeCollection, id: string): Merchant | undefined {
  const doc = host.peek<{ id: string; merchant_id: string }>(collection, id);
  return doc ? host.merchantById(doc.merchant_id) : undefined;
}

function answer(res: Response, r: PageResult): void {
  if ('redirect' in r) {
    res.redirect(303, r.redirect);
    return;
  }
  res.status(r.status).type('text/html').send(r.html);
}

function intentView(ctx: OpContext, pi: PaymentIntentDoc) {
  const pm = pi.payment_method ? ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, pi.payment_method) : undefined;
  return { id: pi.id, amount: pi.amount, currency: pi.currency, last4: pm ? pm.card_data.number.slice(-4) : null, status: currentStatus(ctx, pi) };
}

function setupView(ctx: OpContext, si: SetupIntentDoc) {
  const pm = si.payment_method ? ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, si.payment_method) : undefined;
  return { id: si.id, amount: null, currency: null, last4: pm ? pm.card_data.number.slice(-4) : null, status: si.status };
}

/**
 * After a SetupIntent's challenge: a setup Checkout Session's success page (or its page again, to try
 * another card), else the return_url with Stripe's query (`setup_intent`, its client secret, `redirect_status`).
 */
function afterSetupChallenge(ctx: OpContext, si: SetupIntentDoc, l: PageLang): PageResult {
  const session = sessionAfterSetup(ctx, si, l);
  if (session) return { redirect: session };
  if (!si.return_url) return { status: 200, html: challengePage(setupView(ctx, si), l) };
  return { redirect: afterSetupBuyer(ctx, si) };
}

const isSetup = (id: string) => id.startsWith('seti_');

/** Where the buyer goes after the challenge: the session's success or checkout page, or the return_url with Stripe's query. */
function afterChallenge(ctx: OpContext, pi: PaymentIntentDoc, l: PageLang): PageResult {
  const status = currentStatus(ctx, pi);
  if (pi.checkout_session) {
    const cs = ctx.unit.get<CheckoutSessionDoc>(COLLECTIONS.checkoutSessions, pi.checkout_session);
    if (cs) {
      const done = completeSessionIfPaid(ctx, cs);
      const success = done.status === 'complete' ? successLocation(done) : null;
      return { redirect: success ?? `${ctx.baseUrl}/c/pay/${cs.id}${l.chosen ? `?lang=${l.chosen}` : ''}` };
    }
  }
  if (pi.return_url) {
    const url = new URL(pi.return_url);
    url.searchParams.set('payment_intent', pi.id);
    url.searchParams.set('payment_intent_client_secret', pi.client_secret);
    url.searchParams.set('redirect_status', status === 'succeeded' || status === 'requires_capture' ? 'succeeded' : 'failed');
    return { redirect: url.toString() };
  }
  return { status: 200, html: challengePage(intentView(ctx, pi), l) };
}

export function registerPageRoutes(router: Router, host: StripeHost): void {
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  router.use(buyerAssets());

  router.get('/3ds/:id', (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (isSetup(id)) {
      return runPage(host, pageLang(req), res, COLLECTIONS.setupIntents, id, (ctx) => ({
        status: 200,
        html: challengePage(setupView(ctx, ctx.unit.get<SetupIntentDoc>(COLLECTIONS.setupIntents, id) as SetupIntentDoc), pageLang(req)),
      }));
    }
    return runPage(host, pageLang(req), res, COLLECTIONS.paymentIntents, id, (ctx) => {
      const pi = ctx.unit.get<PaymentIntentDoc>(COLLECTIONS.paymentIntents, String(req.params.id)) as PaymentIntentDoc;
      return { status: 200, html: challengePage(intentView(ctx, pi), pageLang(req)) };
    });
  });

  router.post('/3ds/:id/:action', (req: Request, res: Response) => {
    const action = req.params.action;
    const l = pageLang(req);
    if (action !== 'complete' && action !== 'fail') return answer(res, notFound('action', l));
    const id = String(req.params.id);
    if (isSetup(id)) {
      return runPage(host, l, res, COLLECTIONS.setupIntents, id, (ctx) => {
        const si = ctx.unit.get<SetupIntentDoc>(COLLECTIONS.setupIntents, id) as SetupIntentDoc;
        return afterSetupChallenge(ctx, completeSetupChallenge(ctx, si, action), l);
      });
    }
    return runPage(host, l, res, COLLECTIONS.paymentIntents, String(req.params.id), (ctx) => {
      const pi = ctx.unit.get<PaymentIntentDoc>(COLLECTIONS.paymentIntents, String(req.params.id)) as PaymentIntentDoc;
      const attempt = latestAttempt(ctx, pi);
      if (currentStatus(ctx, pi) !== 'requires_action' || !attempt) return afterChallenge(ctx, pi, l);
      const pm = pi.payment_method ? ctx.unit.get<PaymentMethodDoc>(COLLECTIONS.paymentMethods, pi.payment_method) : undefined;
      // The issuer may still decline once the buyer has authenticated (Stripe's 4000008400001629 and others).
      const decline = action === 'complete' && pm ? paymentDeclineAfterAuthentication(pm.card_data.number) : undefined;
      saveForLater(ctx, pi, decline ? ctx.unit.buyerAct(attempt.id, 'fail', decline) : ctx.unit.buyerAct(attempt.id, action));
      return afterChallenge(ctx, pi, l);
    });
  });

  router.get('/c/pay/:id', (req: Request, res: Response) =>
    runPage(host, pageLang(req), res, COLLECTIONS.checkoutSessions, String(req.params.id), (ctx) => {
      const cs = ctx.unit.get<CheckoutSessionDoc>(COLLECTIONS.checkoutSessions, String(req.params.id)) as CheckoutSessionDoc;
      return { status: 200, html: checkoutPage(cs, null, pageLang(req)) };
    }),
  );

  router.post('/c/pay/:id', form, (req: Request, res: Response) =>
    runPage(host, pageLang(req), res, COLLECTIONS.checkoutSessions, String(req.params.id), (ctx) => {
      const cs = ctx.unit.get<CheckoutSessionDoc>(COLLECTIONS.checkoutSessions, String(req.params.id)) as CheckoutSessionDoc;
      if (cs.status !== 'open') return { status: 409, html: checkoutPage(cs, null, pageLang(req)) };
      const body = (req.body ?? {}) as Record<string, unknown>;
      const typed = typeof body.card_number === 'string' ? body.card_number.trim() : '';
      const card = typed || (typeof body.card === 'string' ? body.card : 'pm_card_visa');
      if (cs.mode === 'setup') {
        const saved = saveSessionCard(ctx, cs, card);
        if (saved.kind === 'authenticate') return { redirect: `${ctx.baseUrl}/3ds/${saved.setupIntent.id}` };
        if (saved.kind === 'set_up') return { redirect: successLocation(saved.session) ?? `${ctx.baseUrl}/c/pay/${cs.id}` };
        const fresh = ctx.unit.get<CheckoutSessionDoc>(COLLECTIONS.checkoutSessions, cs.id) as CheckoutSessionDoc;
        return { status: 402, html: checkoutPage(fresh, saved.message, pageLang(req)) };
      }
      const outcome = paySession(ctx, cs, card);
      if (outcome.kind === 'redirect') return { redirect: outcome.location };
      const fresh = ctx.unit.get<CheckoutSessionDoc>(COLLECTIONS.checkoutSessions, cs.id) as CheckoutSessionDoc;
      return { status: 402, html: checkoutPage(fresh, outcome.message, pageLang(req)) };
    }),
  );
}
