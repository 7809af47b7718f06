/**
 * POST responses are written directly (src/http/json-response.ts) rather than through express's
 * res.json; these pin that the wire result is what res.json sends (a GET of the same object still uses it).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { paymentBody, startTestSandbox, type Api } from '../helpers/sandbox.js';

let api: Api;
beforeAll(async () => {
  api = await startTestSandbox();
});
afterAll(() => api.close());

async function raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(api.sandbox.url + path, {
    method,
    headers: { authorization: `Bearer ${api.sandbox.merchant.secret_key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

it('answers a create with the same headers and bytes as express res.json', async () => {
  const created = await raw('POST', '/v1/payments', paymentBody({ metadata: { note: 'naïve ✓' } }));
  expect(created.status).toBe(201);
  const id = JSON.parse(created.bytes.toString('utf8')).id as string;
  const fetched = await raw('GET', `/v1/payments/${id}`);
  expect(created.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(created.headers.get('content-type')).toBe(fetched.headers.get('content-type'));
  expect(created.headers.get('content-length')).toBe(String(created.bytes.length));
  expect(created.bytes.equals(fetched.bytes)).toBe(true);
  expect(created.headers.get('etag')).toBeNull();
  expect(created.headers.get('x-powered-by')).toBeNull();
});

it('keeps Idempotent-Replayed on a replayed response', async () => {
  const body = paymentBody();
  const first = await raw('POST', '/v1/payments', body, { 'idempotency-key': 'json-response-k1' });
  const again = await raw('POST', '/v1/payments', body, { 'idempotency-key': 'json-response-k1' });
  expect(first.headers.get('idempotent-replayed')).toBeNull();
  expect(again.status).toBe(201);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(again.bytes.equals(first.bytes)).toBe(true);
});
