/**
 * The buyer's pages a Stripe integration sends people to: the 3-D Secure challenge behind
 * `next_action.redirect_to_url.url`, and the hosted Checkout page at a session's `url`. Plain HTML forms,
 * so a test can drive them with fetch and a browser test with clicks.
 */
import type { CheckoutSessionDoc } from './stripe-state.js';
import { TEST_CARD_ALIASES } from './test-payment-methods.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}form{display:inline-block;margin:.25rem .5rem .25rem 0}button{font-size:1rem;padding:.5rem 1rem}.error{color:#b00020}table{border-collapse:collapse;margin:1rem 0}td{padding:.25rem .75rem .25rem 0}</style>
</head><body>
<p><small>paycli sandbox: simulated Stripe buyer</small></p>
${body}
</body></html>
`;
}

const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${esc(currency.toUpperCase())}`;

export function challengePage(pi: { id: string; amount: number; currency: string; last4: string | null; status: string }): string {
  const waiting = pi.status === 'requires_action';
  const action = (name: string, label: string) =>
    `<form method="post" action="/3ds/${esc(pi.id)}/${name}"><button type="submit" id="${name}">${label}</button></form>`;
  return layout(
    `3-D Secure: ${pi.id}`,
    `<h1>3-D Secure authentication</h1>
<p>Payment of <strong>${money(pi.amount, pi.currency)}</strong>${pi.last4 ? ` with the card ending ${esc(pi.last4)}` : ''}.</p>
<p>Status: <strong id="status">${esc(pi.status)}</strong></p>
${waiting ? action('complete', 'Complete authentication') + action('fail', 'Fail authentication') : '<p>Nothing left to authenticate.</p>'}`,
  );
}

/** The card choices on the hosted page: Stripe's test aliases, each once per number. */
function cardOptions(): string {
  const seen = new Set<string>();
  return TEST_CARD_ALIASES.filter((a) => (seen.has(a.number) ? false : (seen.add(a.number), true)))
    .map((a) => `<option value="pm_card_${esc(a.suffix)}">${esc(a.number)}: ${esc(a.description.replace(/`/g, ''))}</option>`)
    .join('\n');
}

export function checkoutPage(cs: CheckoutSessionDoc, error: string | null): string {
  const rows = cs.line_items
    .map((li) => `<tr><td>${esc(li.description)}</td><td>× ${li.quantity}</td><td>${money(li.unit_amount * li.quantity, li.currency)}</td></tr>`)
    .join('\n');
  if (cs.status !== 'open') {
    return layout(`Checkout: ${cs.id}`, `<h1>Checkout</h1><p>This Checkout Session is <strong id="status">${esc(cs.status)}</strong>.</p>`);
  }
  return layout(
    `Checkout: ${cs.id}`,
    `<h1>Checkout</h1>
<table>${rows}<tr><td><strong>Total</strong></td><td></td><td><strong id="total">${money(cs.amount_total, cs.currency)}</strong></td></tr></table>
${error ? `<p class="error" id="error">${esc(error)}</p>` : ''}
<form method="post" action="/c/pay/${esc(cs.id)}">
<p><label>Test card <select name="card" id="card">${cardOptions()}</select></label></p>
<p><label>or a card number <input name="card_number" id="card_number" inputmode="numeric" autocomplete="off" placeholder="4242 4242 4242 4242"></label></p>
<button type="submit" id="pay">Pay ${money(cs.amount_total, cs.currency)}</button>
</form>
${cs.cancel_url ? `<p><a id="cancel" href="${esc(cs.cancel_url)}">Cancel and return</a></p>` : ''}`,
  );
}
