/**
 * The Alipay cashier and the WeChat Pay payer pages in a real browser, on a phone, in the look every buyer
 * page shares: paid through alipay-sdk's page.pay link, a WeChat Native order's page and a Stripe Checkout
 * session with a 3-D Secure card, the QR codes real
 * images, amounts in yuan with the currency, Chinese following the browser; and each provider's own bill
 * downloaded from the dashboard's reconciliation page.
 */
import { readFileSync } from 'node:fs';
import { AlipaySdk } from 'alipay-sdk';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlipayCreds } from '../../src/providers/alipay/credentials.js';
import type { StripeCredentials } from '../../src/providers/stripe/index.js';
import { chinaDate } from '../../src/providers/alipay/format.js';
import type { WechatpayCredentials } from '../../src/providers/wechatpay/credentials.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { startReceiver, type Receiver } from '../helpers/sandbox.js';
import { sdkConfig } from '../providers/alipay/sdk-flows.js';
import { axiosClient } from '../providers/wechatpay/harness.js';
import { browserPages, DESKTOP, PHONE } from './browser.js';

const browser = browserPages();
let sandbox: Sandbox;
let shop: Receiver;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['alipay', 'wechatpay', 'stripe'] });
  shop = await startReceiver();
});
afterAll(async () => {
  await sandbox?.close();
  await shop?.close();
});

const alipaySdk = () => {
  const ali = sandbox.providers.alipay!;
  return new AlipaySdk(sdkConfig({ gateway: String(ali.description.gateway), endpoint: ali.url, creds: ali.credentials as AlipayCreds, settle: async () => {}, close: async () => {} }, 'pkcs8'));
};

const wechat = () => {
  const wx = sandbox.providers.wechatpay!;
  const creds = wx.credentials as WechatpayCredentials;
  return { url: wx.url, creds, client: axiosClient({ url: wx.url, creds }, 'public-key') };
};

async function nativeOrder(outTradeNo: string, total: number) {
  const { creds, client } = wechat();
  const { data } = await client.v3.pay.transactions.native.post({ appid: creds.appid, mchid: creds.mchid, description: 'Green tea, 500 g', out_trade_no: outTradeNo, notify_url: shop.url, amount: { total } });
  return new URL(data.code_url as string).searchParams.get('pr')!;
}

const scrollWidth = (page: { evaluate: (f: () => number) => Promise<number> }) => page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth);

describe('provider buyer pages', () => {
  it('a buyer pays at the Alipay cashier on a phone and returns to the shop with the signed parameters', async () => {
    const sdk = alipaySdk();
    const outTradeNo = `CASHIER${Date.now()}`;
    const url = sdk.pageExecute('alipay.trade.page.pay', 'GET', {
      bizContent: { outTradeNo, totalAmount: '66.00', subject: 'Green tea, 500 g', productCode: 'FAST_INSTANT_TRADE_PAY' },
      returnUrl: `${shop.url}?from=cashier`,
      notifyUrl: shop.url,
    });
    const page = await browser.open(PHONE);
    await page.goto(url);

    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('#amount').textContent()).toBe('CN¥66.00');
    expect(await page.locator('#status').getAttribute('data-status')).toBe('WAIT_BUYER_PAY');
    const qr = page.getByRole('img', { name: 'QR code to pay with the Alipay app' });
    expect(await qr.evaluate((img: any) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect((await qr.boundingBox())!.width).toBeGreaterThanOrEqual(180);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
    // The shared stylesheet, served by the provider's own port.
    expect(await page.locator('.sheet').evaluate((el: any) => (globalThis as any).getComputedStyle(el).backgroundColor)).toBe('rgb(255, 255, 255)');
    await browser.screenshot(page, 'alipay-cashier-phone');

    // The keyboard reaches the pay button before the other outcomes.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.id)).toBe('pay');

    await page.locator('#pay').tap();
    await page.waitForURL((u) => u.href.startsWith(shop.url));
    const back = new URL(page.url());
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ from: 'cashier', out_trade_no: outTradeNo, total_amount: '66.00', method: 'alipay.trade.page.pay.return' });
    const { from: _shopParam, ...signed } = Object.fromEntries(back.searchParams);
    expect(sdk.checkNotifySignV2(signed)).toBe(true);
    const q = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo } }, { validateSign: true });
    expect(q.tradeStatus).toBe('TRADE_SUCCESS');
    expect(browser.problems).toEqual([]);
  });

  it('a payer scans a WeChat Native code and pays on a phone', async () => {
    const outTradeNo = `NATIVE${Date.now()}`;
    const code = await nativeOrder(outTradeNo, 1999);
    const { url, client, creds } = wechat();
    const page = await browser.open(PHONE);
    await page.goto(`${url}/pay/${code}`);

    expect(await page.locator('#amount').textContent()).toBe('CN¥19.99');
    expect(await page.locator('#trade_state').getAttribute('data-state')).toBe('NOTPAY');
    const qr = page.getByRole('img', { name: 'QR code to pay with WeChat' });
    expect(await qr.evaluate((img: any) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect((await qr.boundingBox())!.width).toBeGreaterThanOrEqual(180);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
    await browser.screenshot(page, 'wechatpay-native-phone');

    await page.getByRole('button', { name: 'Pay', exact: true }).tap();
    await page.locator('#trade_state[data-state="SUCCESS"]').waitFor();
    expect(await page.locator('.done').textContent()).toBe('Nothing left to do for the payer.');
    const { data } = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: creds.mchid }, out_trade_no: outTradeNo });
    expect(data.trade_state).toBe('SUCCESS');
    await browser.screenshot(page, 'wechatpay-native-paid-phone');
    expect(browser.problems).toEqual([]);
  });

  it('follows a Chinese browser, and the switch changes the language and keeps it through the payer’s action', async () => {
    const outTradeNo = `NATIVEZH${Date.now()}`;
    const code = await nativeOrder(outTradeNo, 880);
    const page = await browser.open({ ...PHONE, locale: 'zh-CN' });
    await page.goto(`${wechat().url}/pay/${code}`);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('#amount').textContent()).toBe('¥8.80');
    await page.getByRole('img', { name: '微信支付二维码' }).waitFor();
    await browser.screenshot(page, 'wechatpay-native-zh-CN-phone');

    await page.getByRole('link', { name: 'English' }).tap();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByText('Simulate another outcome').tap();
    await page.locator('#expire').tap();
    await page.locator('#trade_state[data-state="CLOSED"]').waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(browser.problems).toEqual([]);
  });

  it('a buyer pays a Stripe Checkout session on a phone through the 3-D Secure challenge', async () => {
    const served = sandbox.providers.stripe!;
    const url = new URL(served.url);
    const stripe = new Stripe((served.credentials as StripeCredentials).secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
    const shopBase = shop.url.replace(/\/webhooks$/, '');
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 1250, product_data: { name: 'Mug' } }, quantity: 2 }],
      success_url: `${shopBase}/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${shopBase}/cart`,
    });
    const page = await browser.open(PHONE);
    await page.goto(session.url as string);
    expect(await page.locator('#total').textContent()).toBe('$25.00');
    expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
    await page.locator('#card').selectOption('pm_card_authenticationRequired');
    await browser.screenshot(page, 'stripe-checkout-phone');
    await page.getByRole('button', { name: 'Pay $25.00' }).tap();
    await page.waitForURL(/\/3ds\/pi_/);
    expect(await page.locator('#amount').textContent()).toBe('$25.00');
    expect(await scrollWidth(page)).toBeLessThanOrEqual(360);
    await browser.screenshot(page, 'stripe-3ds-phone');
    await page.locator('#complete').tap();
    await page.waitForURL((u) => u.pathname === '/success');
    expect((await stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('paid');
    expect(browser.problems).toEqual([]);
  });

  it("the reconciliation page offers the provider's own bill for the day", async () => {
    const outTradeNo = `RECON${Date.now()}`;
    await nativeOrder(outTradeNo, 4200);
    const paid = await fetch(`${sandbox.url}/_sandbox/buyer/${outTradeNo}/complete`, { method: 'POST' });
    expect(paid.status).toBe(200);
    const day = chinaDate(Date.now());
    const page = await browser.open(DESKTOP);
    await page.goto(`${sandbox.url}/#/reconciliation?date=${day}&provider=wechatpay`);
    const link = page.locator('[data-testid="provider-bill"]');
    expect(await link.textContent()).toBe('Download the wechatpay bill');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`tradebill-${wechat().creds.mchid}-${day}.csv`);
    expect(readFileSync((await download.path())!, 'utf8')).toContain(`\`${outTradeNo}`);
    await browser.screenshot(page, 'dashboard-reconciliation-provider-bill-desktop');

    // A provider without bills of its own offers none.
    await page.goto(`${sandbox.url}/#/reconciliation?date=${day}&provider=paycli`);
    await page.locator('[data-testid="csv"]').waitFor();
    expect(await page.locator('[data-testid="provider-bill"]').count()).toBe(0);
    expect(browser.problems).toEqual([]);
  });
});
