/**
 * The bad-input matrix: every malformed or unauthorised request gets its documented 4xx, names the field
 * at fault, and leaves the store exactly as it was. Nothing a client sends is ever a 500.
 */
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTIONS } from '../../src/store/store.js';
import { card, paymentBody, startTestSandbox, type Api } from '../helpers/sandbox.js';

let api: Api;
let succeededId: string;
beforeAll(async () => {
  api = await startTestSandbox();
  // Some existing state, so "unchanged" is checked against more than an empty store.
  succeededId = (await api.call('POST', '/v1/payments', paymentBody())).body.id;
  await api.call('POST', '/v1/refunds', { payment_id: succeededId, amount: 100 });
});
afterAll(() => api.close());

function counts(): Record<string, number> {
  return Object.fromEntries(COLLECTIONS.map((c) => [c, api.sandbox.store.count(c)]));
}

const valid = () => paymentBody();
const withCard = (over: Record<string, unknown>) => paymentBody({ payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123', ...over } } });
const big = 'x'.repeat(1024 * 1024 + 10);

interface Case {
  name: string;
  method?: string;
  path?: string;
  body?: unknown;
  raw?: string;
  key?: string | null;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** The `param` the error must name; undefined means the error has no param. */
  param?: string;
}

const CASES: Case[] = [
  // --- body syntax and shape ---
  { name: 'malformed JSON', raw: '{"amount": 2000,', status: 400, code: 'invalid_json' },
  { name: 'JSON with a trailing comma', raw: '{"amount": 2000,}', status: 400, code: 'invalid_json' },
  { name: 'body is an array', raw: '[1,2,3]', status: 400, code: 'parameter_invalid' },
  { name: 'body is a string', raw: '"pay me"', status: 400, code: 'parameter_invalid' },
  { name: 'body is a number', raw: '42', status: 400, code: 'parameter_invalid' },
  { name: 'body is null', raw: 'null', status: 400, code: 'parameter_invalid' },
  { name: 'no body', raw: '', status: 400, code: 'parameter_invalid' },
  // --- types ---
  { name: 'amount as a string', body: { ...valid(), amount: '100' }, status: 400, code: 'parameter_invalid', param: 'amount' },
  { name: 'amount null', body: { ...valid(), amount: null }, status: 400, code: 'parameter_invalid', param: 'amount' },
  { name: 'currency as a number', body: { ...valid(), currency: 5 }, status: 400, code: 'parameter_invalid', param: 'currency' },
  { name: 'merchant_order_id as a number', body: { ...valid(), merchant_order_id: 7 }, status: 400, code: 'parameter_invalid', param: 'merchant_order_id' },
  { name: 'metadata value not a string', body: { ...valid(), metadata: { n: 1 } }, status: 400, code: 'parameter_invalid', param: 'metadata.n' },
  { name: 'metadata an array', body: { ...valid(), metadata: ['a'] }, status: 400, code: 'parameter_invalid', param: 'metadata' },
  { name: 'capture_method unknown', body: { ...valid(), capture_method: 'later' }, status: 400, code: 'parameter_invalid', param: 'capture_method' },
  // --- missing ---
  { name: 'amount missing', body: { ...valid(), amount: undefined }, status: 400, code: 'parameter_missing', param: 'amount' },
  { name: 'payment_method missing', body: { ...valid(), payment_method: undefined }, status: 400, code: 'parameter_missing', param: 'payment_method' },
  { name: 'card number missing', body: paymentBody({ payment_method: { type: 'card', card: { exp_month: 1, exp_year: 2034 } } }), status: 400, code: 'parameter_missing', param: 'payment_method.card.number' },
  // --- amounts ---
  { name: 'zero amount', body: { ...valid(), amount: 0 }, status: 400, code: 'parameter_invalid', param: 'amount' },
  { name: 'negative amount', body: { ...valid(), amount: -100 }, status: 400, code: 'parameter_invalid', param: 'amount' },
  { name: 'fractional amount', body: { ...valid(), amount: 19.99 }, status: 400, code: 'parameter_invalid', param: 'amount' },
  { name: 'huge amount', body: { ...valid(), amount: 100_000_000 }, status: 400, code: 'parameter_invalid', param: 'amount' },
  { name: 'amount beyond 2^53', raw: JSON.stringify(valid()).replace('"amount":2000', '"amount":123456789012345678901234567890'), status: 400, code: 'parameter_invalid', param: 'amount' },
  { name: 'amount 1e400 (Infinity)', raw: JSON.stringify(valid()).replace('"amount":2000', '"amount":1e400'), status: 400, code: 'parameter_invalid', param: 'amount' },
  // --- currency ---
  { name: 'unknown currency XYZ', body: { ...valid(), currency: 'XYZ' }, status: 400, code: 'parameter_invalid', param: 'currency' },
  { name: 'two-letter currency', body: { ...valid(), currency: 'us' }, status: 400, code: 'parameter_invalid', param: 'currency' },
  { name: 'currency with a space', body: { ...valid(), currency: ' usd' }, status: 400, code: 'parameter_invalid', param: 'currency' },
  // --- cards ---
  { name: 'Luhn failure', body: paymentBody({ payment_method: card('4242424242424241') }), status: 400, code: 'invalid_card_number', param: 'payment_method.card.number' },
  { name: 'letters in the number', body: paymentBody({ payment_method: card('4242abcd42424242') }), status: 400, code: 'invalid_card_number', param: 'payment_method.card.number' },
  { name: 'too short a number', body: paymentBody({ payment_method: card('4242') }), status: 400, code: 'invalid_card_number', param: 'payment_method.card.number' },
  { name: 'empty number', body: paymentBody({ payment_method: card('') }), status: 400, code: 'invalid_card_number', param: 'payment_method.card.number' },
  { name: 'number as a JSON number', body: withCard({ number: 4242424242424242 }), status: 400, code: 'parameter_invalid', param: 'payment_method.card.number' },
  { name: 'exp_month 13', body: withCard({ exp_month: 13 }), status: 400, code: 'parameter_invalid', param: 'payment_method.card.exp_month' },
  { name: 'exp_month 0', body: withCard({ exp_month: 0 }), status: 400, code: 'parameter_invalid', param: 'payment_method.card.exp_month' },
  { name: 'exp_year as a string', body: withCard({ exp_year: '2034' }), status: 400, code: 'parameter_invalid', param: 'payment_method.card.exp_year' },
  { name: 'cvc with letters', body: withCard({ cvc: '12a' }), status: 400, code: 'parameter_invalid', param: 'payment_method.card.cvc' },
  { name: 'payment_method type unknown', body: paymentBody({ payment_method: { type: 'bank' } }), status: 400, code: 'parameter_invalid', param: 'payment_method.type' },
  { name: 'payment_method type missing', body: paymentBody({ payment_method: { card: {} } }), status: 400, code: 'parameter_missing', param: 'payment_method.type' },
  { name: 'payment_method a string', body: paymentBody({ payment_method: 'card' }), status: 400, code: 'parameter_invalid', param: 'payment_method' },
  { name: 'wallet missing', body: paymentBody({ payment_method: { type: 'wallet' } }), status: 400, code: 'parameter_missing', param: 'payment_method.wallet' },
  { name: 'unknown wallet', body: paymentBody({ payment_method: { type: 'wallet', wallet: 'venmo' } }), status: 400, code: 'parameter_invalid', param: 'payment_method.wallet' },
  // --- unknown parameters ---
  { name: 'unknown top-level parameter', body: { ...valid(), colour: 'red' }, status: 400, code: 'parameter_invalid', param: 'colour' },
  { name: 'unknown card parameter', body: withCard({ pin: '1234' }), status: 400, code: 'parameter_invalid', param: 'payment_method.card.pin' },
  { name: '__proto__ key', raw: JSON.stringify(valid()).replace('{', '{"__proto__":{"admin":true},'), status: 400, code: 'parameter_invalid', param: '__proto__' },
  // --- URLs ---
  { name: 'ftp notify_url', body: { ...valid(), notify_url: 'ftp://shop.example/n' }, status: 400, code: 'parameter_invalid', param: 'notify_url' },
  { name: 'javascript: notify_url', body: { ...valid(), notify_url: 'javascript:alert(1)' }, status: 400, code: 'parameter_invalid', param: 'notify_url' },
  { name: 'notify_url not a url', body: { ...valid(), notify_url: 'not a url' }, status: 400, code: 'parameter_invalid', param: 'notify_url' },
  { name: 'relative notify_url', body: { ...valid(), notify_url: '/webhooks' }, status: 400, code: 'parameter_invalid', param: 'notify_url' },
  { name: 'file: return_url', body: { ...valid(), return_url: 'file:///etc/passwd' }, status: 400, code: 'parameter_invalid', param: 'return_url' },
  // --- size, media type ---
  { name: 'oversized body', body: { ...valid(), description: big }, status: 413, code: 'payload_too_large' },
  { name: 'text/plain body', raw: JSON.stringify(valid()), headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
  { name: 'form body on the API', raw: 'amount=2000&currency=usd', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'unsupported_media_type' },
  { name: 'unsupported charset', raw: JSON.stringify(valid()), headers: { 'content-type': 'application/json; charset=latin1' }, status: 415, code: 'unsupported_media_type' },
  { name: 'unknown content-encoding', raw: JSON.stringify(valid()), headers: { 'content-encoding': 'xyz' }, status: 415, code: 'unsupported_media_type' },
  { name: 'gzip content-encoding that is not gzip', raw: JSON.stringify(valid()), headers: { 'content-encoding': 'gzip' }, status: 400, code: 'parameter_invalid' },
  // --- authentication ---
  { name: 'missing key', body: valid(), key: null, status: 401, code: 'authentication_required' },
  { name: 'wrong key', body: valid(), key: 'sk_test_wrong', status: 401, code: 'invalid_api_key' },
  { name: 'empty bearer', body: valid(), headers: { authorization: 'Bearer ' }, key: null, status: 401, code: 'invalid_api_key' },
  { name: 'unknown auth scheme', body: valid(), headers: { authorization: 'Token abc' }, key: null, status: 401, code: 'invalid_api_key' },
  { name: 'missing key on a GET', method: 'GET', path: '/v1/payments', key: null, status: 401, code: 'authentication_required' },
  { name: 'missing key on the control API', method: 'POST', path: '/_sandbox/reset', key: null, status: 401, code: 'authentication_required' },
  // --- idempotency key ---
  { name: 'Idempotency-Key too long', body: valid(), headers: { 'idempotency-key': 'k'.repeat(256) }, status: 400, code: 'parameter_invalid', param: 'Idempotency-Key' },
  // --- unknown ids and routes ---
  { name: 'unknown payment', method: 'GET', path: '/v1/payments/pay_nope', status: 404, code: 'resource_missing', param: 'id' },
  { name: 'capture an unknown payment', method: 'POST', path: '/v1/payments/pay_nope/capture', body: {}, status: 404, code: 'resource_missing', param: 'id' },
  { name: 'cancel an unknown payment', method: 'POST', path: '/v1/payments/pay_nope/cancel', status: 404, code: 'resource_missing', param: 'id' },
  { name: 'refund an unknown payment', method: 'POST', path: '/v1/refunds', body: { payment_id: 'pay_nope' }, status: 404, code: 'resource_missing', param: 'payment_id' },
  { name: 'unknown refund', method: 'GET', path: '/v1/refunds/re_nope', status: 404, code: 'resource_missing', param: 'id' },
  { name: 'unknown event', method: 'GET', path: '/v1/events/evt_nope', status: 404, code: 'resource_missing', param: 'id' },
  { name: 'unknown webhook endpoint', method: 'DELETE', path: '/v1/webhook_endpoints/we_nope', status: 404, code: 'resource_missing', param: 'id' },
  { name: 'unknown route under /v1', method: 'GET', path: '/v1/customers', status: 404, code: 'route_not_found' },
  { name: 'unknown route at the root', method: 'GET', path: '/v2/payments', status: 404, code: 'route_not_found' },
  { name: 'unknown control route', method: 'GET', path: '/_sandbox/nothing', status: 404, code: 'route_not_found' },
  { name: 'malformed percent-encoding in the path', method: 'GET', path: '/v1/payments/%E0%A4%A', status: 400, code: 'parameter_invalid' },
  { name: 'malformed percent-encoding in a control path', method: 'POST', path: '/_sandbox/buyer/%ZZ/complete', status: 400, code: 'parameter_invalid' },
  // --- nesting: valid JSON that would overflow the stack of whatever walks it ---
  { name: 'deeply nested body', raw: `{"metadata":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, status: 400, code: 'parameter_invalid' },
  { name: 'deeply nested body with an Idempotency-Key', raw: `{"x":${'['.repeat(500_000)}${']'.repeat(500_000)}}`, headers: { 'idempotency-key': 'deep' }, status: 400, code: 'parameter_invalid' },
  // --- refund and capture bodies ---
  { name: 'refund amount as a string', method: 'POST', path: '/v1/refunds', body: { payment_id: 'SUCCEEDED', amount: '10' }, status: 400, code: 'parameter_invalid', param: 'amount' },
  { name: 'refund amount zero', method: 'POST', path: '/v1/refunds', body: { payment_id: 'SUCCEEDED', amount: 0 }, status: 400, code: 'parameter_invalid', param: 'amount' },
  { name: 'refund reason not a string', method: 'POST', path: '/v1/refunds', body: { payment_id: 'SUCCEEDED', reason: 42 }, status: 400, code: 'parameter_invalid', param: 'reason' },
  { name: 'refund reason empty', method: 'POST', path: '/v1/refunds', body: { payment_id: 'SUCCEEDED', reason: '' }, status: 400, code: 'parameter_invalid', param: 'reason' },
  { name: 'card expiry year 3 digits', method: 'POST', path: '/v1/payments', body: { amount: 100, currency: 'usd', merchant_order_id: 'y3', payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 1, exp_year: 203 } } }, status: 400, code: 'parameter_invalid', param: 'payment_method.card.exp_year' },
  { name: 'refund without payment_id', method: 'POST', path: '/v1/refunds', body: { amount: 10 }, status: 400, code: 'parameter_missing', param: 'payment_id' },
  { name: 'capture a fractional amount', method: 'POST', path: '/v1/payments/SUCCEEDED/capture', body: { amount: 1.5 }, status: 400, code: 'parameter_invalid', param: 'amount' },
];

describe('bad input', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = counts();
    const path = (c.path ?? '/v1/payments').replace('SUCCEEDED', succeededId);
    const body = c.body === undefined ? undefined : JSON.parse(JSON.stringify(c.body).replace(/"SUCCEEDED"/g, JSON.stringify(succeededId)));
    const res = await api.call(c.method ?? 'POST', path, body, { raw: c.raw, key: c.key, headers: c.headers });
    expect(res.body?.error, JSON.stringify(res.body)).toBeDefined();
    expect(res.status).toBe(c.status);
    expect(res.body.error.code).toBe(c.code);
    expect(res.body.error.param).toBe(c.param);
    expect(res.body.error.type).toEqual(expect.any(String));
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(counts()).toEqual(before);
  });

  it('an oversized chunked body (no Content-Length) is a 413 too', async () => {
    const before = counts();
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${api.sandbox.url}/v1/payments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.sandbox.merchant.secret_key}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body: text }));
      });
      // The server may answer and close before the whole body is sent.
      req.on('error', reject);
      const chunk = JSON.stringify({ ...valid(), description: 'y'.repeat(64 * 1024) });
      for (let i = 0; i < 20; i++) req.write(chunk);
      req.end();
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('payload_too_large');
    expect(counts()).toEqual(before);
  });

  it('a body just under the limit is accepted', async () => {
    const description = 'z'.repeat(1000);
    const res = await api.call('POST', '/v1/payments', paymentBody({ description, metadata: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'.repeat(500)])) }));
    expect(res.status).toBe(201);
  });

  it('Basic auth with the secret key as user name works; the publishable key does not', async () => {
    const basic = Buffer.from(`${api.sandbox.merchant.secret_key}:`).toString('base64');
    expect((await api.call('GET', '/v1/payments', undefined, { key: null, headers: { authorization: `Basic ${basic}` } })).status).toBe(200);
    const res = await api.call('GET', '/v1/payments', undefined, { key: api.sandbox.merchant.publishable_key });
    expect(res.status).toBe(401);
    expect(res.body.error.hint).toMatch(/secret key/);
  });

  it('no arbitrary JSON body to any POST route is a 500, and a rejected one changes nothing', async () => {
    const routes = ['/v1/payments', '/v1/refunds', `/v1/payments/${succeededId}/capture`, `/v1/payments/${succeededId}/cancel`, '/v1/webhook_endpoints'];
    // Bodies near a valid one are more interesting than random noise: mutate one field at a time.
    const field = fc.constantFrom('amount', 'currency', 'merchant_order_id', 'payment_method', 'notify_url', 'metadata', 'capture_method', 'description');
    const mutated = fc.tuple(field, fc.jsonValue()).map(([k, v]) => ({ ...valid(), [k]: v }));
    const body = fc.oneof(fc.jsonValue(), mutated, fc.dictionary(fc.string(), fc.jsonValue()));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async (path, b) => {
        const before = counts();
        const res = await api.call('POST', path, b);
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body.error.code).toEqual(expect.any(String));
          expect(counts()).toEqual(before);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('no method, path, content type or raw body is a 500', async () => {
    const paths = [
      '/v1/payments',
      `/v1/payments/${succeededId}`,
      `/v1/payments/${succeededId}/capture`,
      '/v1/refunds',
      '/v1/events',
      '/v1/webhook_endpoints',
      '/v1/settlements/2026-01-01',
      `/_sandbox/buyer/${succeededId}/complete`,
      '/_sandbox/chaos',
      '/_sandbox/merchant',
      '/_sandbox/clock/advance',
      '/_sandbox/deliveries',
    ];
    const segment = fc.string({ maxLength: 12 }).map(encodeURIComponent);
    const path = fc.oneof(fc.constantFrom(...paths), fc.tuple(fc.constantFrom(...paths), segment).map(([p, s]) => `${p}/${s}`), fc.tuple(fc.constantFrom(...paths), segment).map(([p, s]) => `${p}?${s}=${s}`));
    const method = fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH');
    const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/merge-patch+json', 'multipart/form-data');
    const raw = fc.oneof(fc.string(), fc.json(), fc.constant('{'), fc.constant('{"amount":'));
    await fc.assert(
      fc.asyncProperty(method, path, contentType, raw, async (m, p, ct, body) => {
        const res = await api.call(m, p, undefined, m === 'GET' ? {} : { raw: body, headers: { 'content-type': ct } });
        expect(res.status, `${m} ${p} ${ct} ${body}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });
});
