/**
 * The buyer's pages a Stripe integration sends people to: the 3-D Secure challenge behind
 * `next_action.redirect_to_url.url`, and the hosted Checkout page at a session's `url`. Drawn in the look
 * every hosted buyer page shares (src/dashboard/buyer-layout.ts): amounts in major units with the currency,
 * English or Simplified Chinese following the browser with a switch, plain HTML forms and no inline script
 * or style, so a test can drive them with fetch and a browser test with clicks.
 */
import { buyerDocument, escapeHtml as esc, factLabel as label } from '../../dashboard/buyer-layout.js';
import { majorAmount, type BuyerLang } from '../../dashboard/buyer-view.js';
import type { CheckoutSessionDoc } from './stripe-state.js';
import { TEST_CARD_ALIASES } from './test-payment-methods.js';

const TEXTS = {
  en: {
    challengeTitle: 'Confirm it is you',
    challengeHint: 'Your bank asks you to approve this payment (3-D Secure authentication).',
    payment: 'Payment (PaymentIntent)',
    setup: 'Card saved for later (SetupIntent)',
    card: 'Card',
    cardEnding: (last4: string) => `Card ending in ${last4}`,
    status: 'Status',
    complete: 'Complete authentication',
    other: 'Simulate another outcome',
    fail: 'Fail authentication',
    nothingToAuthenticate: 'Nothing left to authenticate.',
    checkout: 'Checkout',
    total: 'Total',
    session: 'This Checkout Session is',
    testCard: 'Test card',
    cardNumber: 'or a card number',
    pay: (amount: string) => `Pay ${amount}`,
    saveTitle: 'Save a card',
    saveHint: 'Your card is saved for later payments; nothing is charged now.',
    save: 'Save card',
    cancel: 'Cancel and return',
    notFound: (what: string) => `No such ${what}.`,
    error: 'Error',
  },
  'zh-CN': {
    challengeTitle: '确认是您本人',
    challengeHint: '发卡行要求您确认本次支付（3-D Secure 验证）。',
    payment: '支付 (PaymentIntent)',
    setup: '保存银行卡以便日后使用 (SetupIntent)',
    card: '银行卡',
    cardEnding: (last4: string) => `尾号 ${last4} 的卡`,
    status: '状态',
    complete: '完成验证',
    other: '模拟其他结果',
    fail: '验证失败',
    nothingToAuthenticate: '无需再验证。',
    checkout: '结账',
    total: '合计',
    session: '此 Checkout Session 状态为',
    testCard: '测试卡',
    cardNumber: '或输入卡号',
    pay: (amount: string) => `支付 ${amount}`,
    saveTitle: '保存银行卡',
    saveHint: '银行卡将保存以便日后支付，现在不扣款。',
    save: '保存银行卡',
    cancel: '取消并返回',
    notFound: (what: string) => `找不到 ${what}。`,
    error: '错误',
  },
} satisfies Record<BuyerLang, unknown>;

/** How a page is asked for: its language, and the language the buyer chose with the switch (kept on forms). */
export interface PageLang {
  lang: BuyerLang;
  chosen: BuyerLang | null;
}

const withLang = (path: string, l: PageLang) => (l.chosen ? `${path}?lang=${l.chosen}` : path);
const money = (amount: number, currency: string, lang: BuyerLang) => majorAmount(amount, currency.toUpperCase(), lang);
const brand = '  <p class="merchant"><strong>Stripe</strong></p>\n';

/** The challenge of a PaymentIntent (with its amount) or of a SetupIntent (no amount: a card saved for later). */
export function challengePage(pi: { id: string; amount: number | null; currency: string | null; last4: string | null; status: string }, l: PageLang): string {
  const tx = TEXTS[l.lang];
  const waiting = pi.status === 'requires_action';
  const amount = pi.amount !== null && pi.currency !== null ? money(pi.amount, pi.currency, l.lang) : undefined;
  const base = `/3ds/${encodeURIComponent(pi.id)}`;
  const actions = waiting
    ? `  <form method="post" action="${withLang(`${base}/complete`, l)}" class="primary-action"><button type="submit" class="pay" id="complete">${esc(tx.complete)}</button></form>
  <details class="other-outcomes">
    <summary>${esc(tx.other)}</summary>
    <form method="post" action="${withLang(`${base}/fail`, l)}" class="fail"><button type="submit" class="secondary" id="fail">${esc(tx.fail)}</button></form>
  </details>`
    : `  <p class="done" role="status">${esc(tx.nothingToAuthenticate)}</p>`;
  return buyerDocument({
    lang: l.lang,
    title: tx.challengeTitle,
    amount,
    kind: 'card stripe',
    content: `${brand}  <h1>${esc(tx.challengeTitle)}</h1>
${amount !== undefined ? `  <p class="amount" id="amount">${esc(amount)}</p>\n` : ''}  <dl class="facts">
    <dt>${label(amount !== undefined ? tx.payment : tx.setup)}</dt><dd><code>${esc(pi.id)}</code></dd>
${pi.last4 ? `    <dt>${esc(tx.card)}</dt><dd>${esc(tx.cardEnding(pi.last4))}</dd>\n` : ''}    <dt>${esc(tx.status)}</dt><dd><strong id="status" data-status="${esc(pi.status)}">${esc(pi.status)}</strong></dd>
  </dl>
  <p class="method"><span class="card-chip" aria-hidden="true"></span>${esc(tx.challengeHint)}</p>
${actions}`,
  });
}

/** The card choices on the hosted page: Stripe's test aliases, each once per number. */
function cardOptions(): string {
  const seen = new Set<string>();
  return TEST_CARD_ALIASES.filter((a) => (seen.has(a.number) ? false : (seen.add(a.number), true)))
    .map((a) => `<option value="pm_card_${esc(a.suffix)}">${esc(a.number)}: ${esc(a.description.replace(/`/g, ''))}</option>`)
    .join('\n');
}

export function checkoutPage(cs: CheckoutSessionDoc, error: string | null, l: PageLang): string {
  const tx = TEXTS[l.lang];
  const head = `${brand}  <h1>${esc(cs.mode === 'setup' ? tx.saveTitle : tx.checkout)}</h1>\n`;
  if (cs.status !== 'open') {
    return buyerDocument({
      lang: l.lang,
      title: tx.checkout,
      kind: 'checkout stripe',
      content: `${head}  <p class="done" role="status">${esc(tx.session)} <strong id="status">${esc(cs.status)}</strong>.</p>`,
    });
  }
  const form = (button: string) => `${error ? `  <p class="error" id="error" role="alert">${esc(error)}</p>\n` : ''}  <form method="post" action="${withLang(`/c/pay/${encodeURIComponent(cs.id)}`, l)}" class="card-form">
    <label for="card">${esc(tx.testCard)}</label>
    <select name="card" id="card">${cardOptions()}</select>
    <label for="card_number">${esc(tx.cardNumber)}</label>
    <input name="card_number" id="card_number" inputmode="numeric" autocomplete="off" placeholder="4242 4242 4242 4242">
    <button type="submit" class="pay" id="pay">${esc(button)}</button>
  </form>
${cs.cancel_url ? `  <p><a class="button" id="cancel" href="${esc(cs.cancel_url)}">${esc(tx.cancel)}</a></p>` : ''}`;
  if (cs.mode === 'setup') {
    return buyerDocument({ lang: l.lang, title: tx.saveTitle, kind: 'checkout stripe', content: `${head}  <p class="method" id="setup">${esc(tx.saveHint)}</p>\n${form(tx.save)}` });
  }
  const total = money(cs.amount_total, cs.currency as string, l.lang);
  const rows = cs.line_items
    .map((li) => `      <tr><td>${esc(li.description)}</td><td class="num">× ${li.quantity}</td><td class="num">${esc(money(li.unit_amount * li.quantity, li.currency, l.lang))}</td></tr>`)
    .join('\n');
  return buyerDocument({
    lang: l.lang,
    title: tx.checkout,
    amount: total,
    kind: 'checkout stripe',
    content: `${head}  <p class="amount" id="amount">${esc(total)}</p>
  <table class="items">
    <tbody>
${rows}
    </tbody>
    <tfoot><tr><th scope="row" colspan="2">${esc(tx.total)}</th><td class="num"><strong id="total">${esc(total)}</strong></td></tr></tfoot>
  </table>
${form(tx.pay(total))}`,
  });
}

/** One line in the shared look: a page not found, or a request Stripe would refuse. */
export function messagePage(l: PageLang, line: (tx: (typeof TEXTS)['en']) => string): string {
  const text = line(TEXTS[l.lang]);
  return buyerDocument({ lang: l.lang, title: text, kind: 'stripe', content: `${brand}  <p class="error" role="alert">${esc(text)}</p>` });
}
