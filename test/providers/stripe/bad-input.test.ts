/**
 * Bad input on the Stripe emulation, on every route it serves: malformed form bodies (nested and indexed
 * keys, wrong types, huge, negative, fractional and non-numeric amounts, unknown and duplicated
 * parameters, over-long strings, bytes that are not UTF-8), JSON and empty bodies, odd ids and wrong
 * methods, sent with the secret key so they reach the handlers. Every answer is a 2xx for what is valid
 * or a 4xx in Stripe's shape `{error: {type, message, param?}}`, never a 5xx; a refused request changes
 * nothing (402 declines excepted: a declined charge is a record); the sandbox answers afterwards.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StripeCredentials } from '../../../src/providers/stripe/index.js';
import { badInputSandbox, clip, expectNoLeak, HOST_REFUSALS, rawRequest, readAnswer, stateOf, type Answer } from '../bad-input-env.js';

const env = badInputSandbox();
const base = () => env.sandbox.providers.stripe!.url;
const secret = () => (env.sandbox.providers.stripe!.credentials as StripeCredentials).secret_key;

async function call(method: string, path: string, body?: string | Buffer, contentType: string | null = 'application/x-www-form-urlencoded', headers: Record<string, string> = {}): Promise<Answer> {
  const h: Record<string, string> = { authorization: `Bearer ${secret()}`, ...headers };
  if (contentType && body !== undefined) h['content-type'] = contentType;
  const res = await fetch(`${base()}${path}`, { method, headers: h, redirect: 'manual', ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body } : {}) });
  return readAnswer(res);
}

/** Checks one answer: a 2xx, or a 4xx in Stripe's error shape; never a 5xx or a leak. */
function checkShape(what: string, a: Answer, path: string): void {
  expect(a.status, `${what} → ${a.status} ${clip(a.text)}`).toBeLessThan(500);
  expectNoLeak(a.text, what);
  if (!path.startsWith('/v1')) return; // the buyer's pages answer HTML
  expect(a.json, `${what}: not JSON: ${clip(a.text)}`).not.toBeNull();
  expect(a.headers.get('request-id'), what).toMatch(/^req_/);
  if (a.status < 300) return;
  expect(a.status, `${what}: ${clip(a.text)}`).toBeGreaterThanOrEqual(400);
  const e = a.json.error;
  expect(e, `${what}: no error object: ${clip(a.text)}`).toBeTypeOf('object');
  expect(['invalid_request_error', 'card_error', 'idempotency_error'], `${what}: ${clip(a.text)}`).toContain(e.type);
  expect(e.message, what).toBeTypeOf('string');
  expect(e.message.length, what).toBeGreaterThan(0);
  if (e.param !== undefined) expect(e.param, what).toBeTypeOf('string');
}

/** Sends a request and checks its answer; a refused one (402 declines aside) must leave the state as it was. */
async function probe(what: string, method: string, path: string, body?: string | Buffer, contentType?: string | null, headers?: Record<string, string>): Promise<Answer> {
  const before = await stateOf(env.sandbox);
  const a = await call(method, path, body, contentType, headers);
  checkShape(what, a, path);
  if (a.status >= 400 && a.status !== 402) expect(await stateOf(env.sandbox), `${what}: a refused request changed the state (${clip(a.text)})`).toBe(before);
  return a;
}

/** Fixtures the requests aim at, so that they reach the handlers' checks rather than a 404. */
const ids: Record<string, string> = {};
async function ok(method: string, path: string, body?: string): Promise<any> {
  const a = await call(method, path, body);
  if (a.status !== 200) throw new Error(`fixture ${method} ${path}: ${a.status} ${a.text}`);
  return a.json;
}

describe('Stripe: bad input', () => {
  it('creates the objects the requests aim at', async () => {
    ids.cus = (await ok('POST', '/v1/customers', 'email=buyer%40example.com&name=Buyer')).id;
    ids.pm = (await ok('POST', '/v1/payment_methods', 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2034&card[cvc]=123')).id;
    ids.pi = (await ok('POST', '/v1/payment_intents', 'amount=1000&currency=usd')).id;
    const paid = await ok('POST', '/v1/payment_intents', 'amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true');
    ids.paid = paid.id;
    ids.ch = paid.latest_charge;
    ids.re = (await ok('POST', '/v1/refunds', `payment_intent=${ids.paid}&amount=100`)).id;
    ids.we = (await ok('POST', '/v1/webhook_endpoints', 'url=http%3A%2F%2F127.0.0.1%3A9%2Fhook&enabled_events[0]=payment_intent.created')).id;
    ids.cs = (
      await ok(
        'POST',
        '/v1/checkout/sessions',
        'mode=payment&success_url=https%3A%2F%2Fshop.example%2Fok&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=500&line_items[0][price_data][product_data][name]=Tea&line_items[0][quantity]=1',
      )
    ).id;
    ids.seti = (await ok('POST', '/v1/setup_intents', `customer=${ids.cus}`)).id;
    ids.setidone = (await ok('POST', '/v1/setup_intents', 'payment_method=pm_card_visa&confirm=true')).id;
    ids.evt = (await ok('GET', '/v1/events?limit=1')).data[0].id;
    ids.txn = (await ok('GET', '/v1/balance_transactions?limit=1')).data[0].id;
    expect(Object.values(ids).every((v) => typeof v === 'string' && v.length > 3)).toBe(true);
  });

  interface Case {
    name: string;
    method?: string;
    path: string;
    body?: string | Buffer;
    type?: string | null;
    headers?: Record<string, string>;
    status: number;
    param?: string;
  }
  const form = 'application/x-www-form-urlencoded';
  const create = '/v1/payment_intents';
  const CASES: () => Case[] = () => [
    // Amounts
    { name: 'negative amount', path: create, body: 'amount=-1&currency=usd', status: 400, param: 'amount' },
    { name: 'zero amount', path: create, body: 'amount=0&currency=usd', status: 400, param: 'amount' },
    { name: 'fractional amount', path: create, body: 'amount=1.5&currency=usd', status: 400, param: 'amount' },
    { name: 'NaN amount', path: create, body: 'amount=NaN&currency=usd', status: 400, param: 'amount' },
    { name: 'Infinity amount', path: create, body: 'amount=Infinity&currency=usd', status: 400, param: 'amount' },
    { name: 'exponent amount', path: create, body: 'amount=1e3&currency=usd', status: 400, param: 'amount' },
    { name: 'huge amount', path: create, body: `amount=${'9'.repeat(30)}&currency=usd`, status: 400, param: 'amount' },
    { name: 'amount beyond 2^53', path: create, body: 'amount=9007199254740993&currency=usd', status: 400, param: 'amount' },
    { name: 'amount as an array', path: create, body: 'amount[0]=100&currency=usd', status: 400, param: 'amount' },
    { name: 'amount as a hash', path: create, body: 'amount[a][b][c]=100&currency=usd', status: 400, param: 'amount' },
    { name: 'amount with spaces', path: create, body: 'amount=+100&currency=usd', status: 400, param: 'amount' },
    { name: 'refund amount negative', path: '/v1/refunds', body: () => `payment_intent=${ids.paid}&amount=-5`, status: 400, param: 'amount' } as unknown as Case,
    // Types and names
    { name: 'currency as a hash', path: create, body: 'amount=100&currency[x]=usd', status: 400, param: 'currency' },
    { name: 'unknown currency', path: create, body: 'amount=100&currency=xyz', status: 400, param: 'currency' },
    { name: 'unknown parameter', path: create, body: 'amount=100&currency=usd&amout=5', status: 400, param: 'amout' },
    { name: 'unknown nested parameter', path: create, body: 'amount=100&currency=usd&automatic_payment_methods[enable]=true', status: 400, param: 'automatic_payment_methods[enable]' },
    { name: 'confirm not a boolean', path: create, body: 'amount=100&currency=usd&confirm=yes', status: 400, param: 'confirm' },
    { name: 'capture_method unknown', path: create, body: 'amount=100&currency=usd&capture_method=later', status: 400, param: 'capture_method' },
    { name: 'metadata as a string', path: create, body: 'amount=100&currency=usd&metadata=abc', status: 400, param: 'metadata' },
    { name: 'metadata value as a hash', path: create, body: 'amount=100&currency=usd&metadata[k][j]=v', status: 400, param: 'metadata[k]' },
    { name: 'metadata value over-long', path: create, body: `amount=100&currency=usd&metadata[k]=${'v'.repeat(501)}`, status: 400, param: 'metadata[k]' },
    { name: 'metadata key over-long', path: create, body: `amount=100&currency=usd&metadata[${'k'.repeat(41)}]=v`, status: 400, param: `metadata[${'k'.repeat(41)}]` },
    { name: 'expand as a string', path: create, body: 'amount=100&currency=usd&expand=latest_charge', status: 400, param: 'expand' },
    { name: 'expand with an unknown path (create)', path: create, body: 'amount=100&currency=usd&expand[0]=nope', status: 400, param: 'expand' },
    { name: 'expand of a field holding no id (create)', path: create, body: 'amount=100&currency=usd&description=tea&expand[0]=description', status: 400, param: 'expand' },
    { name: 'expand deeper than an object (create)', path: create, body: 'amount=100&currency=usd&expand[0]=latest_charge.nope', status: 400, param: 'expand' },
    { name: 'expand with an unknown path (customer)', path: '/v1/customers', body: 'name=x&expand[0]=nope', status: 400, param: 'expand' },
    { name: 'expand with an unknown path (refund)', path: '/v1/refunds', body: () => `payment_intent=${ids.paid}&amount=1&expand[0]=nope`, status: 400, param: 'expand' } as unknown as Case,
    { name: 'expand with an unknown path (charge update)', path: '/v1/charges/{ch}', body: 'description=x&expand[0]=nope', status: 400, param: 'expand' },
    { name: 'expand with an unknown path (refund update)', path: '/v1/refunds/{re}', body: 'metadata[k]=v&expand[0]=nope', status: 400, param: 'expand' },
    { name: 'expand with an unknown path (webhook endpoint)', path: '/v1/webhook_endpoints', body: 'url=http%3A%2F%2F127.0.0.1%3A9%2Fx&enabled_events[0]=*&expand[0]=nope', status: 400, param: 'expand' },
    { name: 'expand with an unknown path (session)', path: '/v1/checkout/sessions', body: 'mode=payment&success_url=https%3A%2F%2Fs.example%2F&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=500&line_items[0][price_data][product_data][name]=T&line_items[0][quantity]=1&expand[0]=nope', status: 400, param: 'expand' },
    { name: 'expand with an unknown path (payment method)', path: '/v1/payment_methods', body: 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2034&expand[0]=nope', status: 400, param: 'expand' },
    { name: 'unbalanced brackets', path: create, body: 'amount=100&currency=usd&metadata[k=v', status: 400, param: 'metadata[k' },
    { name: 'a key without a name', path: create, body: 'amount=100&currency=usd&[k]=v', status: 400, param: '[k]' },
    { name: 'a value and a hash at one key', path: create, body: 'amount=100&currency=usd&metadata[k]=v&metadata[k][j]=w', status: 400, param: 'metadata[k][j]' },
    { name: 'the prototype as a parameter', path: create, body: 'amount=100&currency=usd&__proto__[amount]=5', status: 400, param: '__proto__' },
    { name: 'the prototype inside metadata', path: create, body: 'amount=100&currency=usd&metadata[__proto__][x]=1', status: 400, param: 'metadata[__proto__]' },
    { name: 'a constructor parameter', path: create, body: 'amount=100&currency=usd&constructor=1', status: 400, param: 'constructor' },
    // Bodies
    { name: 'an empty body', path: create, body: '', status: 400, param: 'amount' },
    { name: 'no body at all', path: create, type: null, status: 400, param: 'amount' },
    { name: 'a JSON body', path: create, body: '{"amount":100,"currency":"usd"}', type: 'application/json', status: 400 },
    { name: 'malformed JSON', path: create, body: '{"amount":', type: 'application/json', status: 400 },
    { name: 'a JSON body sent as a form', path: create, body: '{"amount":100,"currency":"usd"}', status: 400 },
    { name: 'bytes that are not UTF-8', path: create, body: Buffer.concat([Buffer.from('amount=100&currency=usd&description='), Buffer.from([0xff, 0xfe, 0xc3, 0x28])]), status: 200 },
    { name: 'percent-escapes that are not UTF-8', path: create, body: 'amount=100&currency=usd&description=%ff%fe%c3%28', status: 200 },
    { name: 'a key that does not percent-decode', path: create, body: 'amount=100&currency=usd&%E0%A4%A=1', status: 400 },
    { name: 'duplicated keys (the last wins)', path: create, body: 'amount=100&amount=200&currency=usd', status: 200 },
    { name: 'a NUL byte in a string', path: '/v1/customers', body: 'name=a%00b', status: 200 },
    { name: 'an over-long string', path: '/v1/customers', body: `name=${'n'.repeat(100_000)}`, status: 400, param: 'name' },
    { name: 'an over-long description', path: create, body: `amount=100&currency=usd&description=${'d'.repeat(100_000)}`, status: 400, param: 'description' },
    { name: 'an over-long email', path: '/v1/customers', body: `email=${'e'.repeat(100_000)}`, status: 400, param: 'email' },
    { name: 'a body over the size limit', path: create, body: `amount=100&currency=usd&description=${'x'.repeat(2_000_000)}`, status: 413 },
    { name: 'a gzip body that is not gzip', path: create, body: 'amount=100&currency=usd', headers: { 'content-encoding': 'gzip' }, status: 400 },
    { name: 'an unknown content encoding', path: create, body: 'amount=100&currency=usd', headers: { 'content-encoding': 'x-nope' }, status: 415 },
    { name: 'an unknown charset', path: create, body: 'amount=100&currency=usd', type: 'application/x-www-form-urlencoded; charset=x-nope', status: 200 },
    { name: 'no API key', path: create, body: 'amount=100&currency=usd', headers: { authorization: '' }, status: 401 },
    { name: 'a Basic key that is not base64', path: create, body: 'amount=100&currency=usd', headers: { authorization: 'Basic %%%' }, status: 401 },
    { name: 'the publishable key on a secret route', path: create, body: 'amount=100&currency=usd', headers: { authorization: `Bearer ${(env.sandbox.providers.stripe!.credentials as StripeCredentials).publishable_key}` }, status: 401 },
    { name: 'a key nested 100,000 levels deep', path: create, body: `amount=100&currency=usd&metadata${'[a]'.repeat(100_000)}=v`, status: 400, param: 'metadata' },
    { name: 'a key nested 300,000 levels deep', path: create, body: `amount=100&currency=usd&metadata${'[]'.repeat(300_000)}=v`, status: 400, param: 'metadata' },
    { name: '40,000 parameters', path: create, body: `amount=100&currency=usd&${Array.from({ length: 40_000 }, (_, i) => `metadata[k${i}]=v`).join('&')}`, status: 400, param: 'metadata' },
    { name: 'an array index too large', path: create, body: 'amount=100&currency=usd&expand[9999999]=latest_charge', status: 400 },
    // Queries
    { name: 'limit not a number', method: 'GET', path: '/v1/payment_intents?limit=abc', status: 400, param: 'limit' },
    { name: 'limit too large', method: 'GET', path: '/v1/customers?limit=101', status: 400, param: 'limit' },
    { name: 'limit as an array', method: 'GET', path: '/v1/charges?limit[0]=1', status: 400, param: 'limit' },
    { name: 'created as a string', method: 'GET', path: '/v1/events?created=yesterday', status: 400, param: 'created' },
    { name: 'created[gt] not a number', method: 'GET', path: '/v1/refunds?created[gt]=x', status: 400, param: 'created[gt]' },
    { name: 'starting_after unknown', method: 'GET', path: '/v1/customers?starting_after=cus_nope', status: 400, param: 'starting_after' },
    { name: 'unknown query parameter', method: 'GET', path: '/v1/payment_intents?foo=1', status: 400, param: 'foo' },
    { name: 'search without a query', method: 'GET', path: '/v1/payment_intents/search', status: 400, param: 'query' },
    { name: 'search with a malformed query', method: 'GET', path: "/v1/customers/search?query=email%3A'", status: 400, param: 'query' },
    { name: 'search with an unknown field', method: 'GET', path: "/v1/charges/search?query=nope%3A'x'", status: 400, param: 'query' },
    { name: 'a query that does not percent-decode', method: 'GET', path: '/v1/customers?email=%E0%A4%A', status: 200 },
    // Ids and methods
    { name: 'an id that does not percent-decode', method: 'GET', path: '/v1/payment_intents/%E0%A4%A', status: 400 },
    { name: 'an encoded slash in an id', method: 'GET', path: '/v1/customers/cus_x%2F..%2F', status: 404, param: 'id' },
    { name: 'an over-long id', method: 'GET', path: `/v1/charges/${'c'.repeat(5000)}`, status: 404, param: 'id' },
    { name: 'DELETE on a list', method: 'DELETE', path: create, status: 404 },
    { name: 'PUT on an object', method: 'PUT', path: '/v1/customers/cus_x', body: 'name=x', status: 404 },
    { name: 'PATCH on an object', method: 'PATCH', path: '/v1/payment_intents/pi_x', body: 'amount=1', status: 404 },
    { name: 'GET on an action', method: 'GET', path: '/v1/payment_intents/pi_x/confirm', status: 404 },
    { name: 'an unknown API', method: 'POST', path: '/v1/transfers', body: 'amount=1', status: 404 },
  ];

  it('keeps no Idempotency-Key record of a refused request: the same key with corrected parameters runs', async () => {
    const headers = { 'idempotency-key': 'fz-idem-1' };
    const refused = await probe('a refused request with a key', 'POST', create, 'amount=-1&currency=usd', form, headers);
    expect([refused.status, refused.json.error.param]).toEqual([400, 'amount']);
    const again = await probe('the same refused request again', 'POST', create, 'amount=-1&currency=usd', form, headers);
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([400, null]);
    const fixed = await call('POST', create, 'amount=100&currency=usd', form, headers);
    expect([fixed.status, fixed.json.object]).toEqual([200, 'payment_intent']);
    const replay = await call('POST', create, 'amount=100&currency=usd', form, headers);
    expect([replay.status, replay.json.id, replay.headers.get('idempotent-replayed')]).toEqual([200, fixed.json.id, 'true']);
  });

  it('keeps metadata keys named like Object.prototype properties as sent', async () => {
    const a = await call('POST', '/v1/customers', 'metadata[__proto__]=p&metadata[constructor]=c&metadata[toString]=t');
    expect(a.status, a.text).toBe(200);
    expect(JSON.parse(a.text).metadata).toEqual(JSON.parse('{"__proto__":"p","constructor":"c","toString":"t"}'));
    const read = await call('GET', `/v1/customers/${a.json.id}`);
    expect(JSON.parse(read.text).metadata).toEqual(JSON.parse('{"__proto__":"p","constructor":"c","toString":"t"}'));
  });

  it('answers each hand-written malformed request with its 4xx naming the field, and changes nothing', async () => {
    const problems: string[] = [];
    for (const c of CASES()) {
      const body = typeof c.body === 'function' ? (c.body as () => string)() : c.body;
      try {
        const a = await probe(c.name, c.method ?? 'POST', fill(c.path), body, c.type === undefined ? form : c.type, c.headers);
        expect(a.status, `${c.name}: ${clip(a.text)}`).toBe(c.status);
        if (c.param !== undefined) expect(a.json?.error?.param, `${c.name}: ${clip(a.text)}`).toBe(c.param);
      } catch (err) {
        problems.push((err as Error).message.split('\n')[0]!);
      }
    }
    expect(problems).toEqual([]);
  });

  /** Every route the provider serves, with the method it takes; `{x}` is a fixture id. */
  const ROUTES: [string, string][] = [
    ['POST', '/v1/payment_intents'],
    ['GET', '/v1/payment_intents'],
    ['GET', '/v1/payment_intents/search'],
    ['GET', '/v1/customers/search'],
    ['GET', '/v1/charges/search'],
    ['GET', '/v1/payment_intents/{pi}'],
    ['POST', '/v1/payment_intents/{pi}'],
    ['POST', '/v1/payment_intents/{pi}/confirm'],
    ['POST', '/v1/payment_intents/{paid}/capture'],
    ['POST', '/v1/payment_intents/{pi}/capture'],
    ['POST', '/v1/payment_intents/{paid}/cancel'],
    ['POST', '/v1/payment_methods'],
    ['GET', '/v1/payment_methods/{pm}'],
    ['GET', '/v1/payment_methods'],
    ['POST', '/v1/payment_methods/{pm}'],
    ['POST', '/v1/payment_methods/{pm}/attach'],
    ['POST', '/v1/payment_methods/{pm}/detach'],
    ['GET', '/v1/charges'],
    ['GET', '/v1/charges/{ch}'],
    ['POST', '/v1/charges/{ch}'],
    ['POST', '/v1/payment_intents/{paid}/increment_authorization'],
    ['POST', '/v1/refunds/{re}'],
    ['POST', '/v1/refunds/{re}/cancel'],
    ['POST', '/v1/refunds'],
    ['GET', '/v1/refunds'],
    ['GET', '/v1/refunds/{re}'],
    ['POST', '/v1/customers'],
    ['GET', '/v1/customers'],
    ['GET', '/v1/customers/{cus}'],
    ['GET', '/v1/customers/{cus}/payment_methods'],
    ['GET', '/v1/customers/{cus}/payment_methods/{pm}'],
    ['POST', '/v1/customers/{cus}'],
    ['DELETE', '/v1/customers/{cus}'],
    ['GET', '/v1/events'],
    ['GET', '/v1/events/{evt}'],
    ['POST', '/v1/webhook_endpoints'],
    ['GET', '/v1/webhook_endpoints'],
    ['GET', '/v1/webhook_endpoints/{we}'],
    ['POST', '/v1/webhook_endpoints/{we}'],
    ['DELETE', '/v1/webhook_endpoints/{we}'],
    ['POST', '/v1/checkout/sessions'],
    ['GET', '/v1/checkout/sessions'],
    ['GET', '/v1/checkout/sessions/{cs}'],
    ['POST', '/v1/checkout/sessions/{cs}/expire'],
    ['GET', '/v1/checkout/sessions/{cs}/line_items'],
    ['GET', '/v1/balance_transactions'],
    ['GET', '/v1/balance'],
    ['GET', '/v1/balance_transactions/{txn}'],
    ['POST', '/v1/setup_intents'],
    ['GET', '/v1/setup_intents'],
    ['GET', '/v1/setup_intents/{seti}'],
    ['POST', '/v1/setup_intents/{seti}'],
    ['POST', '/v1/setup_intents/{seti}/confirm'],
    ['POST', '/v1/setup_intents/{setidone}/confirm'],
    ['POST', '/v1/setup_intents/{seti}/cancel'],
    ['GET', '/3ds/{seti}'],
    ['POST', '/3ds/{seti}/complete'],
    ['GET', '/3ds/{pi}'],
    ['POST', '/3ds/{pi}/complete'],
    ['GET', '/c/pay/{cs}'],
    ['POST', '/c/pay/{cs}'],
  ];

  const NAMES = [
    'amount', 'currency', 'customer', 'payment_method', 'payment_method_data', 'payment_method_types', 'confirm', 'capture_method', 'return_url', 'description', 'metadata',
    'expand', 'limit', 'starting_after', 'ending_before', 'created', 'query', 'page', 'type', 'types', 'card', 'billing_details', 'email', 'name', 'phone', 'url', 'enabled_events',
    'disabled', 'payment_intent', 'charge', 'reason', 'amount_to_capture', 'cancellation_reason', 'mode', 'success_url', 'cancel_url', 'line_items', 'client_secret',
    'automatic_payment_methods', 'setup_future_usage', 'lang', 'card_number', 'failure_code', 'invoice_settings', 'address', 'shipping', 'expires_at', 'application_fee_amount',
    'statement_descriptor', 'receipt_email', 'off_session', 'payment_intent_data', 'customer_email', 'client_reference_id', 'locale', 'ui_mode', 'allow_redisplay', 'amount_to_confirm',
    'capture', 'amount_details', 'excluded_payment_method_types', 'mandate_data', 'usage', 'payment_method_options', '__proto__', 'constructor', 'toString', '',
  ];
  const SUBKEYS = ['0', '1', '', '20', '999999', 'a', 'enabled', 'number', 'exp_month', 'exp_year', 'price_data', 'unit_amount', 'quantity', 'gt', 'lte', 'card', 'request_three_d_secure', '__proto__', 'x y'];
  const fixture = fc.constantFrom('{pi}', '{paid}', '{cus}', '{pm}', '{ch}', '{re}', '{we}', '{cs}', '{evt}', '{txn}', '{seti}');
  const VALUE = fc.oneof(
    fc.constantFrom('', '0', '-1', '-0', '1', '100', '1.5', '1e3', 'NaN', 'Infinity', '0x10', '99999999', '100000000000', '9007199254740993', '9'.repeat(40), 'true', 'false', 'null', '[]', '{}'),
    fc.constantFrom('usd', 'USD', 'jpy', 'xxx', 'pm_card_visa', 'pm_card_chargeDeclined', 'tok_visa', '4242424242424242', 'automatic', 'manual', 'any', 'off_session', 'payment', 'setup', '*', 'payment_intent.succeeded', "status:'succeeded'", 'email:"a"', 'https://shop.example/x', 'javascript:alert(1)', '\u0000', '💳', '%', '__proto__'),
    fixture,
    fc.string({ maxLength: 12 }),
    fc.nat({ max: 5 }).map((n) => 'x'.repeat([0, 40, 41, 500, 501, 5001][n]!)),
  );
  const key = fc.tuple(fc.constantFrom(...NAMES), fc.array(fc.constantFrom(...SUBKEYS), { maxLength: 3 })).map(([n, subs]) => n + subs.map((s) => `[${s}]`).join(''));
  /** How a pair is written: encoded, raw (brackets, `&`, `%` as they are), or with bytes that are not UTF-8. */
  const pair = fc.tuple(key, VALUE, fc.constantFrom('encoded', 'encoded', 'raw', 'latin1'));
  const request = fc.record({
    route: fc.constantFrom(...ROUTES),
    // Mostly the route's own method, sometimes another one.
    method: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH') }),
    pairs: fc.array(pair, { maxLength: 6 }),
    contentType: fc.constantFrom<string | null>(form, form, form, 'application/json', 'text/plain', 'multipart/form-data; boundary=x', null),
    // Mostly form pairs, sometimes a JSON document instead.
    json: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) }),
  });

  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => ids[k] ?? k);
  function encode(pairs: [string, string, string][]): Buffer {
    const parts = pairs.map(([k, v, how]) => {
      const kk = fill(k);
      const vv = fill(v);
      if (how === 'raw') return Buffer.from(`${kk}=${vv}`, 'utf8');
      if (how === 'latin1') return Buffer.concat([Buffer.from(`${encodeURIComponent(kk).replace(/%5B/g, '[').replace(/%5D/g, ']')}=`), Buffer.from(vv, 'latin1'), Buffer.from([0xff, 0xc0])]);
      return Buffer.from(`${encodeURIComponent(kk).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(vv)}`);
    });
    const out: Buffer[] = [];
    parts.forEach((p, i) => out.push(...(i ? [Buffer.from('&'), p] : [p])));
    return Buffer.concat(out);
  }

  it('answers generated malformed requests on every route with a 2xx or a 4xx in its shape, changing nothing when refusing', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const method = r.method ?? r.route[0];
        const path = fill(r.route[1]);
        const bytes = r.json !== null ? Buffer.from(r.json) : encode(r.pairs as [string, string, string][]);
        const isGet = method === 'GET';
        const target = isGet && bytes.length ? `${path}?${bytes.toString('latin1').replace(/[^\x21-\x7e]/g, (ch) => encodeURIComponent(ch))}` : path;
        await probe(`${method} ${clip(target, 120)} ${clip(bytes.toString('latin1'), 200)}`, method, target, isGet ? undefined : bytes, r.contentType);
      }),
      { seed: 20261130, numRuns: 600, endOnFailure: true },
    );
  }, 60_000);

  it('answers generated search queries with results or a 400 naming the query', async () => {
    const TOKENS = ['amount', 'currency', 'status', 'created', 'email', 'name', 'customer', 'metadata', "metadata['k']", 'metadata["__proto__"]', "metadata['", 'payment_method_details.card.last4', '-', ':', '~', '>', '>=', '<', '<=', "'", '"', '\\', 'AND', 'OR', 'and', ' ', '  ', 'null', '0', '-1', '1.5', '1e3', "'usd'", "'succeeded'", "'4242'", "'ab'", '(', ')', '%', '💳'];
    const query = fc.array(fc.constantFrom(...TOKENS), { minLength: 0, maxLength: 14 }).map((t) => t.join(''));
    const resource = fc.constantFrom('payment_intents', 'customers', 'charges');
    await fc.assert(
      fc.asyncProperty(resource, query, fc.constantFrom('', '&limit=3', '&page=nope', '&page=', '&expand[0]=data.latest_charge', '&expand[0]=total_count'), async (r, q, extra) => {
        const a = await probe(`search ${r} ${q}${extra}`, 'GET', `/v1/${r}/search?query=${encodeURIComponent(q)}${extra}`);
        if (a.status === 400 && q.trim() !== '' && extra === '') expect(a.json.error.param, `search ${r} ${q}: ${clip(a.text)}`).toBe('query');
      }),
      { seed: 20261130, numRuns: 200, endOnFailure: true },
    );
  }, 60_000);

  it("refuses a foreign Host and a cross-site POST with a 403 in Stripe's shape, changing nothing", async () => {
    for (const [name, headers] of HOST_REFUSALS) {
      const before = await stateOf(env.sandbox);
      const a = await rawRequest(base(), 'POST', '/v1/customers', { ...headers, authorization: `Bearer ${secret()}` }, 'name=x');
      const body = JSON.parse(a.text) as { error: { type: string; message: string } };
      expect([a.status, body.error.type, typeof body.error.message], name).toEqual([403, 'invalid_request_error', 'string']);
      expect(await stateOf(env.sandbox), name).toBe(before);
    }
  });

  it('reports no bug and still answers a valid request', async () => {
    expect(env.bugs).toEqual([]);
    const a = await call('POST', '/v1/payment_intents', 'amount=500&currency=usd&payment_method=pm_card_visa&confirm=true');
    expect(a.status).toBe(200);
    expect(a.json.status).toBe('succeeded');
  });
});
