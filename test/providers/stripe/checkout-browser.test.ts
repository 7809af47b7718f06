/**
 * Checkout in a real browser: the hosted page, a decline shown on the page, 3-D Secure, and the landing on
 * success_url. Needs Chromium (at /usr/bin/chromium, or PAYCLI_CHROMIUM); without it the test fails and says
 * what to install, as the other browser tests do.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { startStripeSandbox, type StripeSandbox } from './stripe-sandbox.js';

const executablePath = process.env.PAYCLI_CHROMIUM ?? '/usr/bin/chromium';

describe('Checkout in a browser', () => {
  let psp: StripeSandbox;
  let shop: Receiver;
  let browser: Browser;
  let stripe: Stripe;

  beforeAll(async () => {
    if (!existsSync(executablePath)) {
      throw new Error(
        `Chromium is not installed at ${executablePath}, and the browser tests need it. Install it with ` +
          '`apt-get update && apt-get install -y chromium fonts-noto-cjk` (.ci/run does this when it is missing).',
      );
    }
    psp = await startStripeSandbox();
    shop = await startReceiver();
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const url = new URL(psp.url);
    stripe = new Stripe(psp.keys.secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
  });
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await psp?.close();
  });

  const shopUrl = (path: string) => shop.url.replace(/\/webhooks$/, path);

  it('a declined card stays on the page; a 3-D Secure card completes after the challenge and lands on success_url', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 2500, product_data: { name: 'Mug' } }, quantity: 1 }],
      success_url: `${shopUrl('/success')}?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: shopUrl('/cart'),
    });
    const page = await browser.newPage();
    await page.goto(session.url as string);
    expect(await page.textContent('#total')).toBe('$25.00');

    await page.selectOption('#card', 'pm_card_visa_chargeDeclinedInsufficientFunds');
    await page.click('#pay');
    expect(await page.textContent('#error')).toBe('Your card has insufficient funds.');

    await page.selectOption('#card', 'pm_card_authenticationRequired');
    await page.click('#pay');
    await page.waitForURL(/\/3ds\/pi_/);
    await page.click('#complete');
    await page.waitForURL(/\/success\?session_id=/);
    await waitFor(() => shop.requests.some((r) => r.path === `/success?session_id=${session.id}`));
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done.status).toBe('complete');
    expect(done.payment_status).toBe('paid');
    await page.close();
  });

  it('the cancel link goes to cancel_url and leaves the session open', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'Pen' } }, quantity: 3 }],
      success_url: shopUrl('/success'),
      cancel_url: shopUrl('/cart'),
    });
    const page = await browser.newPage();
    await page.goto(session.url as string);
    await page.click('#cancel');
    await page.waitForURL(/\/cart$/);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    await page.close();
  });
});
