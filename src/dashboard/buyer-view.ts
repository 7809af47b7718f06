/**
 * The simulated buyer's pages (3-D Secure challenge, QR-code wallets, redirect wallets), one look for all
 * of them: the amount in major units with its currency, what the buyer is asked to do, and the three
 * things a buyer can do: pay or authenticate, fail (with a reason the buyer picks), or walk away. Plain
 * HTML forms posting to the same origin, a stylesheet file and no script, so they work on any phone and
 * under a strict Content-Security-Policy. English or Simplified Chinese, from `?lang=` or the browser.
 */
import { buyerActionOf } from '../engine/buyer-action.js';
import type { Payment } from '../engine/types.js';
import { buyerDocument, escapeHtml as escape } from './buyer-layout.js';
import { BUYER_TEXTS, type BuyerLang } from './buyer-texts.js';
import { providerOf } from './stats.js';

export type { BuyerLang } from './buyer-texts.js';

/** The buyer page's language: `?lang=` first, then the browser's preference, else English. */
export function buyerLang(query: unknown, acceptsLanguages: (...langs: string[]) => string | false): BuyerLang {
  if (query === 'zh-CN' || query === 'en') return query;
  const preferred = acceptsLanguages('en', 'zh-CN', 'zh');
  return preferred === 'zh-CN' || preferred === 'zh' ? 'zh-CN' : 'en';
}

/** 1999 USD → "$19.99" (en) / "US$19.99" (zh-CN); the currency's own number of decimals. */
export function majorAmount(minor: number, currency: string, lang: BuyerLang): string {
  try {
    const format = new Intl.NumberFormat(lang, { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(minor / 10 ** digits);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

const CARD_REASONS = ['authentication_failed', 'insufficient_funds', 'card_declined', 'expired_card', 'processing_error'] as const;
const WALLET_REASONS = ['payment_failed', 'insufficient_funds', 'buyer_canceled', 'processing_error'] as const;

export function renderBuyerPage(payment: Payment, prefix: string, lang: BuyerLang = 'en'): string {
  const tx = BUYER_TEXTS[lang];
  const pm = payment.payment_method;
  const isCard = pm.type === 'card';
  const wallet = pm.type === 'wallet' ? pm.wallet : null;
  const qr = buyerActionOf(payment)?.kind === 'scan_qr';
  const waiting = payment.status === 'pending' || payment.status === 'requires_action';
  const base = `${prefix}/buyer/${encodeURIComponent(payment.id)}`;
  const walletName = wallet ? tx.wallets[wallet] : '';
  // Only a card payment waiting for authentication is a 3-D Secure page; any other card payment is just shown.
  const challenge = isCard && payment.status === 'requires_action';
  const title = isCard ? (challenge ? tx.cardTitle : tx.cardPaymentTitle) : qr ? tx.qrTitle(walletName) : tx.redirectTitle(walletName);
  const amount = majorAmount(payment.amount, payment.currency, lang);
  const reasons = isCard ? CARD_REASONS : WALLET_REASONS;
  const statusText = tx.status[payment.status] ?? payment.status;

  const method = isCard
    ? `<p class="method"><span class="card-chip" aria-hidden="true"></span>${escape(tx.cardLine(pm.card.brand, pm.card.last4))}</p>
<p class="hint">${escape(challenge ? tx.cardHint(pm.card.last4) : tx.cardPaymentHint(pm.card.last4))}</p>`
    : qr
      ? `<figure class="qr"><img src="${base}/qr.svg" width="208" height="208" alt="${escape(tx.qrAlt(walletName))}"><figcaption>${escape(tx.qrHint(walletName))}</figcaption></figure>`
      : `<p class="hint">${escape(tx.redirectHint(walletName))}</p>`;

  const actions = waiting
    ? `<form method="post" action="${base}/complete" class="primary-action">
  <button type="submit" class="pay" id="complete">${escape(isCard ? tx.authenticate : qr ? tx.scanAndPay(walletName) : tx.payWith(walletName))}</button>
</form>
<details class="other-outcomes">
  <summary>${escape(tx.otherOutcomes)}</summary>
  <form method="post" action="${base}/fail" class="fail">
    <label for="failure_code">${escape(tx.failureReason)}</label>
    <select id="failure_code" name="failure_code">
${reasons.map((r) => `      <option value="${r}">${escape(tx.reasons[r] ?? r)}</option>`).join('\n')}
    </select>
    <button type="submit" class="secondary" id="fail">${escape(isCard ? tx.failAuth : tx.failPayment)}</button>
  </form>
  <form method="post" action="${base}/expire">
    <button type="submit" class="link" id="expire">${escape(tx.abandon)}</button>
  </form>
</details>`
    : `<p class="done" role="status">${escape(tx.nothingLeft)}</p>${payment.return_url ? `<p><a class="button" href="${escape(payment.return_url)}">${escape(tx.backToShop)}</a></p>` : ''}`;

  return buyerDocument({
    lang,
    title,
    amount,
    kind: isCard ? 'card' : qr ? 'qr-wallet' : 'redirect-wallet',
    content: `  <p class="merchant">${escape(tx.via)} <strong>${escape(providerOf(payment))}</strong></p>
  <h1>${escape(title)}</h1>
  <p class="amount" id="amount">${escape(amount)}</p>
  <dl class="facts">
    <dt>${escape(tx.order)}</dt><dd><code>${escape(payment.merchant_order_id)}</code></dd>
${payment.description ? `    <dt>${escape(tx.description)}</dt><dd>${escape(payment.description)}</dd>\n` : ''}    <dt>${escape(tx.statusLabel)}</dt><dd><strong id="status" data-status="${payment.status}">${escape(statusText)}</strong></dd>
  </dl>
  ${method}
  ${actions}`,
  });
}
