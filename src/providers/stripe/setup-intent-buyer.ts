/**
 * The control API's simulated buyer on a SetupIntent waiting for 3-D Secure (contract `buyer`): a SetupIntent
 * is no payment, so the core cannot find it; the provider runs the buyer's action as its challenge page
 * does, in a unit of work of the merchant owning the intent (the buyer has no key; the id is the capability).
 */
import type { ProviderBuyerAct, ProviderHost } from '../contract.js';
import type { StripeCredentials } from './host-adapter.js';
import { stripeHost } from './host-adapter.js';
import { completeSessionOfSetup } from './checkout-setup.js';
import { successLocation } from './checkout-objects.js';
import { buyerOnSetupIntent, setupIntentObject } from './setup-intents.js';
import { COLLECTIONS, type SetupIntentDoc } from './stripe-state.js';
import type { OpContext } from './wire-objects.js';

/**
 * For a SetupIntent a Checkout Session (`mode=setup`) made, once the buyer has acted: the session completed
 * if the card is set up, and where the buyer goes (its success_url, or its page again to try another card);
 * null for any other SetupIntent.
 */
export function sessionAfterSetup(ctx: OpContext, si: SetupIntentDoc, l?: { chosen: string | null }): string | null {
  const cs = completeSessionOfSetup(ctx, si);
  if (!cs) return null;
  return (cs.status === 'complete' ? successLocation(cs) : null) ?? `${ctx.baseUrl}/c/pay/${cs.id}${l?.chosen ? `?lang=${l.chosen}` : ''}`;
}

/** Where a browser goes once the buyer acted: its Checkout Session's, or the return_url with Stripe's query, else the challenge page. */
export function afterSetupBuyer(ctx: OpContext, si: SetupIntentDoc): string {
  const session = sessionAfterSetup(ctx, si);
  if (session) return session;
  if (!si.return_url) return `${ctx.baseUrl}/3ds/${si.id}`;
  const url = new URL(si.return_url);
  url.searchParams.set('setup_intent', si.id);
  url.searchParams.set('setup_intent_client_secret', si.client_secret);
  url.searchParams.set('redirect_status', si.status === 'succeeded' ? 'succeeded' : 'failed');
  return url.toString();
}

export function setupIntentBuyer(host: ProviderHost<StripeCredentials>, ref: string): ProviderBuyerAct | undefined {
  if (!ref.startsWith('seti_')) return undefined;
  const stripe = stripeHost(host);
  const found = stripe.peek<SetupIntentDoc>(COLLECTIONS.setupIntents, ref);
  const merchant = found ? stripe.merchantById(found.merchant_id) : undefined;
  if (!merchant) return undefined;
  const request = { id: null, idempotency_key: null };
  return (action, failureCode) =>
    stripe.run(merchant, request, (unit) => {
      const ctx: OpContext = { unit, baseUrl: stripe.baseUrl(), request };
      const si = buyerOnSetupIntent(ctx, unit.get<SetupIntentDoc>(COLLECTIONS.setupIntents, ref) as SetupIntentDoc, action, failureCode);
      // Where the browser goes next; a setup Checkout Session whose card is now set up completes here too.
      const redirect = afterSetupBuyer(ctx, si);
      return { body: setupIntentObject(ctx, si), redirect };
    });
}
