/**
 * The dashboard's HTTP side without a browser: its page and files, the list paged on the server, bad input
 * as 4xx naming the field, and state changes refused unless they come from the dashboard itself.
 */
import { describe, expect, it } from 'vitest';
import { card, closedAfterEach, paymentBody } from '../helpers/sandbox.js';

const env = closedAfterEach();
const API = '/_dashboard/api';

describe('dashboard HTTP', () => {
  it('serves the page at / and its files from the package, with no inline script or style', async () => {
    const api = await env.sandbox();
    const page = await fetch(`${api.sandbox.url}/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/_dashboard/assets/app.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    for (const [name, type] of [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['app.css', 'text/css; charset=utf-8'],
      ['chart.umd.min.js', 'text/javascript; charset=utf-8'],
    ]) {
      const res = await fetch(`${api.sandbox.url}/_dashboard/assets/${name}`);
      expect([res.status, res.headers.get('content-type')]).toEqual([200, type]);
    }
    const missing = await api.call('GET', '/_dashboard/assets/..%2Fstats.ts');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'route_not_found']);
  });

  it('lists payments newest first, a page at a time, filtered on the server', async () => {
    const api = await env.sandbox();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const method = i % 3 === 2 ? card('4000000000000002') : card('4242424242424242');
      ids.push((await api.call('POST', '/v1/payments', paymentBody({ merchant_order_id: `ord_${i}`, payment_method: method }))).body.id);
    }
    const first = (await api.call('GET', `${API}/payments?limit=3`, undefined, { key: null })).body;
    expect(first.data.map((p: { id: string }) => p.id)).toEqual([ids[6], ids[5], ids[4]]);
    expect(first).toMatchObject({ has_more: true, next_cursor: ids[4] });
    expect(first.data[0]).toEqual({
      id: ids[6],
      provider: 'paycli',
      merchant_order_id: 'ord_6',
      amount: 2000,
      currency: 'USD',
      status: 'succeeded',
      method: 'card',
      amount_refunded: 0,
      failure_code: null,
      created: expect.any(Number),
    });
    const second = (await api.call('GET', `${API}/payments?limit=3&starting_after=${first.next_cursor}`)).body;
    expect(second.data.map((p: { id: string }) => p.id)).toEqual([ids[3], ids[2], ids[1]]);
    const failed = (await api.call('GET', `${API}/payments?status=failed`)).body;
    expect(failed.data.map((p: { merchant_order_id: string }) => p.merchant_order_id)).toEqual(['ord_5', 'ord_2']);
    const byOrder = (await api.call('GET', `${API}/payments?order=ORD_4`)).body;
    expect(byOrder.data.map((p: { id: string }) => p.id)).toEqual([ids[4]]);
  });

  it('answers bad input with a 4xx naming the field', async () => {
    const api = await env.sandbox();
    for (const [path, param] of [
      ['/payments?limit=0', 'limit'],
      ['/payments?status=paid', 'status'],
      ['/payments?from=yesterday', 'from'],
      ['/payments?colour=red', 'colour'],
      ['/stats?since=-1', 'since'],
    ]) {
      const res = await api.call('GET', API + path);
      expect([res.status, res.body.error.param]).toEqual([400, param]);
    }
    expect((await api.call('GET', `${API}/payments/pay_nope`)).status).toBe(404);
    const p = (await api.call('POST', '/v1/payments', paymentBody({ capture_method: 'manual' }))).body;
    const refund = await api.call('POST', `${API}/payments/${p.id}/refund`, {});
    expect([refund.status, refund.body.error.code]).toEqual([409, 'invalid_state']);
    const capture = await api.call('POST', `${API}/payments/${p.id}/capture`, { amount: 'all' });
    expect([capture.status, capture.body.error.param]).toEqual([400, 'amount']);
    const unarmed = await api.call('DELETE', `${API}/chaos/chaos_99`);
    expect([unarmed.status, unarmed.body.error.code]).toEqual([404, 'resource_missing']);
    const settlement = await api.call('GET', `${API}/settlements/2026-02-30`);
    expect([settlement.status, settlement.body.error.param]).toEqual([400, 'date']);
  });

  it('refuses state changes from another site, and bodies that are not JSON', async () => {
    const api = await env.sandbox();
    const p = (await api.call('POST', '/v1/payments', paymentBody({ capture_method: 'manual' }))).body;
    const path = `${API}/payments/${p.id}/cancel`;
    const crossOrigin = await api.call('POST', path, {}, { key: null, headers: { origin: 'http://evil.example' } });
    expect([crossOrigin.status, crossOrigin.body.error.code]).toEqual([403, 'cross_origin_refused']);
    const crossSite = await api.call('POST', path, {}, { key: null, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    const form = await api.call('POST', path, undefined, { key: null, raw: 'a=1', headers: { 'content-type': 'text/plain', origin: api.sandbox.url } });
    expect(form.status).toBe(415);
    expect((await api.call('GET', `/v1/payments/${p.id}`)).body.status).toBe('requires_capture');

    const own = await api.call('POST', path, {}, { key: null, headers: { origin: api.sandbox.url, 'sec-fetch-site': 'same-origin' } });
    expect([own.status, own.body.status]).toEqual([200, 'canceled']);
  });

  it("reconciliation: a day's report, whole or one provider's, as JSON and CSV", async () => {
    const api = await env.sandbox();
    const p = (await api.call('POST', '/v1/payments', paymentBody({ amount: 10_000 }))).body;
    await api.call('POST', '/v1/refunds', { payment_id: p.id, amount: 2_500 });
    const date = new Date(p.created * 1000).toISOString().slice(0, 10);
    const all = (await api.call('GET', `${API}/settlements/${date}`)).body;
    expect(all).toEqual({ ...(await api.call('GET', `/v1/settlements/${date}`)).body, provider: null, provider_bill_url: null });
    expect(all.totals).toEqual([expect.objectContaining({ currency: 'USD', payment_count: 1, refund_count: 1, refund_amount: 2_500 })]);
    const native = (await api.call('GET', `${API}/settlements/${date}?provider=paycli`)).body;
    expect(native).toEqual({ ...all, provider: 'paycli' });
    const other = (await api.call('GET', `${API}/settlements/${date}?provider=stripe`)).body;
    expect([other.rows, other.totals]).toEqual([[], []]);
    const csv = await fetch(`${api.sandbox.url}${API}/settlements/${date}?format=csv&provider=paycli`);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="settlement-paycli-${date}.csv"`);
    expect((await csv.text()).split('\n')[0]).toBe('time,type,payment_id,refund_id,merchant_order_id,currency,amount,fee,net');
  });

  it("settings list each served provider's credentials (secrets flagged), key files and retry schedule", async () => {
    const api = await env.sandbox({ retryScheduleMs: [1_000, 5_000] });
    const settings = (await api.call('GET', `${API}/settings`)).body;
    const paycli = settings.providers.find((p: { name: string }) => p.name === 'paycli');
    expect(paycli).toMatchObject({ title: 'paycli (native API)', base_url: `${api.sandbox.url}/v1`, retry_schedule_ms: [1_000, 5_000] });
    expect(paycli.credentials).toEqual(
      expect.arrayContaining([
        { name: 'secret_key', value: api.sandbox.merchant.secret_key, secret: true },
        { name: 'webhook_secret', value: api.sandbox.merchant.webhook_secret, secret: true },
        { name: 'publishable_key', value: api.sandbox.merchant.publishable_key, secret: false },
      ]),
    );
    expect(paycli.snippet).toContain(`const PSP_URL = '${api.sandbox.url}/v1';`);
    const missing = await api.call('GET', `${API}/providers/paycli/files/..%2F..%2Fetc%2Fpasswd`);
    expect([missing.status, missing.body.error.param]).toEqual([404, 'file']);
  });

  it('streams which payments change', async () => {
    const api = await env.sandbox();
    const controller = new AbortController();
    const res = await fetch(`${api.sandbox.url}${API}/stream`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    await reader.read(); // the retry line: the subscription is in place
    const p = (await api.call('POST', '/v1/payments', paymentBody())).body;
    let text = '';
    while (!text.includes('payment.succeeded')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain(`event: event\ndata: {"id":"evt_`);
    expect(text).toContain(`"type":"payment.created","payment_id":"${p.id}"`);
    controller.abort();
  });
});
