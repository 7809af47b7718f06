import { describe, expect, it } from 'vitest';
import { jsapiSchema, nativeSchema, parseJsapiOrder, parseNativeOrder, parseWechat } from './schemas.js';

const base = {
  appid: 'wxd678efh567hg6787',
  mchid: '1230000109',
  description: 'Image形象店-深圳腾大-QQ公仔',
  out_trade_no: '1217752501201407033233368018',
  notify_url: 'https://www.weixin.qq.com/wxpay/pay.php',
  amount: { total: 100, currency: 'CNY' },
};

/** What a parse gives: its data, or the error it throws (message and details, as the answer shows them). */
function outcome(parse: () => unknown): unknown {
  try {
    return { ok: parse() };
  } catch (err) {
    const e = err as Error & { details?: unknown };
    return { error: e.message, details: e.details };
  }
}

const set = (path: string, value: unknown) => {
  const body = structuredClone(base) as Record<string, unknown>;
  const keys = path.split('.');
  let at = body;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
  return body;
};

// Every field of the common shape, each valid and invalid way a JSON body can carry it.
const variants: unknown[] = [
  base,
  undefined,
  null,
  [],
  'body',
  42,
  {},
  { ...base, unknown_field: 'kept' },
  { ...base, amount: { total: 100 } },
  { ...base, attach: '' },
  { ...base, attach: 'a'.repeat(128) },
  { ...base, goods_tag: 'WXG' },
  { ...base, support_fapiao: true },
  { ...base, time_expire: '2099-01-01T00:00:00+08:00' },
  { ...base, scene_info: { payer_client_ip: '127.0.0.1' } },
  { ...base, settle_info: { profit_sharing: false } },
  { ...base, detail: { cost_price: 1 } },
  { ...base, payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } },
  { ...base, notify_url: 'http://127.0.0.1:9/notify' },
];
for (const [field, values] of Object.entries({
  appid: [undefined, null, '', 'a', 'a'.repeat(32), 'a'.repeat(33), 7, ['wx']],
  mchid: [undefined, null, '', 'a'.repeat(32), 'a'.repeat(33), 1230000109],
  description: [undefined, null, '', 'a'.repeat(127), 'a'.repeat(128), '形'.repeat(127), true],
  out_trade_no: [undefined, null, '', '12345', '123456', 'a'.repeat(32), 'a'.repeat(33), 'ab-_|*12', 'abc 123', 'abc#123', 'abcdef\n', 123456],
  notify_url: [undefined, null, '', 'notify', 'ftp://example.com/n', 'https://', `https://example.com/${'a'.repeat(237)}`, `https://example.com/${'a'.repeat(238)}`, 42],
  amount: [undefined, null, 100, [], {}, 'CNY'],
  'amount.total': [undefined, null, 0, -1, 1, 1.5, '100', 100_000_000_00, 100_000_000_01, 2 ** 53],
  'amount.currency': [null, 'cny', 'USD', '', 1],
  attach: [null, 'a'.repeat(129), 1],
  goods_tag: [null, 'a'.repeat(33), 1],
  support_fapiao: [null, 'true', 1],
  time_expire: [null, '', 'tomorrow', 1],
  detail: [null, [], 'x'],
  settle_info: [null, [], { profit_sharing: 'yes' }],
  scene_info: [null, {}, []],
})) {
  for (const value of values) variants.push(set(field, value));
}

describe('the order parse on the hot path', () => {
  it('gives what the zod schema gives for every shape of a Native order body: the same order, or the same error', () => {
    for (const body of variants) expect(outcome(() => parseNativeOrder(body)), JSON.stringify(body)).toEqual(outcome(() => parseWechat(nativeSchema, body)));
  });

  it('gives what the zod schema gives for a JSAPI order body, whose payer is required', () => {
    const jsapi = (payer: unknown) => ({ ...base, payer });
    const bodies = [...variants, jsapi({ openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' }), jsapi(undefined), jsapi(null), jsapi({}), jsapi({ openid: '' }), jsapi({ openid: 'o'.repeat(129) }), jsapi({ openid: 1 }), jsapi([])];
    for (const body of bodies) expect(outcome(() => parseJsapiOrder(body)), JSON.stringify(body)).toEqual(outcome(() => parseWechat(jsapiSchema, body)));
  });

  it('takes the common valid shape as it is, and leaves every other shape to zod', () => {
    expect(parseNativeOrder(base)).toBe(base);
    const withScene = { ...base, scene_info: { payer_client_ip: '127.0.0.1' } };
    expect(parseNativeOrder(withScene)).not.toBe(withScene);
    expect(parseNativeOrder(withScene)).toEqual(withScene);
  });
});
