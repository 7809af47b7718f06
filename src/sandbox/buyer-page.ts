/**
 * The simulated buyer's page: where a `next_action` URL leads. It shows what the buyer is asked to do and
 * offers the three things a buyer can do: pay or authenticate, fail, or walk away.
 */
import type { Payment } from '../engine/types.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function buyerPage(payment: Payment, prefix: string): string {
  // Only a card payment waiting for authentication is a 3-D Secure page; any other card payment is just shown.
  const m = payment.payment_method;
  const what =
    m.type === 'wallet'
      ? `Pay with ${escape(m.wallet)}`
      : payment.status === 'requires_action'
        ? `3-D Secure authentication for the card ending ${escape(m.card.last4)}`
        : `Card payment with the card ending ${escape(m.card.last4)}`;
  const waiting = payment.status === 'pending' || payment.status === 'requires_action';
  const action = (name: string, label: string) =>
    `<form method="post" action="${prefix}/buyer/${escape(payment.id)}/${name}"><button type="submit">${label}</button></form>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>paycli sandbox: ${escape(payment.id)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}form{display:inline-block;margin-right:.5rem}button{font-size:1rem;padding:.5rem 1rem}</style>
</head><body>
<p><small>paycli sandbox: simulated buyer</small></p>
<h1>${what}</h1>
<p>Order <code>${escape(payment.merchant_order_id)}</code>: <strong>${payment.amount} ${escape(payment.currency)}</strong> (minor units)</p>
<p>Status: <strong id="status">${escape(payment.status)}</strong></p>
${waiting ? action('complete', 'Complete payment') + action('fail', 'Fail') + action('expire', 'Abandon (expire)') : '<p>Nothing left to do for the buyer.</p>'}
</body></html>
`;
}
