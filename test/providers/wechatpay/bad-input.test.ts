/**
 * Bad input on the WeChat Pay v3 emulation, on every route it serves: requests correctly signed with
 * `WECHATPAY2-SHA256-RSA2048` whose bodies are malformed JSON, wrong types or miss fields, path parameters
 * with odd characters, odd query strings and wrong methods; and requests whose Authorization is missing or
 * wrong. Every refusal is a 4xx `{code, message, detail?}` whose `Wechatpay-*` headers verify with WeChat
 * Pay's key (those met before the signature could be checked too); nothing is ever a 5xx; a refused request changes nothing (a declined
 * payment code aside: the order it opened is its record); the sandbox answers afterwards.
 */
import { createSign, createVerify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WechatpayCredentials } from '../../../src/providers/wechatpay/credentials.js';
import { badInputSandbox, clip, expectNoLeak, HOST_REFUSALS, rawRequest, readAnswer, stateOf, type Answer } from '../bad-input-env.js';

const env = badInputSandbox();
const base = () => env.sandbox.providers.wechatpay!.url;
const creds = () => env.sandbox.providers.wechatpay!.credentials as WechatpayCredentials;

/** A payment code's refusal (declined, or waiting for the payer's password) records the order it opened, as on WeChat. */
const CODEPAY_OUTCOMES = new Set(['USERPAYING', 'NOT_ENOUGH', 'TRADE_ERROR']);

let nonceSeq = 0;
/** A request signed with the merchant key as the SDKs sign it, over the exact target and body bytes. */
async function signed(method: string, target: string, body: string | Buffer = '', headers: Record<string, string> = {}, auth?: string): Promise<Answer> {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = `N${++nonceSeq}`.padEnd(32, 'x');
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const message = Buffer.concat([Buffer.from(`${method}\n${target}\n${ts}\n${nonce}\n`), bytes, Buffer.from('\n')]);
  const signature = createSign('RSA-SHA256').update(message).sign(creds().merchant_private_key, 'base64');
  const authorization = auth ?? `WECHATPAY2-SHA256-RSA2048 mchid="${creds().mchid}",serial_no="${creds().merchant_serial}",timestamp="${ts}",nonce_str="${nonce}",signature="${signature}"`;
  const res = await fetch(`${base()}${target}`, {
    method,
    redirect: 'manual',
    headers: { authorization, accept: 'application/json', ...(bytes.length ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(bytes.length && method !== 'GET' && method !== 'HEAD' ? { body: bytes } : {}),
  });
  return readAnswer(res);
}

/** Checks an answer: no 5xx; a refusal in WeChat's shape, signed with WeChat Pay's key. */
function checkShape(what: string, a: Answer): void {
  expect(a.status, `${what} → ${a.status} ${clip(a.text)}`).toBeLessThan(500);
  expectNoLeak(a.text, what);
  expect(a.headers.get('request-id'), what).toMatch(/^[0-9A-F]{32}$/);
  if (a.status < 300 || a.status === 202) return;
  expect(a.status, what).toBeGreaterThanOrEqual(400);
  expect(a.json, `${what}: not JSON: ${clip(a.text)}`).not.toBeNull();
  expect(a.json.code, `${what}: ${clip(a.text)}`).toMatch(/^[A-Z_]+$/);
  expect(a.json.message, `${what}: ${clip(a.text)}`).toBeTypeOf('string');
  expect(Object.keys(a.json).filter((k) => !['code', 'message', 'detail'].includes(k)), what).toEqual([]);
  if (a.json.detail !== undefined) expect(a.json.detail, what).toBeTypeOf('object');
  const ts = a.headers.get('wechatpay-timestamp');
  const nonce = a.headers.get('wechatpay-nonce');
  const signature = a.headers.get('wechatpay-signature');
  expect(a.headers.get('wechatpay-serial'), `${what}: unsigned refusal`).toBe(creds().public_key_id);
  const ok = createVerify('RSA-SHA256').update(`${ts}\n${nonce}\n${a.text}\n`).verify(creds().public_key, signature ?? '', 'base64');
  expect(ok, `${what}: the refusal's signature does not verify with WeChat Pay's public key`).toBe(true);
}

async function probe(what: string, method: string, target: string, body: string | Buffer = '', headers: Record<string, string> = {}, auth?: string): Promise<Answer> {
  const before = await stateOf(env.sandbox);
  const a = await signed(method, target, body, headers, auth);
  checkShape(what, a);
  const recorded = target === '/v3/pay/transactions/codepay' && CODEPAY_OUTCOMES.has(a.json?.code);
  if ((a.status >= 400 || a.status === 202) && !recorded) expect(await stateOf(env.sandbox), `${what}: a refused request changed the state (${clip(a.text)})`).toBe(before);
  return a;
}

const ids: Record<string, string> = {};
const mch = () => creds().mchid;
const order = (over: Record<string, unknown> = {}) => ({
  appid: creds().appid,
  mchid: creds().mchid,
  description: 'tea',
  out_trade_no: 'fz-order-1',
  notify_url: 'https://shop.example/notify',
  amount: { total: 100, currency: 'CNY' },
  ...over,
});

describe('WeChat Pay: bad input', () => {
  it('places the orders the requests aim at', async () => {
    const waiting = await signed('POST', '/v3/pay/transactions/native', JSON.stringify(order({ out_trade_no: 'fz-wait-1' })));
    expect(waiting.status, waiting.text).toBe(200);
    ids.wait = 'fz-wait-1';
    const paid = await signed('POST', '/v3/pay/transactions/codepay', JSON.stringify({ ...order({ out_trade_no: 'fz-paid-1', notify_url: undefined }), payer: { auth_code: '130000000000004242' }, scene_info: { store_info: { out_id: 's1' } } }));
    expect(paid.status, paid.text).toBe(200);
    ids.paid = 'fz-paid-1';
    ids.txn = paid.json.transaction_id;
    const refund = await signed('POST', '/v3/refund/domestic/refunds', JSON.stringify({ out_trade_no: ids.paid, out_refund_no: 'fz-r-1', amount: { refund: 1, total: 100, currency: 'CNY' } }));
    expect(refund.status, refund.text).toBe(200);
  });

  const N = '/v3/pay/transactions/native';
  const R = '/v3/refund/domestic/refunds';
  const CASES: () => [string, string, string, string, number, string?][] = () => [
    // name, method, target, body, status, detail.field
    ['malformed JSON', 'POST', N, '{"appid":', 400],
    ['an array', 'POST', N, '[1,2]', 400],
    ['null', 'POST', N, 'null', 400],
    ['a number', 'POST', N, '5', 400],
    ['a string', 'POST', N, '"x"', 400],
    ['an empty object', 'POST', N, '{}', 400, '/appid'],
    ['deeply nested JSON', 'POST', N, `${'['.repeat(5000)}${']'.repeat(5000)}`, 400],
    ['amount.total a string', 'POST', N, JSON.stringify(order({ amount: { total: '100' } })), 400, '/amount/total'],
    ['amount.total negative', 'POST', N, JSON.stringify(order({ amount: { total: -1 } })), 400, '/amount/total'],
    ['amount.total a fraction', 'POST', N, JSON.stringify(order({ amount: { total: 1.5 } })), 400, '/amount/total'],
    ['amount.total huge', 'POST', N, JSON.stringify(order({ amount: { total: 1e300 } })), 400, '/amount/total'],
    ['amount.total beyond JSON doubles', 'POST', N, JSON.stringify(order()).replace('"total":100', '"total":1e999'), 400, '/amount/total'],
    ['amount an array', 'POST', N, JSON.stringify(order({ amount: [100] })), 400, '/amount'],
    ['amount missing', 'POST', N, JSON.stringify(order({ amount: undefined })), 400, '/amount'],
    ['currency USD', 'POST', N, JSON.stringify(order({ amount: { total: 1, currency: 'USD' } })), 400, '/amount/currency'],
    ['out_trade_no with odd characters', 'POST', N, JSON.stringify(order({ out_trade_no: 'a/b?c#d e' })), 400, '/out_trade_no'],
    ['out_trade_no a number', 'POST', N, JSON.stringify(order({ out_trade_no: 1234567 })), 400, '/out_trade_no'],
    ['description too long', 'POST', N, JSON.stringify(order({ description: 'd'.repeat(128) })), 400, '/description'],
    ['notify_url not http', 'POST', N, JSON.stringify(order({ notify_url: 'javascript:alert(1)' })), 400, '/notify_url'],
    ['time_expire garbage', 'POST', N, JSON.stringify(order({ time_expire: 'tomorrow' })), 400, '/time_expire'],
    ['time_expire in the past', 'POST', N, JSON.stringify(order({ time_expire: '2020-01-01T00:00:00+08:00' })), 400, '/time_expire'],
    ['another appid', 'POST', N, JSON.stringify(order({ appid: 'wx0000000000000000' })), 400],
    ['another mchid', 'POST', N, JSON.stringify(order({ mchid: '1900000000' })), 400],
    ['a key named __proto__', 'POST', N, `{"__proto__":{"amount":{"total":1}},${JSON.stringify(order({ amount: undefined })).slice(1)}`, 400, '/amount'],
    ['a field nested 300,000 levels deep', 'POST', N, JSON.stringify(order({ out_trade_no: 'fz-deep-1', detail: { goods: 'DEEP' } })).replace('"DEEP"', `${'['.repeat(300_000)}${']'.repeat(300_000)}`), 200],
    ['an unknown field nested 300,000 levels deep', 'POST', N, JSON.stringify(order({ out_trade_no: 'fz-deep-2', extra: 'DEEP' })).replace('"DEEP"', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`), 200],
    ['jsapi without a payer', 'POST', '/v3/pay/transactions/jsapi', JSON.stringify(order()), 400, '/payer'],
    ['h5 with an odd type', 'POST', '/v3/pay/transactions/h5', JSON.stringify(order({ scene_info: { payer_client_ip: '1.2.3.4', h5_info: { type: 'Symbian' } } })), 400, '/scene_info/h5_info/type'],
    ['codepay with a code that is not one', 'POST', '/v3/pay/transactions/codepay', JSON.stringify({ ...order({ notify_url: undefined }), payer: { auth_code: '12' }, scene_info: { store_info: { out_id: 's' } } }), 400, '/payer/auth_code'],
    ['codepay of a paid order', 'POST', '/v3/pay/transactions/codepay', JSON.stringify({ ...order({ out_trade_no: ids.paid, notify_url: undefined }), payer: { auth_code: '130000000000004242' }, scene_info: { store_info: { out_id: 's' } } }), 400],
    ['refund with an unknown field', 'POST', R, JSON.stringify({ out_trade_no: ids.paid, out_refund_no: 'fz-r-2', amount: { refund: 1, total: 100, currency: 'CNY' }, nope: 1 }), 400, '/nope'],
    ['refund without a trade', 'POST', R, JSON.stringify({ out_refund_no: 'fz-r-2', amount: { refund: 1, total: 100, currency: 'CNY' } }), 400, '/out_trade_no'],
    ['refund over the total', 'POST', R, JSON.stringify({ out_trade_no: ids.paid, out_refund_no: 'fz-r-2', amount: { refund: 1000, total: 100, currency: 'CNY' } }), 400, '/amount/refund'],
    ['refund with a wrong total', 'POST', R, JSON.stringify({ out_trade_no: ids.paid, out_refund_no: 'fz-r-2', amount: { refund: 1, total: 99, currency: 'CNY' } }), 400, '/amount/total'],
    ['refund of an unpaid order', 'POST', R, JSON.stringify({ out_trade_no: ids.wait, out_refund_no: 'fz-r-2', amount: { refund: 1, total: 100, currency: 'CNY' } }), 400],
    ['refund with amounts as strings', 'POST', R, JSON.stringify({ out_trade_no: ids.paid, out_refund_no: 'fz-r-2', amount: { refund: '1', total: '100', currency: 'CNY' } }), 400, '/amount/refund'],
    ['close without mchid', 'POST', `/v3/pay/transactions/out-trade-no/${ids.wait}/close`, '{}', 400, '/mchid'],
    ['close with mchid a number', 'POST', `/v3/pay/transactions/out-trade-no/${ids.wait}/close`, '{"mchid":1}', 400, '/mchid'],
    ['close of a paid order', 'POST', `/v3/pay/transactions/out-trade-no/${ids.paid}/close`, JSON.stringify({ mchid: mch() }), 400],
    ['close of an unknown order', 'POST', '/v3/pay/transactions/out-trade-no/nope-123/close', JSON.stringify({ mchid: mch() }), 404],
    // paths and queries
    ['a query without mchid', 'GET', `/v3/pay/transactions/out-trade-no/${ids.wait}`, '', 400, 'mchid'],
    ['a query with mchid twice', 'GET', `/v3/pay/transactions/out-trade-no/${ids.wait}?mchid=${mch()}&mchid=${mch()}`, '', 400, 'mchid'],
    ['a query with mchid as a hash', 'GET', `/v3/pay/transactions/id/${ids.txn}?mchid[a]=1`, '', 400, 'mchid'],
    ['a query with another mchid', 'GET', `/v3/pay/transactions/id/${ids.txn}?mchid=1900000000`, '', 400],
    ['a path that does not percent-decode', 'GET', `/v3/pay/transactions/out-trade-no/%E0%A4%A?mchid=${mch()}`, '', 400],
    ['a path with an encoded slash', 'GET', `/v3/pay/transactions/out-trade-no/a%2F..%2F..?mchid=${mch()}`, '', 404],
    ['a path with a NUL', 'GET', `/v3/pay/transactions/id/%00?mchid=${mch()}`, '', 404],
    ['a path with emoji', 'GET', `/v3/refund/domestic/refunds/${encodeURIComponent('💳')}`, '', 404],
    // WeChat checks a path parameter's length before looking anything up: 字节数 5000，大于最大值 64.
    ['an over-long path parameter', 'GET', `/v3/refund/domestic/refunds/${'r'.repeat(5000)}`, '', 400, 'out_refund_no'],
    ['a bill without a date', 'GET', '/v3/bill/tradebill', '', 400, 'bill_date'],
    ['a bill of an odd date', 'GET', '/v3/bill/tradebill?bill_date=2026-02-30', '', 400, 'bill_date'],
    ['a bill date twice', 'GET', '/v3/bill/fundflowbill?bill_date=2026-11-01&bill_date=2026-11-02', '', 400, 'bill_date'],
    ['a bill of an odd type', 'GET', '/v3/bill/tradebill?bill_date=2026-11-01&bill_type=NOPE', '', 400, 'bill_type'],
    ['a bill query that does not percent-decode', 'GET', '/v3/bill/tradebill?bill_date=%E0%A4%A', '', 400, 'bill_date'],
    ['a download without a token', 'GET', '/v3/billdownload/file', '', 404],
    ['a download with tokens as an array', 'GET', '/v3/billdownload/file?token=a&token=b', '', 404],
    // methods
    ['GET on an order API', 'GET', N, '', 405],
    ['PUT on a refund', 'PUT', R, '{}', 405],
    ['DELETE on a query', 'DELETE', `/v3/pay/transactions/out-trade-no/${ids.wait}?mchid=${mch()}`, '', 405],
    ['PATCH on the certificates', 'PATCH', '/v3/certificates', '{}', 405],
    ['an unknown API', 'POST', '/v3/pay/transactions/nope', '{}', 404],
  ];

  it('answers each hand-written malformed request with its 4xx naming the field, signed, and changes nothing', async () => {
    const problems: string[] = [];
    for (const [name, method, target, body, status, field] of CASES()) {
      try {
        const a = await probe(name, method, target, body);
        expect(a.status, `${name}: ${clip(a.text)}`).toBe(status);
        if (field !== undefined) expect(a.json?.detail?.field, `${name}: ${clip(a.text)}`).toBe(field);
      } catch (err) {
        problems.push((err as Error).message.split('\n')[0]!);
      }
    }
    expect(problems).toEqual([]);
  });

  it('refuses a missing, malformed or forged Authorization, and a body that is not JSON, changing nothing', async () => {
    const body = JSON.stringify(order({ out_trade_no: 'fz-auth-1' }));
    const problems: string[] = [];
    const cases: [string, string | undefined, Record<string, string>, number][] = [
      ['no Authorization', '', {}, 401],
      ['another scheme', 'Bearer x', {}, 401],
      ['garbage parameters', 'WECHATPAY2-SHA256-RSA2048 %%%', {}, 401],
      ['an unknown mchid', `WECHATPAY2-SHA256-RSA2048 mchid="1900000000",serial_no="x",timestamp="1",nonce_str="n",signature="AAAA"`, {}, 401],
    ];
    for (const [name, auth, headers, status] of cases) {
      try {
        const a = await probe(name, 'POST', N, body, headers, auth);
        expect(a.status, `${name}: ${clip(a.text)}`).toBe(status);
      } catch (err) {
        problems.push((err as Error).message.split('\n')[0]!);
      }
    }
    // Signed correctly, then sent with another body, or as another content type.
    const forged = await probe('a forged signature', 'POST', N, body, {}, `WECHATPAY2-SHA256-RSA2048 mchid="${mch()}",serial_no="${creds().merchant_serial}",timestamp="${Math.floor(Date.now() / 1000)}",nonce_str="n",signature="AAAA"`);
    expect([forged.status, forged.json.code]).toEqual([401, 'SIGN_ERROR']);
    const form = await probe('a form body', 'POST', N, 'a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect([form.status, form.json.detail?.field]).toEqual([400, 'Content-Type']);
    const latin = await probe('bytes that are not UTF-8', 'POST', N, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
    expect([latin.status, latin.json.code, latin.json.message]).toEqual([400, 'PARAM_ERROR', expect.stringContaining('UTF-8')]);
    // Refused by the body parser, before the Authorization names the merchant: answered unsigned.
    const gzip = await probe('a gzip body that is not gzip', 'POST', N, body, { 'content-encoding': 'gzip' });
    expect([gzip.status, gzip.json.code]).toEqual([400, 'PARAM_ERROR']);
    const encoding = await probe('an unknown content encoding', 'POST', N, body, { 'content-encoding': 'x-nope' });
    expect([encoding.status, encoding.json.detail?.field]).toEqual([415, 'Content-Encoding']);
    const serial = await probe('a Wechatpay-Serial naming the merchant', 'POST', N, body, { 'wechatpay-serial': creds().merchant_serial });
    expect([serial.status, serial.json.detail?.field]).toEqual([400, 'Wechatpay-Serial']);
    expect(problems).toEqual([]);
  });

  const ROUTES: [string, string, string][] = [
    ['POST', '/v3/pay/transactions/native', 'order'],
    ['POST', '/v3/pay/transactions/jsapi', 'jsapi'],
    ['POST', '/v3/pay/transactions/app', 'order'],
    ['POST', '/v3/pay/transactions/h5', 'h5'],
    ['POST', '/v3/pay/transactions/codepay', 'codepay'],
    ['GET', '/v3/pay/transactions/out-trade-no/{no}?mchid={mchid}', ''],
    ['GET', '/v3/pay/transactions/id/{txn}?mchid={mchid}', ''],
    ['POST', '/v3/pay/transactions/out-trade-no/{no}/close', 'close'],
    ['POST', '/v3/refund/domestic/refunds', 'refund'],
    ['GET', '/v3/refund/domestic/refunds/{refund}', ''],
    ['GET', '/v3/bill/tradebill?bill_date={date}', ''],
    ['GET', '/v3/bill/fundflowbill?bill_date={date}', ''],
    ['GET', '/v3/billdownload/file?token={token}', ''],
    ['GET', '/v3/certificates', ''],
  ];
  const JUNK = fc.oneof(
    fc.constantFrom<unknown>('', 'x', 0, -1, 1, 1.5, 1e300, 100_000_000_01, true, null, [], {}, [1], { total: 1 }, 'CNY', 'USD', 'd'.repeat(200), '\u0000', '💳', '2026-11-30T14:00:00+08:00', '130000000000004242', 'https://shop.example/n', 'AVAILABLE'),
    fc.string({ maxLength: 10 }),
    fc.integer(),
    fc.double(),
  );
  const FIELDS = ['appid', 'mchid', 'description', 'out_trade_no', 'notify_url', 'amount', 'amount.total', 'amount.currency', 'amount.refund', 'time_expire', 'attach', 'payer', 'payer.openid', 'payer.auth_code', 'scene_info', 'scene_info.h5_info.type', 'scene_info.store_info.out_id', 'out_refund_no', 'transaction_id', 'funds_account', 'reason', 'detail', 'settle_info.profit_sharing', 'goods_tag', 'support_fapiao', '__proto__', 'constructor'];
  /** A valid body of each kind; the generator replaces, removes or adds fields. */
  const VALID: Record<string, (n: number) => Record<string, unknown>> = {
    order: (n) => order({ out_trade_no: `fz-g-${n}` }),
    jsapi: (n) => order({ out_trade_no: `fz-g-${n}`, payer: { openid: 'o-buyer' } }),
    h5: (n) => order({ out_trade_no: `fz-g-${n}`, scene_info: { payer_client_ip: '1.2.3.4', h5_info: { type: 'Wap' } } }),
    codepay: (n) => ({ ...order({ out_trade_no: `fz-g-${n}`, notify_url: undefined }), payer: { auth_code: '130000000000004242' }, scene_info: { store_info: { out_id: 's' } } }),
    close: () => ({ mchid: mch() }),
    refund: (n) => ({ out_trade_no: ids.paid, out_refund_no: `fz-g-r-${n}`, amount: { refund: 1, total: 100, currency: 'CNY' } }),
  };
  function setPath(o: Record<string, unknown>, path: string, value: unknown, remove: boolean): void {
    const keys = path.split('.');
    let at: Record<string, unknown> = o;
    for (const k of keys.slice(0, -1)) {
      const next = at[k];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) at[k] = {};
      at = at[k] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    if (remove) delete at[last];
    else Object.defineProperty(at, last, { value, enumerable: true, writable: true, configurable: true });
  }
  const PATH_VALUES = fc.constantFrom('{wait}', '{paid}', 'nope', '%E0%A4%A', '%2F..%2F', '%00', '%F0%9F%92%B3', 'a%20b', 'x'.repeat(300), '..', '%25', "'", '<script>');
  const request = fc.record({
    route: fc.constantFrom(...ROUTES),
    n: fc.nat({ max: 1_000_000 }),
    edits: fc.array(fc.tuple(fc.constantFrom(...FIELDS), JUNK, fc.boolean()), { maxLength: 3 }),
    raw: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof(fc.json({ maxDepth: 2 }), fc.string({ maxLength: 30 })) }),
    pathValue: PATH_VALUES,
    query: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('&mchid=1', '&bill_type=NOPE', '&tar_type=ZIP', '&x=%E0', '&account_type=FEES', '&bill_date=2026-11-01&bill_date=x', '&mchid[]=1') }),
    method: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE') }),
  });

  it('answers generated requests on every route with a 2xx or a signed 4xx in its shape, changing nothing when refusing', async () => {
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const [routeMethod, template, kind] = r.route;
        const method = r.method ?? routeMethod;
        const pick = (v: string) => (v === '{wait}' ? ids.wait! : v === '{paid}' ? ids.paid! : v);
        let target = template
          .replace('{no}', pick(r.pathValue))
          .replace('{txn}', r.pathValue === '{paid}' ? ids.txn! : pick(r.pathValue))
          .replace('{refund}', r.pathValue === '{paid}' ? 'fz-r-1' : pick(r.pathValue))
          .replace('{mchid}', mch())
          .replace('{date}', r.n % 3 === 0 ? today : pick(r.pathValue))
          .replace('{token}', pick(r.pathValue));
        if (r.query) target += target.includes('?') ? r.query : `?${r.query.slice(1)}`;
        let body = '';
        if (kind && method !== 'GET') {
          if (r.raw !== null) body = r.raw;
          else {
            const o = VALID[kind]!(r.n);
            for (const [field, value, remove] of r.edits) setPath(o, field, value, remove);
            body = JSON.stringify(o);
          }
        }
        await probe(`${method} ${clip(target, 120)} ${clip(body, 200)}`, method, target, body);
      }),
      { seed: 20261130, numRuns: 300, endOnFailure: true },
    );
  }, 60_000);

  it('answers odd references on the payer pages without a 5xx, and changes nothing', async () => {
    const refs = ['nope', '%E0%A4%A', '..%2F..', '%00', 'x'.repeat(3000), ids.wait!, ids.paid!];
    const requests: [string, string, string?][] = [];
    for (const ref of refs) requests.push(['GET', `/pay/${ref}?redirect_url=javascript:x&lang=%E0`], ['GET', `/pay/${ref}/qr.svg`], ['POST', `/pay/${ref}/dance`, 'x=1'], ['POST', `/pay/${ref}/expire`, 'redirect_url=%E0%A4%A']);
    requests.push(['GET', '/pay/jsapi?package=prepay_id%3D%E0&appId[]=1'], ['GET', '/pay/app?prepayid=&sign=x&sign=y']);
    for (const [method, path, body] of requests) {
      const what = `${method} ${clip(path, 100)}`;
      const before = await stateOf(env.sandbox);
      const res = await fetch(`${base()}${path}`, { method, redirect: 'manual', ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }) });
      const text = await res.text();
      expect(res.status, `${what} → ${res.status} ${clip(text)}`).toBeLessThan(500);
      expectNoLeak(text, what);
      if (res.status >= 400) expect(await stateOf(env.sandbox), `${what}: a refused request changed the state`).toBe(before);
    }
  });

  it('refuses a foreign Host and a cross-site POST with a 403 NO_AUTH, not a 500, changing nothing', async () => {
    for (const [name, headers] of HOST_REFUSALS) {
      const before = await stateOf(env.sandbox);
      const a = await rawRequest(base(), 'POST', '/v3/pay/transactions/native', headers, '{}');
      const body = JSON.parse(a.text) as { code: string; message: string };
      expect([a.status, body.code, typeof body.message], `${name}: ${a.text}`).toEqual([403, 'NO_AUTH', 'string']);
      expect(await stateOf(env.sandbox), name).toBe(before);
    }
  });

  it('reports no bug and still answers a valid request', async () => {
    expect(env.bugs).toEqual([]);
    const a = await signed('GET', `/v3/pay/transactions/out-trade-no/${ids.paid}?mchid=${mch()}`);
    expect([a.status, a.json.trade_state]).toEqual([200, 'REFUND']);
  });
});
