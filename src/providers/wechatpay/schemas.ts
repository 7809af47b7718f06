/**
 * Request validation for the WeChat Pay v3 API, with WeChat's field limits. Every invalid request is a
 * `400 PARAM_ERROR` whose `detail` names the field, its location and the issue.
 */
import { z } from 'zod';
import { paramError } from './errors.js';
import { parseRfc3339 } from './wire.js';

/**
 * A string of `min`-`max` bytes: WeChat's limits (string(127), string(128), …) count UTF-8 bytes, so a
 * Chinese character takes 3 (字节数 129，大于最大值 128).
 */
const str = (min: number, max: number) =>
  z
    .string({ error: `must be a string of ${min}-${max} bytes` })
    .refine((s) => Buffer.byteLength(s) >= min, { error: `must not be shorter than ${min} bytes` })
    .refine((s) => Buffer.byteLength(s) <= max, { error: `must not be longer than ${max} bytes in UTF-8 (a Chinese character takes 3)` });

/** The last URL found good: a merchant sends the same notify_url with every order, and parsing it showed in profiles. */
let goodUrl: string | null = null;

function isHttpUrl(s: string): boolean {
  if (s === goodUrl) return true;
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  } catch {
    return false;
  }
  goodUrl = s;
  return true;
}

const httpUrl = str(1, 256).refine(isHttpUrl, { error: 'must be an absolute http:// or https:// URL' });

const OUT_TRADE_NO = /^[0-9A-Za-z_\-*|]{6,32}$/;
const MAX_TOTAL_FEN = 100_000_000_00;

const amount = z.looseObject({
  total: z.number({ error: 'must be an integer number of fen (1 = 0.01 CNY)' }).int({ error: 'must be an integer number of fen, not a fraction' }).min(1, { error: 'must be at least 1 fen' }).max(MAX_TOTAL_FEN, { error: 'is over the limit' }),
  currency: z.literal('CNY', { error: 'must be "CNY"' }).optional(),
});

const rfc3339 = z.string().refine((s) => parseRfc3339(s) !== null, { error: 'must be an RFC 3339 time such as 2026-11-30T14:00:00+08:00' });

const common = {
  appid: str(1, 32),
  mchid: str(1, 32),
  description: str(1, 127),
  out_trade_no: z.string({ error: 'must be a string' }).regex(OUT_TRADE_NO, { error: 'must be 6-32 characters of letters, digits, _ - | *' }),
  time_expire: rfc3339.optional(),
  attach: str(0, 128).optional(),
  notify_url: httpUrl,
  goods_tag: str(0, 32).optional(),
  support_fapiao: z.boolean().optional(),
  amount,
  detail: z.record(z.string(), z.unknown()).optional(),
  settle_info: z.looseObject({ profit_sharing: z.boolean().optional() }).optional(),
};

const sceneInfo = z.looseObject({
  payer_client_ip: str(1, 45),
  device_id: str(0, 32).optional(),
  store_info: z.record(z.string(), z.unknown()).optional(),
});

export const nativeSchema = z.looseObject({ ...common, scene_info: sceneInfo.optional() });
export const appSchema = nativeSchema;
export const jsapiSchema = z.looseObject({ ...common, payer: z.looseObject({ openid: str(1, 128) }), scene_info: sceneInfo.optional() });
export const h5Schema = z.looseObject({
  ...common,
  scene_info: sceneInfo.extend({
    h5_info: z.looseObject({ type: z.enum(['iOS', 'Android', 'Wap'], { error: 'must be "iOS", "Android" or "Wap"' }) }),
  }),
});
/**
 * The order APIs' parse on their hot path. The zod parse of an order body cost about 12 µs of the event
 * loop per order; the common shape (the required fields, the simple optional ones, nothing nested beyond
 * `amount` and `payer`) is checked by hand first, with the schema's own limits, and used as it is. Any other
 * body, valid or not, goes through zod, so every refusal (and every rarer valid shape) is zod's own.
 */
export function parseNativeOrder(input: unknown): z.output<typeof nativeSchema> {
  return isCommonOrder(input) ? (input as z.output<typeof nativeSchema>) : parseWechat(nativeSchema, input);
}

/** `parseNativeOrder` for JSAPI orders, which name their payer. */
export function parseJsapiOrder(input: unknown): z.output<typeof jsapiSchema> {
  return isCommonOrder(input) && isPayer((input as Record<string, unknown>).payer) ? (input as z.output<typeof jsapiSchema>) : parseWechat(jsapiSchema, input);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
// Limits are UTF-8 bytes (a Chinese character takes 3). Stricter than zod is safe here: a string this
// refuses goes through zod, which decides; bytes are counted only when the characters could exceed `max`.
const isString = (v: unknown, min: number, max: number): v is string =>
  typeof v === 'string' && v.length >= min && v.length <= max && (v.length * 3 <= max || Buffer.byteLength(v) <= max);
const absentOr = (v: unknown, min: number, max: number) => v === undefined || isString(v, min, max);

/** True only for a body `common` accepts; false sends it through zod. */
function isCommonOrder(v: unknown): boolean {
  if (!isObject(v)) return false;
  const { amount } = v;
  return (
    isString(v.appid, 1, 32) &&
    isString(v.mchid, 1, 32) &&
    isString(v.description, 1, 127) &&
    typeof v.out_trade_no === 'string' &&
    OUT_TRADE_NO.test(v.out_trade_no) &&
    isString(v.notify_url, 1, 256) &&
    isHttpUrl(v.notify_url) &&
    isObject(amount) &&
    typeof amount.total === 'number' &&
    Number.isInteger(amount.total) &&
    amount.total >= 1 &&
    amount.total <= MAX_TOTAL_FEN &&
    (amount.currency === undefined || amount.currency === 'CNY') &&
    absentOr(v.attach, 0, 128) &&
    absentOr(v.goods_tag, 0, 32) &&
    (v.support_fapiao === undefined || typeof v.support_fapiao === 'boolean') &&
    v.time_expire === undefined &&
    v.detail === undefined &&
    v.settle_info === undefined &&
    v.scene_info === undefined
  );
}

const isPayer = (v: unknown) => isObject(v) && isString(v.openid, 1, 128);

export const codepaySchema = z.looseObject({
  appid: common.appid,
  mchid: common.mchid,
  description: common.description,
  out_trade_no: common.out_trade_no,
  attach: common.attach,
  goods_tag: common.goods_tag,
  amount,
  payer: z.looseObject({ auth_code: z.string({ error: 'must be a string' }).regex(/^1[0-5]\d{16}$/, { error: 'must be an 18-digit WeChat payment code starting 10-15' }) }),
  scene_info: z.looseObject({ store_info: z.looseObject({ out_id: str(1, 32) }), device_ip: str(0, 45).optional() }),
  settle_info: common.settle_info,
});

export const closeSchema = z.looseObject({ mchid: str(1, 32) });
export const reverseSchema = z.looseObject({ appid: str(1, 32), mchid: str(1, 32) });

export const refundSchema = z
  .strictObject({
    transaction_id: str(1, 32).optional(),
    out_trade_no: str(6, 32).optional(),
    out_refund_no: z.string({ error: 'must be a string' }).regex(/^[0-9A-Za-z_\-*|@]{1,64}$/, { error: 'must be 1-64 characters of letters, digits, _ - | * @' }),
    reason: str(0, 80).optional(),
    notify_url: httpUrl.optional(),
    funds_account: z.enum(['AVAILABLE', 'UNSETTLED'], { error: 'must be "AVAILABLE" or "UNSETTLED"' }).optional(),
    amount: z.looseObject({
      refund: z.number({ error: 'must be an integer number of fen' }).int({ error: 'must be an integer number of fen' }).min(1, { error: 'must be at least 1 fen' }),
      total: z.number({ error: 'must be an integer number of fen' }).int({ error: 'must be an integer number of fen' }).min(1, { error: 'must be at least 1 fen' }),
      currency: z.literal('CNY', { error: 'must be "CNY"' }),
      from: z.array(z.unknown()).optional(),
    }),
    goods_detail: z.array(z.unknown()).optional(),
  })
  .refine((b) => b.transaction_id !== undefined || b.out_trade_no !== undefined, { error: 'transaction_id or out_trade_no is required', path: ['out_trade_no'] });

const billDate = z
  .string({ error: 'is required' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date such as 2026-11-30' })
  // A calendar day: 2026-02-30 and 2026-13-01 are not.
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), { error: 'must be a date such as 2026-11-30' });
export const tradeBillQuery = z.looseObject({
  bill_date: billDate,
  bill_type: z.enum(['ALL', 'SUCCESS', 'REFUND'], { error: 'must be ALL, SUCCESS or REFUND' }).optional(),
  tar_type: z.literal('GZIP', { error: 'must be GZIP' }).optional(),
  sub_mchid: z.string().optional(),
});
export const fundFlowBillQuery = z.looseObject({
  bill_date: billDate,
  account_type: z.enum(['BASIC', 'OPERATION', 'FEES'], { error: 'must be BASIC, OPERATION or FEES' }).optional(),
  tar_type: z.literal('GZIP', { error: 'must be GZIP' }).optional(),
});

/** Validates `input`; the first issue becomes a PARAM_ERROR naming its field. */
export function parseWechat<S extends z.ZodType>(schema: S, input: unknown, location: 'body' | 'query' = 'body'): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    const at = field ? `${field}.` : '';
    return thrower(paramError(`${at}${keys[0]}`, 'is not a parameter of this API', location));
  }
  const missing = valueAt(input, issue.path) === undefined && issue.code !== 'custom';
  throw paramError(field || 'body', missing ? 'is required' : issueText(issue), location);
}

/** Zod's own wording for a wrong JSON type ("Invalid input: expected object, received null") in the schema's voice. */
function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_type' || !issue.message.startsWith('Invalid input')) return issue.message;
  const expected = issue.expected === 'object' ? 'JSON object' : String(issue.expected);
  return `must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
}

function thrower(err: Error): never {
  throw err;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}
