/**
 * Stripe's Search API (`GET /v1/<resource>/search?query=…`) over the wire objects of intents, customers and
 * charges: clauses `field:value` (exact, case-insensitive), `field~value` (substring), `field>n`, `>=`, `<`,
 * `<=` on numbers, `-` to negate, `field:null`, `metadata['key']:'value'`, joined by spaces or `AND`, or by
 * `OR` (not both). Results come newest first in a `search_result` with a `next_page` token. Unlike Stripe,
 * new objects are searchable at once (Stripe's index lags by about a minute).
 */
import type { FormObject } from './form-params.js';
import { checkAccepted, expandList, int, str } from './params.js';
import { invalidRequest, missingParam } from './stripe-errors.js';

type Json = Record<string, unknown>;

export type SearchResource = 'payment_intents' | 'customers' | 'charges';

/** The fields Stripe lets each resource be searched by (docs.stripe.com/search#query-fields). */
const FIELDS: Record<SearchResource, { numbers: string[]; strings: string[] }> = {
  payment_intents: { numbers: ['amount', 'created'], strings: ['currency', 'customer', 'status'] },
  customers: { numbers: ['created'], strings: ['email', 'name', 'phone'] },
  charges: {
    numbers: ['amount', 'created', 'payment_method_details.card.exp_month', 'payment_method_details.card.exp_year'],
    strings: ['currency', 'customer', 'disputed', 'payment_intent', 'refunded', 'status', 'payment_method_details.card.brand', 'payment_method_details.card.last4'],
  },
};

type Operator = ':' | '~' | '>' | '>=' | '<' | '<=';

interface Clause {
  negated: boolean;
  /** A dotted path into the object, or `metadata` with `key`. */
  field: string;
  metadataKey?: string;
  op: Operator;
  /** null for `field:null`. */
  value: string | number | null;
}

const unparseable = () =>
  invalidRequest(
    'We were unable to parse your search query. Try using the format `metadata["key"]:"value"` to query for metadata or `key:"value"` to query for other fields.',
    { param: 'query' },
  );

/** Splits a query into clauses and the one connective joining them. */
export function parseQuery(query: string, resource: SearchResource): { clauses: Clause[]; connective: 'AND' | 'OR' } {
  const clauses: Clause[] = [];
  const connectives = new Set<'AND' | 'OR'>();
  let i = 0;
  const skipSpace = () => {
    while (i < query.length && /\s/.test(query[i] as string)) i++;
  };
  skipSpace();
  while (i < query.length) {
    if (clauses.length > 0) {
      const word = /^(AND|OR)\s/i.exec(query.slice(i));
      if (word) {
        connectives.add((word[1] as string).toUpperCase() as 'AND' | 'OR');
        i += word[0].length;
        skipSpace();
      } else connectives.add('AND');
    }
    const m = /^(-?)(metadata\[(?:'([^']*)'|"([^"]*)")\]|[a-z_][a-z0-9_.]*)(:|~|>=|<=|>|<)/i.exec(query.slice(i));
    if (!m) throw unparseable();
    i += m[0].length;
    const raw = readValue();
    const op = m[5] as Operator;
    const metadataKey = m[3] ?? m[4];
    const field = metadataKey !== undefined ? 'metadata' : (m[2] as string);
    clauses.push({ negated: m[1] === '-', field, ...(metadataKey !== undefined ? { metadataKey } : {}), op, value: raw });
    skipSpace();
  }
  if (clauses.length === 0) throw unparseable();
  if (connectives.size > 1) throw invalidRequest('Search queries cannot combine AND and OR clauses.', { param: 'query' });
  if (clauses.length > 10) throw invalidRequest('Search queries can combine at most 10 clauses.', { param: 'query' });
  for (const c of clauses) checkClause(c, resource);
  return { clauses, connective: connectives.has('OR') ? 'OR' : 'AND' };

  function readValue(): string | number | null {
    const quote = query[i];
    if (quote === '"' || quote === "'") {
      let out = '';
      i++;
      while (i < query.length && query[i] !== quote) {
        if (query[i] === '\\' && i + 1 < query.length) i++;
        out += query[i];
        i++;
      }
      if (query[i] !== quote) throw unparseable();
      i++;
      return out;
    }
    const bare = /^[^\s]+/.exec(query.slice(i));
    if (!bare) throw unparseable();
    i += bare[0].length;
    if (bare[0] === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(bare[0])) return Number(bare[0]);
    throw unparseable();
  }
}

function checkClause(c: Clause, resource: SearchResource): void {
  const { numbers, strings } = FIELDS[resource];
  if (c.field !== 'metadata' && !numbers.includes(c.field) && !strings.includes(c.field)) {
    throw invalidRequest(
      `Field \`${c.field}\` is an unsupported search field for resource \`${resource}\`. See https://stripe.com/docs/search#query-fields-for-${resource.replace(/_/g, '-')} for a list of supported fields.`,
      { param: 'query' },
    );
  }
  const numeric = numbers.includes(c.field);
  if (c.op !== ':' && c.op !== '~' && !numeric) throw invalidRequest(`Field \`${c.field}\` does not support the \`${c.op}\` operator.`, { param: 'query' });
  if ((c.op === '>' || c.op === '>=' || c.op === '<' || c.op === '<=') && typeof c.value !== 'number') {
    throw invalidRequest(`Field \`${c.field}\` is compared with a number (${c.field}${c.op}1000).`, { param: 'query' });
  }
  if (c.op === '~' && (typeof c.value !== 'string' || c.value.length < 3)) {
    throw invalidRequest('A substring search (`~`) needs a quoted value of at least 3 characters.', { param: 'query' });
  }
}

function valueAt(obj: Json, c: Clause): unknown {
  if (c.field === 'metadata') return (obj.metadata as Record<string, string> | undefined)?.[c.metadataKey ?? ''] ?? null;
  let v: unknown = obj;
  for (const part of c.field.split('.')) v = v && typeof v === 'object' ? (v as Json)[part] : undefined;
  return v ?? null;
}

function matches(obj: Json, c: Clause): boolean {
  const v = valueAt(obj, c);
  let hit: boolean;
  if (c.value === null) hit = v === null;
  else if (v === null) hit = false;
  else if (c.op === '~') hit = String(v).toLowerCase().includes(String(c.value).toLowerCase());
  else if (c.op === ':') hit = typeof v === 'number' ? v === Number(c.value) : String(v).toLowerCase() === String(c.value).toLowerCase();
  else {
    const n = Number(v);
    const bound = c.value as number;
    hit = c.op === '>' ? n > bound : c.op === '>=' ? n >= bound : c.op === '<' ? n < bound : n <= bound;
  }
  return c.negated ? !hit : hit;
}

const ACCEPTED_SEARCH = new Set(['query', 'limit', 'page', 'expand']);

const pageToken = (offset: number) => `page_${Buffer.from(`offset:${offset}`).toString('base64url')}`;

function pageOffset(token: string | undefined): number {
  if (!token) return 0;
  const m = /^page_([A-Za-z0-9_-]+)$/.exec(token);
  const decoded = m ? /^offset:(\d+)$/.exec(Buffer.from(m[1] as string, 'base64url').toString('utf8')) : null;
  if (!decoded) throw invalidRequest(`Invalid page: ${token}`, { param: 'page' });
  return Number(decoded[1]);
}

/**
 * Answers one search over `objects` (wire objects, oldest first). `expand[]=total_count` adds the number
 * of matches; other expansions are left to the caller (`data.…` paths).
 */
export function search(params: FormObject, resource: SearchResource, objects: readonly Json[]): { result: Json; expand: string[] } {
  checkAccepted(params, ACCEPTED_SEARCH);
  const query = str(params, 'query');
  if (query === undefined || query.trim() === '') throw missingParam('query');
  const { clauses, connective } = parseQuery(query, resource);
  const limit = int(params, 'limit', { min: 1, max: 100 }) ?? 10;
  const offset = pageOffset(str(params, 'page'));
  const found = [...objects].reverse().filter((o) => (connective === 'AND' ? clauses.every((c) => matches(o, c)) : clauses.some((c) => matches(o, c))));
  const data = found.slice(offset, offset + limit);
  const hasMore = offset + limit < found.length;
  const expand = expandList(params);
  const result: Json = {
    object: 'search_result',
    data,
    has_more: hasMore,
    next_page: hasMore ? pageToken(offset + limit) : null,
    url: `/v1/${resource}/search`,
    ...(expand.includes('total_count') ? { total_count: found.length } : {}),
  };
  return { result, expand: expand.filter((p) => p !== 'total_count') };
}
