/**
 * A stateful property test of the native API (fast-check): random sequences of valid, half-valid and
 * malformed requests (bodies, headers, keys, paths) against a fresh in-memory sandbox per run.
 *
 * Every answer is a documented status (2xx or an API error's 4xx, never a 5xx) with the documented
 * error shape. Idempotency-Key: a repeat of a successful request returns the stored response, and a
 * key reused for another request never succeeds. After each run, the state read back over the API
 * holds the invariants: the payments are exactly those created, one per merchant_order_id; refunds
 * are exactly those created and add up to each payment's amount_refunded, which never exceeds what was
 * captured.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CARDS } from '../../src/engine/cards.js';
import { ERROR_CODES } from '../../src/errors.js';
import { startTestSandbox, type Api } from '../helpers/sandbox.js';

const DOCUMENTED = new Set([200, 201, ...Object.values(ERROR_CODES).map((c) => c.status).filter((s) => s < 500)]);
const IDEMPOTENT_POSTS = [/^\/v1\/payments$/, /^\/v1\/payments\/[^/]+\/(capture|cancel)$/, /^\/v1\/refunds$/, /^\/v1\/webhook_endpoints$/];

/** Header-safe text (fetch refuses other characters; it trims spaces). */
const token = (maxLength: number) => fc.stringMatching(new RegExp(`^[\\x21-\\x7e]{0,${maxLength}}$`));
/** The object without its undefined fields (JSON drops them anyway; this keeps the model's view equal). */
const dropUndefined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const weighted = <T>(...pairs: [number, fc.Arbitrary<T>][]) => fc.oneof(...pairs.map(([weight, arbitrary]) => ({ weight, arbitrary })));

const key = fc.option(weighted([8, fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5', 'k6')], [1, token(300)]), { nil: undefined, freq: 3 });
const junk = fc.oneof(fc.jsonValue(), fc.constantFrom(0, -5, 1.5, 1e9, '100', null, '', []));
/** Mostly a valid amount for a refund or capture of a payment of up to 100,000; sometimes none or junk. */
const partAmount = weighted<unknown>([6, fc.integer({ min: 1, max: 800 })], [2, fc.constant(undefined)], [1, fc.integer({ min: 1, max: 200_000 })], [1, junk]);

/** A valid create-payment body; one in four gets one field replaced, removed or added. */
const validCreate = fc.record({
  amount: fc.integer({ min: 1, max: 100_000 }),
  currency: fc.constantFrom('usd', 'eur', 'jpy', 'CNY'),
  merchant_order_id: fc.constantFrom('o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', 'o8', 'o9', 'o10'),
  payment_method: weighted<unknown>(
    [5, fc.record({ type: fc.constant('card'), card: fc.record({ number: weighted([3, fc.constant('4242424242424242')], [2, fc.constantFrom(...TEST_CARDS.map((c) => c.number))]), exp_month: fc.integer({ min: 1, max: 12 }), exp_year: weighted([9, fc.constant(2034)], [1, fc.constant(2020)]) }) })],
    [1, fc.record({ type: fc.constant('wallet'), wallet: fc.constantFrom('alipay', 'wechat_pay') })],
  ),
  capture_method: fc.constantFrom('automatic', 'manual'),
});
const mutation = weighted<{ field: string; value?: unknown }>(
  [3, fc.record({ field: fc.constantFrom('amount', 'currency', 'merchant_order_id', 'payment_method', 'capture_method', 'notify_url', 'metadata', 'description', 'unknown_field'), value: junk })],
  [1, fc.record({ field: fc.constantFrom('amount', 'currency', 'merchant_order_id', 'payment_method') })],
);
const createBody = fc.tuple(validCreate, weighted<{ field: string; value?: unknown } | null>([3, fc.constant(null)], [1, mutation])).map(([body, m]) => {
  if (!m) return body;
  const copy: Record<string, unknown> = { ...body };
  if ('value' in m) copy[m.field] = m.value;
  else delete copy[m.field];
  return copy;
});

/** `{p}` is replaced by a payment the run knows (or a made-up id), `{s}` by a succeeded one if any, `{r}` by a refund. */
type Step = { method: string; path: string; body?: unknown; raw?: string; key?: string; auth?: string | null; contentType?: string; pick: number };
const pick = fc.nat();
const create: fc.Arbitrary<Step> = fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/payments'), body: createBody, key, pick });
const step: fc.Arbitrary<Step> = weighted<Step>(
  [5, create],
  [3, fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/refunds'), body: fc.record({ payment_id: fc.constant('{s}'), amount: partAmount }, { requiredKeys: ['payment_id'] }).map(dropUndefined), key, pick })],
  [2, fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/payments/{p}/capture'), body: fc.record({ amount: partAmount }, { requiredKeys: [] }).map(dropUndefined), key, pick })],
  [1, fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/payments/{p}/cancel'), body: fc.constant({}), key, pick })],
  [2, fc.record({ method: fc.constant('POST'), path: fc.constantFrom('/_sandbox/buyer/{p}/complete', '/_sandbox/buyer/{p}/fail', '/_sandbox/buyer/{p}/expire', '/_sandbox/buyer/{p}/dance'), body: fc.constant({}), pick })],
  [
    2,
    fc.record({
      method: fc.constant('GET'),
      path: fc.constantFrom('/v1/payments/{p}', '/v1/payments?limit=100', '/v1/payments?limit=0', '/v1/refunds/{r}', '/v1/refunds?payment_id={p}', '/v1/events?payment_id={p}&type=payment.*', '/v1/events?starting_after=evt_x', '/v1/settlements/2026-02-30', '/v1/settlements/2026-01-01?format=csv', '/_sandbox/buyer/{p}', '/_sandbox/deliveries?limit=5', '/_sandbox/requests?since=x'),
      pick,
    }),
  ],
  [
    3,
    fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
      path: weighted([3, fc.constantFrom('/v1/payments', '/v1/payments/{p}', '/v1/refunds', '/v1/webhook_endpoints/{p}', '/_sandbox/chaos', '/_sandbox/clock/advance', '/_sandbox/merchant')], [2, fc.webPath()], [1, token(40).map((s) => `/v1/${s}`)], [1, fc.constantFrom('/v1/payments/%E0%A4%A', '/v1/%', '/v1/payments/..%2f..', '/v1//payments')]),
      raw: fc.option(weighted([3, fc.json()], [1, fc.string({ maxLength: 60 })], [1, fc.constantFrom('{', '{"amount":', '[]', 'null', '"x"', '{"a":'.repeat(40))]), { nil: undefined }),
      key,
      // undefined: the merchant's key; null: no Authorization header.
      auth: weighted<string | null | undefined>([4, fc.constant(undefined)], [1, fc.constant(null)], [1, fc.constantFrom('Bearer sk_test_nope', 'Basic Og==', 'Bearer pk_test_x')], [1, token(30)]),
      contentType: fc.option(fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/vnd.api+json', 'multipart/form-data'), { nil: undefined }),
      pick,
    }),
  ],
);

interface Model {
  payments: string[];
  /** Payments last seen succeeded */
  succeeded: Set<string>;
  refunds: string[];
  /** merchant_order_id → the payment created for it */
  orders: Map<string, string>;
  /** Idempotency-Key → the first successful request under it and its answer */
  keys: Map<string, { request: string; status: number; body: unknown }>;
}

let api: Api;
beforeAll(async () => {
  api = await startTestSandbox();
});
afterAll(() => api.close());

/** A step with its placeholders filled in: exactly what goes on the wire. */
interface Sent {
  step: Step;
  path: string;
  body: string | undefined;
}

/** Sends one step (or, for `repeat`, a request sent earlier in the run, byte for byte). */
async function run(model: Model, history: Sent[], s: Step | { repeat: number }): Promise<void> {
  if ('repeat' in s) {
    const earlier = history[s.repeat % Math.max(1, history.length)];
    if (earlier) await send(model, earlier);
    return;
  }
  const succeeded = [...model.succeeded];
  const fill = (text: string) =>
    text
      .replaceAll('{s}', succeeded[s.pick % succeeded.length] ?? model.payments[s.pick % model.payments.length] ?? 'pay_missing')
      .replaceAll('{p}', model.payments[s.pick % model.payments.length] ?? 'pay_missing')
      .replaceAll('{r}', model.refunds[s.pick % model.refunds.length] ?? 're_missing');
  const sent = { step: s, path: fill(s.path), body: s.raw ?? (s.body === undefined ? undefined : fill(JSON.stringify(s.body))) };
  history.push(sent);
  await send(model, sent);
}

/** Sends a request; checks the answer and what it means for the model. */
async function send(model: Model, { step: s, path, body }: Sent): Promise<void> {
  const headers: Record<string, string> = {};
  if (s.auth !== null) headers.authorization = s.auth ?? `Bearer ${api.sandbox.merchant.secret_key}`;
  if (body !== undefined) headers['content-type'] = s.contentType ?? 'application/json';
  if (s.key !== undefined) headers['idempotency-key'] = s.key;
  const res = await fetch(api.sandbox.url + path, { method: s.method, headers, body: s.method === 'GET' ? undefined : body });
  const text = await res.text();
  const where = `${s.method} ${path} ${body ?? ''} → ${res.status} ${text.slice(0, 300)}`;
  expect(DOCUMENTED.has(res.status), where).toBe(true);
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    expect(res.status < 400, `an error that is not JSON: ${where}`).toBe(true); // buyer page HTML, settlement CSV
  }
  if (res.status >= 400) {
    const code = json?.error?.code as keyof typeof ERROR_CODES;
    expect(ERROR_CODES[code]?.status, where).toBe(res.status);
    expect(typeof json.error.message, where).toBe('string');
    expect(json.error.type, where).toBe(ERROR_CODES[code].type);
  }

  const idempotent = s.method === 'POST' && s.key !== undefined && IDEMPOTENT_POSTS.some((r) => r.test(path.split('?')[0]!));
  const replayed = res.headers.get('idempotent-replayed') === 'true';
  if (idempotent) {
    const request = `${path}\n${body ?? ''}`;
    const first = model.keys.get(s.key!);
    if (first && first.request === request && s.auth === undefined && s.contentType === undefined) {
      expect({ status: res.status, body: json, replayed }, where).toEqual({ status: first.status, body: first.body, replayed: true });
      return;
    }
    if (first) expect(res.status >= 400, `a reused key succeeded: ${where}`).toBe(true);
    else if (res.status < 300) model.keys.set(s.key!, { request, status: res.status, body: json });
  }
  if (res.status === 201 && !replayed && json?.object === 'payment') {
    expect(model.payments, where).not.toContain(json.id);
    expect(model.orders.has(json.merchant_order_id), `a second payment for one merchant_order_id: ${where}`).toBe(false);
    model.payments.push(json.id);
    model.orders.set(json.merchant_order_id, json.id);
  }
  if (res.status === 201 && !replayed && json?.object === 'refund') model.refunds.push(json.id);
  if (res.status < 300 && !replayed && json?.object === 'payment') {
    if (json.status === 'succeeded') model.succeeded.add(json.id);
    else model.succeeded.delete(json.id);
  }
}

/** Reads the whole state back over the API and checks the invariants. */
async function checkInvariants(model: Model): Promise<void> {
  const listed = await api.call('GET', '/v1/payments?limit=100');
  expect(listed.body.has_more).toBe(false);
  const payments = listed.body.data as { id: string; merchant_order_id: string; amount: number; amount_captured: number; amount_refunded: number }[];
  expect(new Set(payments.map((p) => p.id))).toEqual(new Set(model.payments));
  expect(new Set(payments.map((p) => p.merchant_order_id)).size).toBe(payments.length);
  const allRefunds: string[] = [];
  for (const p of payments) {
    expect(p.amount_captured).toBeLessThanOrEqual(p.amount);
    expect(p.amount_refunded).toBeLessThanOrEqual(p.amount_captured);
    const refunds = (await api.call('GET', `/v1/refunds?payment_id=${p.id}&limit=100`)).body.data as { id: string; amount: number; status: string }[];
    const refunded = refunds.filter((r) => r.status === 'succeeded').reduce((sum, r) => sum + r.amount, 0);
    expect(refunded, `refunds of ${p.id}`).toBe(p.amount_refunded);
    allRefunds.push(...refunds.map((r) => r.id));
  }
  expect(new Set(allRefunds)).toEqual(new Set(model.refunds));
}

describe('the API under random and malformed requests', () => {
  it('answers only documented statuses and keeps its invariants', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(create, { minLength: 1, maxLength: 4 }), fc.array(weighted<Step | { repeat: number }>([6, step], [1, fc.record({ repeat: fc.nat() })]), { maxLength: 25 }), async (first, then) => {
        const steps = [...first, ...then];
        await api.sandbox.service.reset(); // a fresh state per run (keeps the API keys)
        const model: Model = { payments: [], succeeded: new Set(), refunds: [], orders: new Map(), keys: new Map() };
        const history: Sent[] = [];
        for (const s of steps) await run(model, history, s);
        await checkInvariants(model);
      }),
      { numRuns: 150 },
    );
  }, 180_000);
});
