/**
 * The dashboard in a real browser: live list, a delivery's request and response, resend, refund and chaos
 * from the UI changing the sandbox, analytics agreeing with the API, the zh-CN switch, and screenshots.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { closedAfterEach, paymentBody, card, waitFor, type Api } from '../helpers/sandbox.js';
import { browserPages, PHONE } from './browser.js';

const env = closedAfterEach();
const browser = browserPages();

async function openDashboard(api: Api, route = 'payments', options?: Parameters<typeof browser.open>[0]): Promise<Page> {
  const page = await browser.open(options);
  await page.goto(`${api.sandbox.url}/#/${route}`);
  await page.locator('#live[data-state="open"]').waitFor();
  return page;
}

async function create(api: Api, overrides: Record<string, unknown> = {}) {
  const res = await api.call('POST', '/v1/payments', paymentBody(overrides));
  expect(res.status).toBe(201);
  return res.body;
}

describe('dashboard', () => {
  it('a payment created through the API appears in the list without a reload', async () => {
    const api = await env.sandbox();
    await create(api, { merchant_order_id: 'order_before' });
    const page = await openDashboard(api);
    await page.locator('tr[data-id]').first().waitFor();
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));

    const p = await create(api, { merchant_order_id: 'order_live_1', amount: 4250 });
    const row = page.locator(`tr[data-id="${p.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('order_live_1');
    expect(await row.textContent()).toContain('$42.50');
    expect(await page.locator('tr[data-id]').first().getAttribute('data-id')).toBe(p.id);
    expect(navigations).toEqual([]);
    expect(browser.problems).toEqual([]);
  });

  it('filters run on the server and combine', async () => {
    const api = await env.sandbox();
    await create(api, { merchant_order_id: 'keep_me_ok' });
    await create(api, { merchant_order_id: 'keep_me_declined', payment_method: card('4000000000000002') });
    await create(api, { merchant_order_id: 'other_declined', payment_method: card('4000000000000002') });
    const page = await openDashboard(api, 'payments?status=failed');
    await page.locator('tr[data-id]').first().waitFor();
    expect(await page.locator('tr[data-id] td:first-child').allTextContents()).toEqual(['other_declined', 'keep_me_declined']);
    await page.getByLabel('Order number').fill('keep');
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('tr[data-id]').length === 1);
    expect(await page.locator('tr[data-id] td:first-child').allTextContents()).toEqual(['keep_me_declined']);
    expect(page.url()).toContain('order=keep');
  });

  it('a payment page shows each delivery with the exact request sent and the response', async () => {
    const api = await env.sandbox();
    const receiver = await env.receiver(() => ({ status: 200, body: 'thanks from the app' }));
    const p = await create(api, { notify_url: receiver.url });
    await waitFor(() => receiver.requests.length === 2);
    const page = await openDashboard(api, `payments/${p.id}`);

    const delivery = page.locator('.delivery').filter({ hasText: 'payment.succeeded' });
    const request = await delivery.locator('details.attempt[open] pre.request').textContent();
    const sent = receiver.requests.find((r) => r.headers['webhook-id'] !== undefined && r.body.includes('"payment.succeeded"'))!;
    expect(request).toContain(`POST ${receiver.url}`);
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) expect(request).toContain(`${name}: ${sent.headers[name]}`);
    expect(request).toContain(JSON.stringify(JSON.parse(sent.body), null, 2));
    const response = await delivery.locator('details.attempt[open] pre.response').textContent();
    expect(response).toMatch(/^HTTP 200 · \d+ ms\n\nthanks from the app$/);
    expect(await page.locator('.timeline li').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('Event payment.created'), expect.stringContaining('Notification #1 of payment.succeeded to notify_url: HTTP 200')]),
    );
    await browser.screenshot(page, 'dashboard-payment-desktop');
    expect(browser.problems).toEqual([]);
  });

  it('resend and refund from the dashboard change the sandbox', async () => {
    const api = await env.sandbox();
    const receiver = await env.receiver();
    const p = await create(api, { notify_url: receiver.url, amount: 5000 });
    await waitFor(() => receiver.requests.length === 2);
    const page = await openDashboard(api, `payments/${p.id}`);
    const succeededEvent = (await api.call('GET', `/v1/events?payment_id=${p.id}&type=payment.succeeded`)).body.data[0];

    await page.locator(`button[data-testid="resend"][data-event="${succeededEvent.id}"]`).click();
    await waitFor(() => receiver.requests.length === 3);
    expect(receiver.requests[2]!.headers['webhook-id']).toBe(succeededEvent.id);
    // The page shows the new delivery and its attempt live.
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('.delivery details.attempt').length === 3);

    await page.getByLabel('Amount (USD)').fill('12.34');
    await page.locator('button[data-testid="refund"]').click();
    await page.locator('#payment-refunded', { hasText: '$12.34' }).waitFor();
    const after = (await api.call('GET', `/v1/payments/${p.id}`)).body;
    expect(after.amount_refunded).toBe(1234);
    const refunds = (await api.call('GET', `/v1/refunds?payment_id=${p.id}`)).body.data;
    expect(refunds.map((r: { amount: number; status: string }) => [r.amount, r.status])).toEqual([[1234, 'succeeded']]);
    expect(browser.problems).toEqual([]);
  });

  it('shows what is scheduled next, and cancels the pending retries', async () => {
    const api = await env.sandbox({ retryScheduleMs: [3_600_000] });
    const receiver = await env.receiver(() => ({ status: 503, body: 'down for maintenance' }));
    const p = await create(api, { notify_url: receiver.url, capture_method: 'manual' });
    await waitFor(() => receiver.requests.length === 2);
    const page = await openDashboard(api, `payments/${p.id}`);
    await page.locator('.timeline li.scheduled').first().waitFor();
    const [pending] = (await api.call('GET', '/_sandbox/deliveries?status=pending')).body.data;
    const card = page.locator(`.delivery[data-delivery="${pending.id}"]`);
    expect(await card.locator('.next-attempt').textContent()).toContain('Next attempt');

    await card.locator('button[data-testid="cancel-retries"]').click();
    await card.getByText('Retries canceled').waitFor();
    const stopped = (await api.call('GET', `/_sandbox/deliveries?event_id=${pending.event_id}`)).body.data.find((d: { id: string }) => d.id === pending.id);
    expect(stopped).toMatchObject({ status: 'failed', next_attempt_at: null, canceled_at: expect.any(Number) });
    expect(browser.problems).toEqual([]);
  });

  it('capture and cancel from the dashboard', async () => {
    const api = await env.sandbox();
    const held = await create(api, { capture_method: 'manual', amount: 8000 });
    const page = await openDashboard(api, `payments/${held.id}`);
    await page.getByLabel('Amount (USD)').fill('60');
    await page.locator('button[data-testid="capture"]').click();
    await page.locator('.summary [data-status="succeeded"]').waitFor();
    expect((await api.call('GET', `/v1/payments/${held.id}`)).body).toMatchObject({ status: 'succeeded', amount_captured: 6000 });

    const waiting = await create(api, { payment_method: { type: 'wallet', wallet: 'paypal' } });
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${api.sandbox.url}/#/payments/${waiting.id}`);
    expect(await page.locator('a[data-testid="buyer"]').getAttribute('href')).toBe(`/_sandbox/buyer/${waiting.id}`);
    await page.locator('button[data-testid="cancel"]').click();
    await page.locator('.summary [data-status="canceled"]').waitFor();
    expect((await api.call('GET', `/v1/payments/${waiting.id}`)).body.status).toBe('canceled');
  });

  it('chaos armed in the UI shapes the next notification', async () => {
    const api = await env.sandbox();
    const receiver = await env.receiver();
    const page = await openDashboard(api, 'chaos');
    await page.getByLabel('Behaviour').selectOption('duplicate');
    await page.getByLabel('Extra copies').fill('2');
    await page.getByLabel('Only order number').fill('order_chaos');
    await page.locator('button[data-testid="arm"]').click();
    await page.locator('#chaos-armed li[data-rule]').waitFor();
    expect(await page.locator('#chaos-armed').textContent()).toContain('Duplicate ×2');
    await browser.screenshot(page, 'dashboard-chaos-desktop');

    const p = await create(api, { merchant_order_id: 'order_chaos', notify_url: receiver.url });
    // payment.created three times (the notification and two copies), then payment.succeeded once.
    await waitFor(() => receiver.requests.length === 4);
    const created = (await api.call('GET', `/v1/events?payment_id=${p.id}&type=payment.created`)).body.data[0];
    expect(receiver.requests.filter((r) => r.headers['webhook-id'] === created.id)).toHaveLength(3);
    // The rule was for one notification: it is used up, and the page says so.
    await page.locator('#chaos-armed li.muted').waitFor();
    expect((await api.call('GET', '/_sandbox/chaos')).body.data).toEqual([]);

    // Two rules armed; one disarmed from the page, the other stays.
    await page.getByLabel('Behaviour').selectOption('drop');
    await page.locator('button[data-testid="arm"]').click();
    await page.getByLabel('Behaviour').selectOption('tampered');
    await page.locator('button[data-testid="arm"]').click();
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#chaos-armed li[data-rule]').length === 2);
    await page.locator('#chaos-armed li[data-rule]').first().locator('button[data-testid="disarm-one"]').click();
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#chaos-armed li[data-rule]').length === 1);
    const left = (await api.call('GET', '/_sandbox/chaos')).body.data;
    expect(left.map((r: { chaos: { probe?: string } }) => r.chaos.probe)).toEqual(['tampered']);
  });

  it('the analytics match figures computed from the API', async () => {
    const api = await env.sandbox();
    const receiver = await env.receiver((_r, i) => ({ status: i % 4 === 0 ? 500 : 200 }));
    const made = [
      ...(await Promise.all([1, 2, 3, 4].map(() => create(api, { notify_url: receiver.url })))),
      await create(api, { payment_method: card('4000000000000002'), notify_url: receiver.url }),
      await create(api, { payment_method: card('4000000000009995') }),
      await create(api, { payment_method: { type: 'wallet', wallet: 'alipay' } }),
      await create(api, { payment_method: { type: 'wallet', wallet: 'wechat_pay' }, currency: 'cny' }),
    ];
    await api.call('POST', '/v1/refunds', { payment_id: made[0].id, amount: 500 });
    await waitFor(() => receiver.requests.length >= 11);

    // Everything, from the public API, paged.
    const payments: any[] = [];
    for (let after: string | null = null; ; ) {
      const page: any = (await api.call('GET', `/v1/payments?limit=100${after ? `&starting_after=${after}` : ''}`)).body;
      payments.push(...page.data);
      if (!page.has_more) break;
      after = page.next_cursor;
    }
    const n = (status: string) => payments.filter((p) => p.status === status).length;
    const authorised = n('succeeded') + n('requires_capture');
    const expected = {
      total: payments.length,
      success: authorised / (authorised + n('failed')),
      refund: payments.filter((p) => p.amount_refunded > 0).length / n('succeeded'),
      captured: payments.filter((p) => p.currency === 'USD').reduce((s, p) => s + p.amount_captured, 0),
      declines: Object.entries(payments.filter((p) => p.status === 'failed').reduce((m: Record<string, number>, p) => ({ ...m, [p.failure_code]: (m[p.failure_code] ?? 0) + 1 }), {})),
    };
    const stats = (await api.call('GET', '/_dashboard/api/stats')).body;
    expect(stats.payments.total).toBe(expected.total);
    expect(stats.success_rate).toBeCloseTo(expected.success, 10);
    expect(stats.refunds.refund_rate).toBeCloseTo(expected.refund, 10);
    expect(stats.amounts.find((a: { currency: string }) => a.currency === 'USD').captured).toBe(expected.captured);
    expect(stats.decline_reasons.map((d: { code: string; count: number }) => [d.code, d.count]).sort()).toEqual(expected.declines.sort());
    expect(stats.methods).toEqual([
      { method: 'card', count: 6 },
      { method: 'alipay', count: 1 },
      { method: 'wechat_pay', count: 1 },
    ]);

    const page = await openDashboard(api, 'analytics');
    const tile = (id: string) => page.locator(`[data-testid="${id}"] .value`).textContent();
    const pct = (r: number) => new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 }).format(r);
    expect(await tile('payments')).toBe(String(expected.total));
    expect(await tile('success-rate')).toBe(pct(expected.success));
    expect(await tile('refund-rate')).toBe(pct(expected.refund));
    expect(await tile('captured')).toContain(new Intl.NumberFormat('en', { style: 'currency', currency: 'USD' }).format(expected.captured / 100));
    expect(await page.locator('canvas#chart-volume').count()).toBe(1);
    await browser.screenshot(page, 'dashboard-analytics-desktop');

    // Incremental: one more payment is counted without reloading anything.
    await create(api);
    await page.locator('[data-testid="payments"] .value', { hasText: String(expected.total + 1) }).waitFor();
    expect(browser.problems).toEqual([]);
  });

  it('settings: fees are saved; the retry schedule is shown; credentials are masked until revealed', async () => {
    const api = await env.sandbox({ retryScheduleMs: [1_000, 90_000] });
    const page = await openDashboard(api, 'settings');
    expect(await page.locator('[data-provider="paycli"] .retry-schedule li').allTextContents()).toEqual(['#2: +1s', '#3: +1m30s']);
    await page.getByLabel('Percentage (basis points)').fill('150');
    await page.getByLabel('Fixed fee (minor units)').fill('0');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#toast', { hasText: 'Settings saved' }).waitFor();
    expect((await api.call('GET', '/_sandbox/merchant')).body.fees).toEqual({ percent_bps: 150, fixed: 0 });

    const secret = page.locator('[data-provider="paycli"] .cred', { hasText: 'secret_key' });
    expect(await secret.locator('code').textContent()).not.toContain(api.sandbox.merchant.secret_key);
    await secret.getByRole('button', { name: 'Show' }).click();
    expect(await secret.locator('code').textContent()).toBe(api.sandbox.merchant.secret_key);
    expect(await page.locator('[data-provider="paycli"] pre').textContent()).toContain(`${api.sandbox.url}/v1`);
    expect(browser.problems).toEqual([]);
  });

  it('the zh-CN switch changes the texts, and the choice is remembered', async () => {
    const api = await env.sandbox();
    await create(api);
    const page = await openDashboard(api);
    expect(await page.locator('h1').textContent()).toBe('Payments');
    await page.locator('#lang').selectOption('zh-CN');
    await page.locator('h1', { hasText: '支付' }).waitFor();
    expect(await page.locator('#nav a[data-route="analytics"]').textContent()).toBe('数据分析');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('tr[data-id] .badge').first().textContent()).toBe('成功');
    await page.reload();
    await page.locator('h1', { hasText: '支付' }).waitFor();
    await browser.screenshot(page, 'dashboard-payments-zh-CN-desktop');
  });

  it('follows a Chinese browser without a switch', async () => {
    const api = await env.sandbox();
    const page = await browser.open({ locale: 'zh-CN' });
    await page.goto(`${api.sandbox.url}/#/chaos`);
    await page.locator('h1', { hasText: '回调混沌' }).waitFor();
  });

  it('screenshots of the main pages at desktop and phone widths', async () => {
    const api = await env.sandbox();
    const receiver = await env.receiver((_r, i) => ({ status: i % 3 === 0 ? 503 : 200 }));
    const cards = ['4242424242424242', '4000000000000002', '4000000000009995', '4242424242424242'];
    let last = null;
    for (let i = 0; i < 14; i++) {
      const method = i % 5 === 4 ? { type: 'wallet', wallet: ['alipay', 'wechat_pay', 'paypal'][i % 3] } : card(cards[i % cards.length]!);
      last = await create(api, { amount: 1200 + i * 315, merchant_order_id: `order_${2000 + i}`, payment_method: method, notify_url: receiver.url, currency: i % 6 === 0 ? 'eur' : 'usd' });
    }
    await waitFor(() => receiver.requests.length >= 20);
    for (const [size, options] of [['desktop', undefined], ['phone', PHONE]] as const) {
      const page = await openDashboard(api, 'payments', options);
      await page.locator('tr[data-id]').first().waitFor();
      await browser.screenshot(page, `dashboard-payments-${size}`);
      if (size === 'phone') expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBe(360);
      for (const route of ['analytics', 'settings', 'reconciliation', `payments/${last.id}`]) {
        await page.goto(`${api.sandbox.url}/#/${route}`);
        await page.locator('main h1, main .summary').first().waitFor();
        await browser.screenshot(page, `dashboard-${route.startsWith('payments/') ? 'payment' : route}-${size}`);
        // Nothing is wider than a phone's screen.
        if (size === 'phone') expect([route, await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)]).toEqual([route, 360]);
      }
    }
    expect(browser.problems).toEqual([]);
  });
});
