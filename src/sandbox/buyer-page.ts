/**
 * The simulated buyer's page: where a `next_action` URL leads. It shows what the buyer is asked to do and
 * offers the three things a buyer can do: pay or authenticate, fail, or walk away. The page itself (one
 * look for every kind of buyer page, in English or Simplified Chinese) is drawn in src/dashboard/.
 */
import { renderBuyerPage, type BuyerLang } from '../dashboard/buyer-view.js';
import type { Payment } from '../engine/types.js';

export { buyerLang } from '../dashboard/buyer-view.js';

export function buyerPage(payment: Payment, prefix: string, lang: BuyerLang = 'en'): string {
  return renderBuyerPage(payment, prefix, lang);
}
