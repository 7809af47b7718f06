/**
 * The sandbox is safe to run beside a web browser: requests addressed to a name it is not known by are
 * refused (DNS rebinding), state-changing requests from another origin's page are refused (CSRF, e.g. a
 * form completing a 3-D Secure payment), and its pages cannot be framed or sniffed. Scripts (no Origin
 * header) are unaffected.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { card, closedAfterEach, paymentBody, type Api } from '../helpers/sandbox.js';

const env = closedAfterEach();

/** A raw request, so the Host header can be anything (fetch sets it from the URL). */
function raw(api: Api, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(api.sandbox.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function threeDSecurePayment(api: Api): Promise<string> {
  const res = await api.call('POST', '/v1/payments', paymentBody({ payment_method: card('4000002760003184') }));
  expect(res.body.status).toBe('requires_action');
  return res.body.id as string;
}

describe('the Host check (DNS rebinding)', () => {
  it('refuses a request addressed to a name the sandbox is not known by, with a 403 naming the way out', async () => {
    const api = await env.sandbox();
    const res = await raw(api, 'GET', '/v1/payments', { host: 'evil.example:4242', authorization: `Bearer ${api.sandbox.merchant.secret_key}` });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'host_not_allowed', param: 'Host', hint: expect.stringContaining('--allow-host evil.example') });
  });

  it('answers localhost, 127.0.0.1, [::1] and the names given with allowHosts', async () => {
    const api = await env.sandbox({ allowHosts: ['shop.test'] });
    const port = new URL(api.sandbox.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `app.localhost:${port}`, `shop.test:${port}`, 'SHOP.TEST.']) {
      const res = await raw(api, 'GET', '/_sandbox/health', { host });
      expect(res.status, host).toBe(200);
    }
    expect((await raw(api, 'GET', '/_sandbox/health', { host: 'shop.test.evil.example' })).status).toBe(403);
  });
});

describe('cross-origin writes (CSRF)', () => {
  it('refuses a form post to complete a 3-D Secure payment from another site, and the payment is unchanged', async () => {
    const api = await env.sandbox();
    const id = await threeDSecurePayment(api);
    const form = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
    const fromOrigin = await raw(api, 'POST', `/_sandbox/buyer/${id}/complete`, { ...form, origin: 'http://evil.example' }, '');
    expect(fromOrigin.status).toBe(403);
    expect(JSON.parse(fromOrigin.body).error.code).toBe('cross_origin_refused');
    const fromSite = await raw(api, 'POST', `/_sandbox/buyer/${id}/complete`, { ...form, 'sec-fetch-site': 'cross-site' }, '');
    expect(fromSite.status).toBe(403);
    const nullOrigin = await raw(api, 'POST', `/_sandbox/buyer/${id}/complete`, { ...form, origin: 'null' }, '');
    expect(nullOrigin.status).toBe(403);
    expect((await api.call('GET', `/v1/payments/${id}`)).body.status).toBe('requires_action');
  });

  it("accepts the buyer page's own form (same origin) and scripts without an Origin header", async () => {
    const api = await env.sandbox();
    const id = await threeDSecurePayment(api);
    const own = await raw(api, 'POST', `/_sandbox/buyer/${id}/complete`, {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      origin: api.sandbox.url,
      'sec-fetch-site': 'same-origin',
    }, '');
    expect(own.status).toBe(303);
    expect((await api.call('GET', `/v1/payments/${id}`)).body.status).toBe('succeeded');
    const other = await threeDSecurePayment(api);
    expect((await api.call('POST', `/_sandbox/buyer/${other}/complete`)).status).toBe(200);
  });
});

describe('security headers', () => {
  it('the buyer page cannot be framed or sniffed', async () => {
    const api = await env.sandbox();
    const id = await threeDSecurePayment(api);
    const res = await fetch(`${api.sandbox.url}/_sandbox/buyer/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('API answers are not sniffed either', async () => {
    const api = await env.sandbox();
    const res = await api.call('GET', '/v1/payments');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
