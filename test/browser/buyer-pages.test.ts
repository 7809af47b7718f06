/**
 * The simulated buyer's pages in a real browser, on a phone: a wallet payment paid by clicking through the
 * QR page, a 3-D Secure failure with the reason the buyer picked, and the pages in Simplified Chinese.
 */
import { describe, expect, it } from 'vitest';
import { card, closedAfterEach, paymentBody, type Api } from '../helpers/sandbox.js';
import { browserPages, DESKTOP, PHONE } from './browser.js';

const env = closedAfterEach();
const browser = browserPages();

async function create(api: Api, overrides: Record<string, unknown>) {
  const res = await api.call('POST', '/v1/payments', paymentBody(overrides));
  expect(res.status).toBe(201);
  return res.body;
}

describe('buyer pages', () => {
  it('a buyer pays a wallet payment on a phone by clicking through the QR page', async () => {
    const api = await env.sandbox();
    const p = await create(api, { amount: 12800, currency: 'cny', description: 'Green tea, 500 g', payment_method: { type: 'wallet', wallet: 'alipay' } });
    expect(p.next_action.type).toBe('display_qr_code');
    const page = await browser.open(PHONE);
    await page.goto(p.next_action.display_qr_code.data);

    expect(await page.locator('#amount').textContent()).toBe('CN¥128.00');
    const qr = page.getByRole('img', { name: 'QR code to pay with Alipay' });
    // A real image of the payment's code, drawn at a readable size on the phone.
    expect(await qr.evaluate((img: any) => img.complete && img.naturalWidth > 0)).toBe(true);
    const box = (await qr.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(180);
    expect(box.x + box.width).toBeLessThanOrEqual(360);
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    const svg = await (await fetch(`${api.sandbox.url}/_sandbox/buyer/${p.id}/qr.svg`)).text();
    expect(svg).toMatch(/^<svg[^>]+viewBox/);
    await browser.screenshot(page, 'buyer-qr-phone');

    await page.getByRole('button', { name: 'Scan and pay with Alipay' }).tap();
    await page.locator('#status[data-status="succeeded"]').waitFor();
    expect(await page.locator('.done').textContent()).toBe('Nothing left to do for the buyer.');
    expect((await api.call('GET', `/v1/payments/${p.id}`)).body.status).toBe('succeeded');
    expect(browser.problems).toEqual([]);
  });

  it('the buyer fails 3-D Secure with the reason they chose', async () => {
    const api = await env.sandbox();
    const shop = await env.receiver(() => ({ status: 200, body: 'back at the shop' }));
    const p = await create(api, { amount: 4999, payment_method: card('4000002760003184'), return_url: `${shop.url}?back=1` });
    const page = await browser.open(PHONE);
    await page.goto(p.next_action.redirect_to_url.url);
    expect(await page.locator('h1').textContent()).toBe('Confirm it is you');
    expect(await page.locator('#amount').textContent()).toBe('$49.99');
    await page.getByText('Simulate another outcome').click();
    await page.getByLabel('Reason the payment fails').selectOption('insufficient_funds');
    await browser.screenshot(page, 'buyer-3ds-phone');
    // The form posts, and the browser follows the redirect back to the shop's return_url.
    await Promise.all([page.waitForURL(`${shop.url}?back=1`), page.getByRole('button', { name: 'Fail authentication' }).click()]);
    expect(await page.textContent('body')).toBe('back at the shop');
    expect((await api.call('GET', `/v1/payments/${p.id}`)).body).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' });
  });

  it('the keyboard reaches the pay button first, then the other outcomes', async () => {
    const api = await env.sandbox();
    const p = await create(api, { payment_method: { type: 'wallet', wallet: 'paypal' } });
    const page = await browser.open(DESKTOP);
    await page.goto(p.next_action.redirect_to_url.url);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => String((globalThis as any).document.activeElement?.textContent ?? '').trim()));
    }
    expect(order).toEqual(['简体中文', 'Pay with PayPal', 'Simulate another outcome']);
    await browser.screenshot(page, 'buyer-redirect-desktop');
  });

  it('follows a Chinese browser, and the switch changes the language', async () => {
    const api = await env.sandbox();
    const p = await create(api, { amount: 12800, currency: 'cny', payment_method: { type: 'wallet', wallet: 'wechat_pay' } });
    const page = await browser.open({ ...PHONE, locale: 'zh-CN' });
    await page.goto(p.next_action.display_qr_code.data);
    expect(await page.locator('h1').textContent()).toBe('使用微信支付扫码支付');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('#amount').textContent()).toBe('¥128.00');
    await browser.screenshot(page, 'buyer-qr-zh-CN-phone');
    await page.getByRole('link', { name: 'English' }).click();
    await page.locator('h1', { hasText: 'Scan to pay with WeChat Pay' }).waitFor();
    expect(browser.problems).toEqual([]);
  });
});
