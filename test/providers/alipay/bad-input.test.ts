/**
 * Bad input on the Alipay emulation: on the v2 gateway, correctly RSA2-signed requests whose biz_content is
 * malformed JSON, an array, wrong types, huge numbers or missing fields, unknown methods, and unsigned or
 * garbage-signed ones; on v3 (`/v3/alipay/...`), requests with a valid `ALIPAY-SHA256withRSA` Authorization and
 * malformed bodies; odd ids on the cashier and bill pages. Every gateway answer is HTTP 200 with
 * `{"<method>_response": {code, msg, sub_code, sub_msg}, "sign"}` signed with the Alipay key over its exact
 * bytes; every v3 refusal a 4xx `{code, message}`; nothing is ever a 5xx; a refused request changes nothing
 * (a declined payment code aside: a closed trade is its record); the sandbox answers afterwards.
 */
import { createSign, createVerify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { badInputSandbox, clip, expectNoLeak, HOST_REFUSALS, rawRequest, stateOf } from '../bad-input-env.js';

const env = badInputSandbox();
const base = () => env.sandbox.providers.alipay!.url;
const creds = () => env.sandbox.providers.alipay!.credentials as AlipayCreds;

/** Declines of a buyer's payment code: a business failure that records the closed trade, as on Alipay. */
const DECLINES = new Set(['ACQ.BUYER_BALANCE_NOT_ENOUGH', 'ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH', 'ACQ.ERROR_BALANCE_PAYMENT_DISABLE', 'ACQ.PAYMENT_FAIL', 'ACQ.PAYMENT_REQUEST_HAS_RISK', 'ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR', 'ACQ.PAYMENT_AUTH_CODE_INVALID']);

const sign = (content: string) => createSign('RSA-SHA256').update(content, 'utf8').sign(creds().app_private_key_pkcs8, 'base64');

/** A gateway request's parameters, signed as alipay-sdk signs them (sorted `k=v&…`, every parameter but `sign`). */
function signed(method: string, biz: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  const p: Record<string, string> = { app_id: creds().app_id, method, charset: 'utf-8', sign_type: 'RSA2', timestamp: '2026-11-30 12:00:00', version: '1.0', ...(biz === undefined ? {} : { biz_content: biz }), ...extra };
  const content = Object.keys(p)
    .sort()
    .map((k) => `${k}=${p[k]}`)
    .join('&');
  return { ...p, sign: sign(content) };
}

interface V2Answer {
  status: number;
  text: string;
  content: { code: string; msg: string; sub_code?: string; sub_msg?: string; [k: string]: unknown };
}

async function gateway(params: Record<string, string> | string, via: 'body' | 'query' = 'body', headers: Record<string, string> = {}): Promise<V2Answer> {
  const form = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  const res =
    via === 'body'
      ? await fetch(`${base()}/gateway.do`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', ...headers }, body: form, redirect: 'manual' })
      : await fetch(`${base()}/gateway.do?${form}`, { method: 'GET', redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, text, content: null as unknown as V2Answer['content'] };
}

/** Checks a gateway answer: HTTP 200, `<method>_response` signed with the Alipay key over its exact bytes, a failure's sub_code and sub_msg. */
function checkV2(what: string, method: string, a: V2Answer): V2Answer['content'] {
  expect(a.status, `${what} → ${a.status} ${clip(a.text)}`).toBe(200);
  expectNoLeak(a.text, what);
  const key = `${(method || 'error').replaceAll('.', '_')}_response`;
  const prefix = `{${JSON.stringify(key)}:`;
  expect(a.text.startsWith(prefix), `${what}: not ${key}: ${clip(a.text)}`).toBe(true);
  // In certificate mode `alipay_cert_sn` follows the signed content, before `sign`.
  const certAt = a.text.lastIndexOf(',"alipay_cert_sn":');
  const at = certAt >= 0 ? certAt : a.text.lastIndexOf(',"sign":');
  const bytes = a.text.slice(prefix.length, at);
  const signature = (JSON.parse(a.text) as { sign: string }).sign;
  expect(createVerify('RSA-SHA256').update(bytes, 'utf8').verify(creds().alipay_public_key, signature, 'base64'), `${what}: the answer does not verify with the Alipay public key`).toBe(true);
  const content = JSON.parse(bytes) as V2Answer['content'];
  expect(content.code, what).toMatch(/^\d{5}$/);
  expect(content.msg, what).toBeTypeOf('string');
  if (content.code !== '10000' && content.code !== '10003') {
    expect(content.sub_code, `${what}: ${clip(a.text)}`).toBeTypeOf('string');
    expect(content.sub_msg, `${what}: ${clip(a.text)}`).toBeTypeOf('string');
    expect(content.sub_code!.length * content.sub_msg!.length, what).toBeGreaterThan(0);
  }
  return content;
}

/** Sends a gateway request and checks its answer; a refusal (declines aside) must leave the state as it was. */
async function probeV2(what: string, method: string, params: Record<string, string> | string, via: 'body' | 'query' = 'body', headers: Record<string, string> = {}) {
  const before = await stateOf(env.sandbox);
  const content = checkV2(what, method, await gateway(params, via, headers));
  const refused = content.code !== '10000' && content.code !== '10003' && !DECLINES.has(content.sub_code ?? '');
  if (refused) expect(await stateOf(env.sandbox), `${what}: a refused request changed the state (${JSON.stringify(content)})`).toBe(before);
  return content;
}

/** A v3 request with a valid `ALIPAY-SHA256withRSA` Authorization over its method, target and exact body. */
async function v3(method: string, target: string, body = '', headers: Record<string, string> = {}) {
  const auth = `app_id=${creds().app_id},nonce=n${target.length}x${body.length},timestamp=1796000000000`;
  const sig = sign(`${auth}\n${method}\n${target}\n${body}\n`);
  const res = await fetch(`${base()}${target}`, {
    method,
    headers: { authorization: `ALIPAY-SHA256withRSA ${auth},sign=${sig}`, 'content-type': 'application/json', ...headers },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text) as any; } catch { return null; } })() };
}

async function probeV3(what: string, method: string, target: string, body = '', headers: Record<string, string> = {}) {
  const before = await stateOf(env.sandbox);
  const a = await v3(method, target, body, headers);
  expect(a.status, `${what} → ${a.status} ${clip(a.text)}`).toBeLessThan(500);
  expectNoLeak(a.text, what);
  expect(a.json, `${what}: not JSON: ${clip(a.text)}`).not.toBeNull();
  if (a.status >= 300) {
    expect(a.status, what).toBeGreaterThanOrEqual(400);
    expect(a.json.code, `${what}: ${clip(a.text)}`).toBeTypeOf('string');
    expect(a.json.message, `${what}: ${clip(a.text)}`).toBeTypeOf('string');
    if (!DECLINES.has(a.json.code)) expect(await stateOf(env.sandbox), `${what}: a refused request changed the state (${clip(a.text)})`).toBe(before);
  }
  return a;
}

const ids: Record<string, string> = {};
const biz = (o: Record<string, unknown>) => JSON.stringify(o);

describe('Alipay: bad input', () => {
  it('opens the trades the requests aim at', async () => {
    const waiting = checkV2('create', 'alipay.trade.create', await gateway(signed('alipay.trade.create', biz({ out_trade_no: 'fz-wait', total_amount: '10.00', subject: 'tea', buyer_id: '2088000000000009' }))));
    expect(waiting.code).toBe('10000');
    ids.wait = String(waiting.trade_no);
    const paid = checkV2('pay', 'alipay.trade.pay', await gateway(signed('alipay.trade.pay', biz({ out_trade_no: 'fz-paid', total_amount: '20.00', subject: 'tea', scene: 'bar_code', auth_code: '284712345678904242' }))));
    expect(paid.code).toBe('10000');
    ids.paid = String(paid.trade_no);
  });

  interface Case {
    name: string;
    method: string;
    params: () => Record<string, string> | string;
    sub: string;
    headers?: Record<string, string>;
  }
  const M = 'alipay.trade.precreate';
  const pre = (b: string) => () => signed(M, b);
  const ok = { out_trade_no: 'fz-new-1', total_amount: '1.00', subject: 's' };
  const CASES: Case[] = [
    // biz_content that is no JSON object
    { name: 'malformed JSON', method: M, params: pre('{"out_trade_no":'), sub: 'isv.invalid-biz-content' },
    { name: 'an array', method: M, params: pre('[{"out_trade_no":"a"}]'), sub: 'isv.invalid-biz-content' },
    { name: 'null', method: M, params: pre('null'), sub: 'isv.invalid-biz-content' },
    { name: 'a string', method: M, params: pre('"x"'), sub: 'isv.invalid-biz-content' },
    { name: 'a number', method: M, params: pre('12'), sub: 'isv.invalid-biz-content' },
    { name: 'deeply nested JSON', method: M, params: pre(`${'['.repeat(5000)}${']'.repeat(5000)}`), sub: 'isv.invalid-biz-content' },
    // Valid, with a field the sandbox does not read nested deep: a success (no sub_code).
    { name: 'a field nested 100,000 levels deep', method: M, params: pre(biz({ ...ok, out_trade_no: 'fz-deep-1', extend_params: 'DEEP' }).replace('"DEEP"', `${'['.repeat(100_000)}${']'.repeat(100_000)}`)), sub: '' },
    // fields
    { name: 'no fields', method: M, params: pre('{}'), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'total_amount missing', method: M, params: pre(biz({ ...ok, total_amount: undefined })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'total_amount negative', method: M, params: pre(biz({ ...ok, total_amount: '-1.00' })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'total_amount zero', method: M, params: pre(biz({ ...ok, total_amount: '0' })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'total_amount with three decimals', method: M, params: pre(biz({ ...ok, total_amount: '1.001' })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'total_amount huge', method: M, params: pre(biz({ ...ok, total_amount: '1e400' })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'total_amount a huge JSON number', method: M, params: pre('{"out_trade_no":"fz-n","subject":"s","total_amount":1e400}'), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'total_amount NaN', method: M, params: pre(biz({ ...ok, total_amount: 'NaN' })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'total_amount a boolean', method: M, params: pre(biz({ ...ok, total_amount: true })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'total_amount an object', method: M, params: pre(biz({ ...ok, total_amount: { v: 1 } })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'out_trade_no an array', method: M, params: pre(biz({ ...ok, out_trade_no: ['a'] })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'out_trade_no too long', method: M, params: pre(biz({ ...ok, out_trade_no: 'o'.repeat(65) })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'subject too long', method: M, params: pre(biz({ ...ok, subject: 's'.repeat(257) })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'notify_url not http', method: M, params: () => signed(M, biz(ok), { notify_url: 'javascript:alert(1)' }), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'timeout_express odd', method: M, params: pre(biz({ ...ok, timeout_express: '99999d' })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'time_expire odd', method: M, params: pre(biz({ ...ok, time_expire: '2026-13-45 99:99:99' })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'refund_amount huge', method: 'alipay.trade.refund', params: () => signed('alipay.trade.refund', biz({ trade_no: ids.paid, refund_amount: '99999999999999999' })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'refund_amount over the paid amount', method: 'alipay.trade.refund', params: () => signed('alipay.trade.refund', biz({ trade_no: ids.paid, refund_amount: '20.01' })), sub: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' },
    { name: 'refund of an unpaid trade', method: 'alipay.trade.refund', params: () => signed('alipay.trade.refund', biz({ trade_no: ids.wait, refund_amount: '1.00' })), sub: 'ACQ.TRADE_STATUS_ERROR' },
    { name: 'query without a trade', method: 'alipay.trade.query', params: () => signed('alipay.trade.query', '{}'), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'query of a trade_no as a number', method: 'alipay.trade.query', params: () => signed('alipay.trade.query', '{"trade_no":12345678901234567890}'), sub: 'ACQ.TRADE_NOT_EXIST' },
    { name: 'close of a paid trade', method: 'alipay.trade.close', params: () => signed('alipay.trade.close', biz({ trade_no: ids.paid })), sub: 'ACQ.TRADE_STATUS_ERROR' },
    { name: 'refund query without out_request_no', method: 'alipay.trade.fastpay.refund.query', params: () => signed('alipay.trade.fastpay.refund.query', biz({ trade_no: ids.paid })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'pay with a code that is not one', method: 'alipay.trade.pay', params: () => signed('alipay.trade.pay', biz({ ...ok, auth_code: '12345' })), sub: 'ACQ.PAYMENT_AUTH_CODE_INVALID' },
    { name: 'pay with another scene', method: 'alipay.trade.pay', params: () => signed('alipay.trade.pay', biz({ ...ok, auth_code: '284712345678904242', scene: 'wave_code' })), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'create without a buyer', method: 'alipay.trade.create', params: () => signed('alipay.trade.create', biz(ok)), sub: 'ACQ.INVALID_PARAMETER' },
    { name: 'bill of an odd date', method: 'alipay.data.dataservice.bill.downloadurl.query', params: () => signed('alipay.data.dataservice.bill.downloadurl.query', biz({ bill_type: 'trade', bill_date: '2026-02-30' })), sub: 'ACQ.INVALID_BILL_DATE' },
    { name: 'bill of another type', method: 'alipay.data.dataservice.bill.downloadurl.query', params: () => signed('alipay.data.dataservice.bill.downloadurl.query', biz({ bill_type: ['trade'], bill_date: '2026-11-01' })), sub: 'ACQ.INVALID_PARAMETER' },
    // the gateway's own parameters
    { name: 'an unknown method', method: 'alipay.trade.nope', params: () => signed('alipay.trade.nope', biz(ok)), sub: 'isv.invalid-method' },
    { name: 'a method with quotes', method: 'alipay."trade".query', params: () => signed('alipay."trade".query', biz(ok)), sub: 'isv.invalid-method' },
    { name: 'a method in another script', method: '支付宝.交易', params: () => signed('支付宝.交易', biz(ok)), sub: 'isv.invalid-method' },
    { name: 'an over-long method', method: `alipay.${'x'.repeat(10_000)}`, params: () => signed(`alipay.${'x'.repeat(10_000)}`, biz(ok)), sub: 'isv.invalid-method' },
    { name: 'a method of the prototype', method: 'constructor', params: () => signed('constructor', biz(ok)), sub: 'isv.invalid-method' },
    { name: 'the prototype as a method', method: '__proto__', params: () => signed('__proto__', biz(ok)), sub: 'isv.invalid-method' },
    { name: 'toString as a method', method: 'toString', params: () => signed('toString', biz(ok)), sub: 'isv.invalid-method' },
    { name: 'no method', method: '', params: () => { const p = signed(M, biz(ok)); delete p.method; return p; }, sub: 'isv.missing-method' },
    { name: 'no signature', method: M, params: () => { const p = signed(M, biz(ok)); delete p.sign; return p; }, sub: 'isv.missing-signature' },
    { name: 'a garbage signature', method: M, params: () => ({ ...signed(M, biz(ok)), sign: 'not base64 at all %%%' }), sub: 'isv.invalid-signature' },
    { name: 'a signature over other content', method: M, params: () => ({ ...signed(M, biz(ok)), sign: signed(M, biz({ ...ok, total_amount: '2.00' })).sign! }), sub: 'isv.invalid-signature' },
    { name: 'biz_content changed after signing', method: M, params: () => ({ ...signed(M, biz(ok)), biz_content: biz({ ...ok, total_amount: '9.99' }) }), sub: 'isv.invalid-signature' },
    { name: 'sign_type MD5', method: M, params: () => signed(M, biz(ok), { sign_type: 'MD5' }), sub: 'isv.invalid-signature-type' },
    { name: 'an odd timestamp', method: M, params: () => signed(M, biz(ok), { timestamp: 'yesterday' }), sub: 'isv.invalid-timestamp' },
    { name: 'an unknown app_id', method: M, params: () => signed(M, biz(ok), { app_id: '2021000000000000' }), sub: 'isv.invalid-app-id' },
    { name: 'a wrong app_cert_sn', method: M, params: () => signed(M, biz(ok), { app_cert_sn: 'x' }), sub: 'isv.invalid-app-cert-sn' },
    { name: 'no version', method: M, params: () => { const p = signed(M, biz(ok)); delete p.version; return p; }, sub: 'isv.missing-version' },
    { name: 'a body that does not percent-decode', method: M, params: () => `${new URLSearchParams(signed(M, biz(ok)))}&x=%E0%A4%A`, sub: 'isv.invalid-signature' },
    { name: 'a body over the size limit', method: '', params: () => `x=${'y'.repeat(2_000_000)}`, sub: 'isv.invalid-parameter' },
    // A body that cannot be read names no method: the answer is error_response.
    { name: 'a gzip body that is not gzip', method: '', params: () => signed(M, biz(ok)), headers: { 'content-encoding': 'gzip' }, sub: 'isv.invalid-parameter' },
    { name: 'an unknown content encoding', method: '', params: () => signed(M, biz(ok)), headers: { 'content-encoding': 'x-nope' }, sub: 'isv.invalid-parameter' },
    { name: 'an unknown charset', method: '', params: () => signed(M, biz(ok)), headers: { 'content-type': 'application/x-www-form-urlencoded; charset=x-nope' }, sub: 'isv.invalid-charset' },
  ];

  it('answers each hand-written malformed gateway request with its signed failure, and changes nothing', async () => {
    const problems: string[] = [];
    for (const c of CASES) {
      try {
        const content = await probeV2(c.name, c.method, c.params(), 'body', c.headers);
        expect(content.sub_code ?? '', `${c.name}: ${JSON.stringify(content)}`).toBe(c.sub);
      } catch (err) {
        problems.push((err as Error).message.split('\n')[0]!);
      }
    }
    expect(problems).toEqual([]);
  });

  const METHODS = ['constructor', 'alipay.trade.precreate', 'alipay.trade.create', 'alipay.trade.pay', 'alipay.trade.query', 'alipay.trade.close', 'alipay.trade.cancel', 'alipay.trade.refund', 'alipay.trade.fastpay.refund.query', 'alipay.data.dataservice.bill.downloadurl.query', 'alipay.trade.page.pay', 'alipay.trade.wap.pay', 'alipay.trade.app.pay', 'alipay.trade.nope'];
  const FIELDS = ['out_trade_no', 'trade_no', 'total_amount', 'subject', 'body', 'auth_code', 'scene', 'buyer_id', 'buyer_open_id', 'refund_amount', 'out_request_no', 'refund_reason', 'time_expire', 'timeout_express', 'notify_url', 'return_url', 'product_code', 'passback_params', 'bill_type', 'bill_date', '__proto__', 'constructor'];
  const junk = fc.oneof(
    fc.constantFrom<unknown>('', '0', '-1', '0.001', '1.00', '100000000.01', '1e400', 'NaN', 'Infinity', true, null, 0, -1, 1.5, 1e308, [], {}, ['1.00'], { a: 1 }, 'o'.repeat(65), 's'.repeat(300), '2026-11-30 12:00:00', '90m', '1c', '0m', 'trade', 'bar_code', '284712345678904242', '284712345678900002', '2088000000000009', 'https://shop.example/n', 'ftp://x', '\u0000', '💳'),
    fc.constantFrom('{wait}', '{paid}', 'fz-wait', 'fz-paid'),
    fc.string({ maxLength: 10 }),
    fc.double(),
    fc.integer(),
  );
  /** A valid body for each method, then one field replaced by junk, removed, or one added. */
  const VALID: Record<string, (n: number) => Record<string, unknown>> = {
    'alipay.trade.precreate': (n) => ({ out_trade_no: `fz-g-${n}`, total_amount: '1.00', subject: 's' }),
    'alipay.trade.create': (n) => ({ out_trade_no: `fz-g-${n}`, total_amount: '1.00', subject: 's', buyer_id: '2088000000000009' }),
    'alipay.trade.pay': (n) => ({ out_trade_no: `fz-g-${n}`, total_amount: '1.00', subject: 's', scene: 'bar_code', auth_code: '284712345678904242' }),
    'alipay.trade.query': () => ({ trade_no: '{paid}' }),
    'alipay.trade.close': () => ({ trade_no: '{wait}' }),
    'alipay.trade.cancel': () => ({ out_trade_no: 'fz-wait' }),
    'alipay.trade.refund': (n) => ({ trade_no: '{paid}', refund_amount: '0.01', out_request_no: `r${n}` }),
    'alipay.trade.fastpay.refund.query': () => ({ trade_no: '{paid}', out_request_no: 'r1' }),
    'alipay.data.dataservice.bill.downloadurl.query': () => ({ bill_type: 'trade', bill_date: '2026-11-01' }),
  };
  const mutated = (method: string) =>
    fc.tuple(fc.nat({ max: 1_000_000 }), fc.constantFrom(...FIELDS), junk, fc.constantFrom('set', 'set', 'delete')).map(([n, field, value, how]) => {
      const o = { ...(VALID[method] ?? VALID['alipay.trade.precreate']!)(n) };
      const target = how === 'delete' ? (Object.keys(o)[n % Object.keys(o).length] ?? field) : field;
      if (how === 'delete') delete o[target];
      else Object.defineProperty(o, field, { value, enumerable: true, configurable: true, writable: true });
      return JSON.stringify(o).replace(/"\{(wait|paid)\}"/g, (_, k: string) => JSON.stringify(ids[k]));
    });
  const bizArb = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...Object.keys(VALID)).chain(mutated) },
    { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), junk, { maxKeys: 6 }).map((o) => JSON.stringify(o).replace(/"\{(wait|paid)\}"/g, (_, k: string) => JSON.stringify(ids[k]))) },
    { weight: 1, arbitrary: fc.oneof(fc.json({ maxDepth: 2 }), fc.string({ maxLength: 20 }), fc.constantFrom('{"total_amount":1e999}', '{"out_trade_no":"a","out_trade_no":"b"}', '{"a":' + '{"a":'.repeat(200), '[]', '') ) },
  );
  /** What is done to a correctly signed request: nothing, or one of the ways it goes wrong. */
  const tamper = fc.constantFrom('none', 'none', 'none', 'none', 'unsigned', 'garbage', 'no-timestamp', 'query', 'charset', 'duplicate');
  const gatewayRequest = fc.constantFrom(...METHODS).chain((method) =>
    fc.record({
      method: fc.constant(method),
      biz: fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 6, arbitrary: mutated(method) }, { weight: 6, arbitrary: bizArb }),
      tamper,
    }),
  );

  it('answers generated gateway requests with a signed success or failure, changing nothing when refusing', async () => {
    await fc.assert(
      fc.asyncProperty(gatewayRequest, async (r) => {
        let params: Record<string, string> | string = signed(r.method, r.biz);
        let via: 'body' | 'query' = 'body';
        if (r.tamper === 'unsigned') delete (params as Record<string, string>).sign;
        if (r.tamper === 'garbage') (params as Record<string, string>).sign = 'AAAA';
        if (r.tamper === 'no-timestamp') delete (params as Record<string, string>).timestamp;
        if (r.tamper === 'query') via = 'query';
        if (r.tamper === 'charset') params = signed(r.method, r.biz, { charset: 'gbk' });
        if (r.tamper === 'duplicate') params = `${new URLSearchParams(params)}&biz_content=${encodeURIComponent('{"total_amount":"0.01"}')}`;
        const what = `${r.method} ${r.tamper} ${clip(r.biz ?? '(none)', 200)}`;
        if (r.method === 'alipay.trade.page.pay' || r.method === 'alipay.trade.wap.pay') {
          // The cashier's entry: a redirect to the cashier, or an error page; never a 5xx.
          const before = await stateOf(env.sandbox);
          const a = await gateway(params, via);
          expect(a.status, `${what} → ${a.status} ${clip(a.text)}`).toBeLessThan(500);
          expectNoLeak(a.text, what);
          if (a.status >= 400) expect(await stateOf(env.sandbox), `${what}: a refused request changed the state`).toBe(before);
          return;
        }
        await probeV2(what, r.method, params, via);
      }),
      { seed: 20261130, numRuns: 250, endOnFailure: true },
    );
  }, 60_000);

  const V3 = [
    ['POST', '/v3/alipay/trade/precreate'],
    ['POST', '/v3/alipay/trade/create'],
    ['POST', '/v3/alipay/trade/pay'],
    ['GET', '/v3/alipay/trade/query'],
    ['POST', '/v3/alipay/trade/query'],
    ['POST', '/v3/alipay/trade/close'],
    ['POST', '/v3/alipay/trade/cancel'],
    ['POST', '/v3/alipay/trade/refund'],
    ['POST', '/v3/alipay/trade/fastpay/refund/query'],
    ['GET', '/v3/alipay/data/dataservice/bill/downloadurl/query'],
    ['POST', '/v3/alipay/trade/nope'],
  ] as const;

  it('answers hand-written malformed v3 requests with a 4xx {code, message}, and changes nothing', async () => {
    const cases: [string, string, string, string, number][] = [
      ['malformed JSON', 'POST', '/v3/alipay/trade/precreate', '{"out_trade_no":', 400],
      ['an array', 'POST', '/v3/alipay/trade/precreate', '[1]', 400],
      ['null', 'POST', '/v3/alipay/trade/create', 'null', 400],
      ['a huge number', 'POST', '/v3/alipay/trade/precreate', '{"out_trade_no":"fz3","subject":"s","total_amount":1e999}', 400],
      ['a field nested 100,000 levels deep', 'POST', '/v3/alipay/trade/precreate', `{"out_trade_no":"fz-deep-3","subject":"s","total_amount":"1.00","extend_params":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`, 200],
      ['a wrong type', 'POST', '/v3/alipay/trade/refund', '{"trade_no":["x"],"refund_amount":"1.00"}', 400],
      ['a missing field', 'POST', '/v3/alipay/trade/pay', '{"out_trade_no":"fz4","total_amount":"1.00","subject":"s"}', 400],
      ['another method', 'DELETE', '/v3/alipay/trade/precreate', '', 404],
      ['an unknown API', 'POST', '/v3/alipay/trade/nope', '{}', 404],
      ['a query on GET with odd characters', 'GET', '/v3/alipay/trade/query?out_trade_no=%E0%A4%A&trade_no=%00', '', 400],
      ['a query with the field twice', 'GET', '/v3/alipay/trade/query?out_trade_no=a&out_trade_no=b', '', 400],
    ];
    const problems: string[] = [];
    for (const [name, method, target, body, status] of cases) {
      try {
        const a = await probeV3(name, method, target, body);
        expect(a.status, `${name}: ${clip(a.text)}`).toBe(status);
      } catch (err) {
        problems.push((err as Error).message.split('\n')[0]!);
      }
    }
    // Without a valid Authorization: refused before anything is read.
    const bare = await fetch(`${base()}/v3/alipay/trade/precreate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'ALIPAY-SHA256withRSA app_id=1,sign=AAAA' }, body: '{}' });
    const bareBody = (await bare.json()) as { code: string; message: string };
    expect([bare.status, typeof bareBody.code, typeof bareBody.message]).toEqual([401, 'string', 'string']);
    expect(problems).toEqual([]);
  });

  it('answers generated v3 requests with a 2xx or a 4xx {code, message}, changing nothing when refusing', async () => {
    const v3Method = (path: string) => `alipay.${path.slice('/v3/alipay/'.length).replaceAll('/', '.')}`;
    const request = fc.constantFrom(...V3).chain((route) => fc.tuple(fc.constant(route), fc.oneof({ weight: 2, arbitrary: mutated(v3Method(route[1])) }, { weight: 1, arbitrary: bizArb })));
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom('', '', '', '', '', 'PUT', 'PATCH', 'DELETE', 'GET'), async ([[method, path], b], other) => {
        const m = other || method;
        const target = m === 'GET' ? `${path}?${new URLSearchParams(Object.entries(safeObject(b)).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]))}` : path;
        await probeV3(`${m} ${target} ${clip(b, 200)}`, m, target, m === 'GET' ? '' : b);
      }),
      { seed: 20261130, numRuns: 150, endOnFailure: true },
    );
  }, 60_000);

  it('answers odd ids on the cashier, QR, app-pay and bill pages without a 5xx, and changes nothing', async () => {
    const odd = ['nope', '%E0%A4%A', '..%2F..%2Fetc', 'x'.repeat(5000), '%00', ids.wait!, ids.paid!];
    const requests: [string, string, string?][] = [];
    for (const id of odd) {
      requests.push(['GET', `/cashier/${id}`], ['GET', `/cashier/${id}/qr.svg`], ['POST', `/cashier/${id}/dance`, 'failure_code=x'], ['POST', `/cashier/${id}/fail`, 'failure_code=%E0%A4%A'], ['GET', `/qr/${id}?x=%E0`]);
    }
    requests.push(['GET', '/app-pay?order_string=%E0'], ['POST', '/app-pay', 'order_string=method%3Dalipay.trade.app.pay'], ['POST', '/app-pay', '{"order_string":5}'], ['POST', '/app-pay', '{']);
    requests.push(['GET', '/downloadBillFile.resource?token=%E0%A4%A'], ['GET', '/downloadBillFile.resource?token=a&token=b'], ['GET', '/downloadBillFile.resource']);
    requests.push(['POST', '/v3/alipay/trade/query?gzip', '{}'], ['POST', '/app-pay?gzip', '{}']);
    requests.push(['PUT', '/gateway.do', 'x=1'], ['DELETE', '/v3/alipay/trade/query'], ['GET', '/nope/%E0%A4%A']);
    for (const [method, path, body] of requests) {
      const what = `${method} ${clip(path, 100)}`;
      const before = await stateOf(env.sandbox);
      const encoding: Record<string, string> = path.endsWith('?gzip') ? { 'content-encoding': 'gzip' } : {};
      const res = await fetch(`${base()}${path}`, { method, redirect: 'manual', ...(body === undefined ? {} : { body, headers: { 'content-type': body.startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded', ...encoding } }) });
      const text = await res.text();
      expect(res.status, `${what} → ${res.status} ${clip(text)}`).toBeLessThan(500);
      expectNoLeak(text, what);
      if (res.status >= 400) expect(await stateOf(env.sandbox), `${what}: a refused request changed the state`).toBe(before);
    }
  });

  it('answers signed app order strings with malformed biz_content with a 4xx {code, message}, and changes nothing', async () => {
    const A = 'alipay.trade.app.pay';
    const cases: [string, string | undefined, string][] = [
      ['malformed JSON', '{"out_trade_no":', 'isv.invalid-biz-content'],
      ['an array', '[]', 'isv.invalid-biz-content'],
      ['no biz_content', undefined, 'ACQ.INVALID_PARAMETER'],
      ['a huge amount', biz({ out_trade_no: 'fz-app-1', subject: 's', total_amount: '1e400' }), 'ACQ.INVALID_PARAMETER'],
      ['a wrong type', biz({ out_trade_no: ['x'], subject: 's', total_amount: '1.00' }), 'ACQ.INVALID_PARAMETER'],
    ];
    for (const [name, b, code] of cases) {
      const before = await stateOf(env.sandbox);
      const res = await fetch(`${base()}/app-pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ order_string: new URLSearchParams(signed(A, b)).toString() }) });
      const text = await res.text();
      expect([res.status, JSON.parse(text).code], `${name}: ${clip(text)}`).toEqual([400, code]);
      expect(JSON.parse(text).message, name).toBeTypeOf('string');
      expect(await stateOf(env.sandbox), `${name}: a refused request changed the state`).toBe(before);
    }
  });

  it('refuses a foreign Host and a cross-site POST on v3 with a 403 {code, message}, changing nothing', async () => {
    for (const [name, headers] of HOST_REFUSALS) {
      const before = await stateOf(env.sandbox);
      const a = await rawRequest(base(), 'POST', '/v3/alipay/trade/precreate', headers, '{}');
      const body = JSON.parse(a.text) as { code: string; message: string };
      expect([a.status, typeof body.code, typeof body.message], name).toEqual([403, 'string', 'string']);
      expect(await stateOf(env.sandbox), name).toBe(before);
    }
  });

  it('reports no bug and still answers a valid request', async () => {
    expect(env.bugs).toEqual([]);
    const created = checkV2('valid', 'alipay.trade.create', await gateway(signed('alipay.trade.create', biz({ out_trade_no: 'fz-final', total_amount: '3.00', subject: 'tea', buyer_id: '2088000000000009' }))));
    expect(created.code).toBe('10000');
    const content = checkV2('valid', 'alipay.trade.query', await gateway(signed('alipay.trade.query', biz({ out_trade_no: 'fz-final' }))));
    expect([content.code, content.trade_status, content.total_amount]).toEqual(['10000', 'WAIT_BUYER_PAY', '3.00']);
  });
});

function safeObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { body: text };
  } catch {
    return { body: text };
  }
}
