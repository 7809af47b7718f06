/**
 * Checkout Sessions in `mode=setup`: the hosted page saves a card for later instead of taking a payment.
 * No line items and no amount (`payment_status: no_payment_required`); the buyer's first card creates the
 * session's SetupIntent (`setup_intent_data`, the session's customer, usage `off_session`), every card
 * confirms it. Set up, the session completes (`checkout.session.completed` with its `setup_intent`, after
 * `setup_intent.succeeded`) and the buyer goes to `success_url`; 3-D Secure goes through the challenge
 * page (or the control API's buyer) first, whose success completes the session the same way.
 */
import { checkoutSessionObject } from './checkout-objects.js';
import type { FormObject } from './form-params.js';
import { ACCEPTED_NESTED, checkAccepted, currency as currencyParam, metadata } from './params.js';
import { confirmSetupIntent, createSetupIntent } from './setup-intents.js';
import { invalidRequest, missingParam, StripeApiError } from './stripe-errors.js';
import { emit } from './stripe-events.js';
import { COLLECTIONS, type CheckoutSessionDoc, type SetupIntentDoc } from './stripe-state.js';
import type { OpContext } from './wire-objects.js';

/** What a session created in setup mode takes instead of line items. */
export interface SetupSessionParams {
  currency: string | null;
  data: NonNullable<CheckoutSessionDoc['setup_intent_data']>;
}

const isHash = (v: unknown): v is FormObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The setup-mode parameters of `POST /v1/checkout/sessions`: no `line_items` or `payment_intent_data`
 * (nothing is paid), and a `currency` unless the payment method types are named, as Stripe requires.
 */
export function setupSessionParams(params: FormObject): SetupSessionParams {
  for (const name of ['line_items', 'payment_intent_data'] as const) {
    if (params[name] !== undefined) throw invalidRequest(`You can not pass \`${name}\` in \`setup\` mode.`, { param: name });
  }
  const currency = currencyParam(params) ?? null;
  const typesNamed = params.payment_method_types !== undefined || params.allowed_payment_method_types !== undefined;
  if (currency === null && !typesNamed) throw missingParam('currency');
  const raw = params.setup_intent_data;
  if (raw !== undefined && !isHash(raw)) throw invalidRequest('Invalid object: setup_intent_data must be an object.', { param: 'setup_intent_data' });
  const sid = raw ?? {};
  checkAccepted(sid, ACCEPTED_NESTED.sessionSetupIntentData, 'setup_intent_data');
  if (sid.description !== undefined && typeof sid.description !== 'string') {
    throw invalidRequest('Invalid string: setup_intent_data[description] must be a string.', { param: 'setup_intent_data[description]' });
  }
  const meta = metadata(sid);
  return { currency, data: { ...(typeof sid.description === 'string' ? { description: sid.description } : {}), ...(meta ? { metadata: meta } : {}) } };
}

/** The request params that name the card a buyer chose: a test payment method (`pm_card_visa`) or a number. */
export function cardParams(card: string): FormObject {
  return /^\d[\d\s-]*$/.test(card)
    ? { payment_method_data: { type: 'card', card: { number: card, exp_month: '12', exp_year: '2034', cvc: '123' } } }
    : { payment_method: card };
}

export type SaveOutcome =
  | { kind: 'set_up'; session: CheckoutSessionDoc }
  | { kind: 'authenticate'; setupIntent: SetupIntentDoc }
  | { kind: 'declined'; message: string };

/** The buyer submits a card on an open setup session: it is set up, waits for 3-D Secure, or is declined. */
export function saveSessionCard(ctx: OpContext, cs: CheckoutSessionDoc, card: string): SaveOutcome {
  if (cs.status !== 'open') throw invalidRequest(`This Checkout Session is ${cs.status}.`, { param: 'session' });
  let session = cs;
  try {
    if (!cs.setup_intent) {
      const data = cs.setup_intent_data ?? {};
      const created = createSetupIntent(ctx, {
        ...(cs.customer ? { customer: cs.customer } : {}),
        ...(data.description ? { description: data.description } : {}),
        ...(data.metadata ? { metadata: data.metadata } : {}),
        payment_method_types: ['card'],
        usage: 'off_session',
      });
      ctx.unit.put(COLLECTIONS.setupIntents, { ...created, checkout_session: cs.id });
      session = { ...cs, setup_intent: created.id };
      ctx.unit.put(COLLECTIONS.checkoutSessions, session);
    }
    const si = ctx.unit.get<SetupIntentDoc>(COLLECTIONS.setupIntents, session.setup_intent as string) as SetupIntentDoc;
    confirmSetupIntent(ctx, si, cardParams(card));
  } catch (err) {
    // The decline is staged (the intent back in requires_payment_method): the buyer tries another card.
    if (err instanceof StripeApiError && err.status === 402) return { kind: 'declined', message: err.body.message };
    throw err;
  }
  const si = ctx.unit.get<SetupIntentDoc>(COLLECTIONS.setupIntents, session.setup_intent as string) as SetupIntentDoc;
  if (si.status === 'requires_action') return { kind: 'authenticate', setupIntent: si };
  return { kind: 'set_up', session: completeSetupSession(ctx, session, si) };
}

/** Completes an open setup session whose SetupIntent has succeeded (`checkout.session.completed`); else unchanged. */
export function completeSetupSession(ctx: OpContext, cs: CheckoutSessionDoc, si: SetupIntentDoc): CheckoutSessionDoc {
  if (cs.mode !== 'setup' || cs.status !== 'open' || si.status !== 'succeeded' || cs.setup_intent !== si.id) return cs;
  const done: CheckoutSessionDoc = { ...cs, status: 'complete', payment_status: 'no_payment_required' };
  ctx.unit.put(COLLECTIONS.checkoutSessions, done);
  emit(ctx, { type: 'checkout.session.completed', object: checkoutSessionObject(ctx, done) });
  return done;
}

/** The session a SetupIntent was made by, completed if the intent has succeeded (after its 3-D Secure). */
export function completeSessionOfSetup(ctx: OpContext, si: SetupIntentDoc): CheckoutSessionDoc | null {
  if (!si.checkout_session) return null;
  const cs = ctx.unit.get<CheckoutSessionDoc>(COLLECTIONS.checkoutSessions, si.checkout_session);
  return cs ? completeSetupSession(ctx, cs, si) : null;
}
