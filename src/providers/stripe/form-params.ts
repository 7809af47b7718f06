/**
 * Stripe's form encoding, decoded: `a[b][0][c]=v` pairs from an `application/x-www-form-urlencoded` body or a
 * query string become nested objects, and a segment that is an integer makes an array (stripe-node writes
 * every array with explicit indexes, `expand[0]=…`, and Stripe.js sometimes with empty ones, `expand[]=…`).
 * Written here rather than taken from express's `extended` parser (qs) because qs turns an array with an
 * index above 20 into an object and stops nesting after five levels; Stripe does neither.
 */

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/** Thrown for a key that cannot be a parameter (unbalanced brackets, a value and an object at one key). */
export class FormSyntaxError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * How deep a parameter may nest (`a[b][c]` is 3): deeper than any Stripe parameter, and shallow enough that
 * building and reading the value never exhausts the stack.
 */
export const MAX_DEPTH = 32;

/** Splits `a[b][0][]` into `['a','b','0','']`. */
export function keySegments(key: string): string[] {
  const open = key.indexOf('[');
  if (open === -1) return [key];
  const segments = [key.slice(0, open)];
  let rest = key.slice(open);
  while (rest.length > 0) {
    const m = /^\[([^[\]]*)\]/.exec(rest);
    if (!m) throw new FormSyntaxError(key, `Invalid parameter name: ${key}`);
    segments.push(m[1] ?? '');
    if (segments.length > MAX_DEPTH) throw new FormSyntaxError(segments[0]!, `Invalid parameter: ${segments[0]} is nested more than ${MAX_DEPTH} levels deep.`);
    rest = rest.slice(m[0].length);
  }
  if (segments[0] === '') throw new FormSyntaxError(key, `Invalid parameter name: ${key}`);
  return segments;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

const isIndex = (s: string) => s === '' || /^\d{1,6}$/.test(s);

type Node = { kind: 'leaf'; value: string } | { kind: 'map'; children: Map<string, Node>; indexed: boolean };

function toValue(node: Node): FormValue {
  if (node.kind === 'leaf') return node.value;
  if (node.indexed) {
    // Indexes order the elements; gaps close up, as on Stripe (`a[0]=x&a[5]=y` is a two-element array).
    const entries = [...node.children.entries()].sort((x, y) => Number(x[0]) - Number(y[0]));
    return entries.map(([, child]) => toValue(child));
  }
  const out: FormObject = {};
  // Defined, not assigned: `__proto__[amount]=1` is a parameter named `__proto__` (refused as unknown), not
  // the object's prototype, whose fields every handler would then read as sent.
  for (const [k, child] of node.children) Object.defineProperty(out, k, { value: toValue(child), enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * Parses a form body or query string (without the leading `?`).
 *
 * @example
 * parseForm('amount=1000&expand[0]=latest_charge&metadata[order]=A1')
 * // → { amount: '1000', expand: ['latest_charge'], metadata: { order: 'A1' } }
 */
export function parseForm(input: string): FormObject {
  const root: Node = { kind: 'map', children: new Map(), indexed: false };
  if (!input) return {};
  let emptyIndexCounter = 0;
  for (const pair of input.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    const segments = keySegments(rawKey);
    let node: Node = root;
    for (let i = 0; i < segments.length; i++) {
      let seg = segments[i] as string;
      if (node.kind !== 'map') throw new FormSyntaxError(rawKey, `Invalid parameter: ${rawKey} mixes a value and nested parameters.`);
      if (i > 0 && seg === '') seg = `${1_000_000 + emptyIndexCounter++}`; // `a[]=x&a[]=y`: append in order
      const last = i === segments.length - 1;
      if (i > 0 && node.children.size === 0) node.indexed = isIndex(segments[i] as string);
      else if (i > 0 && !isIndex(segments[i] as string)) node.indexed = false;
      const existing = node.children.get(seg);
      if (last) {
        if (existing && existing.kind === 'map') throw new FormSyntaxError(rawKey, `Invalid parameter: ${rawKey} mixes a value and nested parameters.`);
        node.children.set(seg, { kind: 'leaf', value });
      } else {
        if (existing && existing.kind === 'leaf') {
          // `metadata=&metadata[k]=v`: an empty value followed by children is Stripe's "unset then set".
          if (existing.value !== '') throw new FormSyntaxError(rawKey, `Invalid parameter: ${rawKey} mixes a value and nested parameters.`);
        }
        const next: Node = existing && existing.kind === 'map' ? existing : { kind: 'map', children: new Map(), indexed: false };
        node.children.set(seg, next);
        node = next;
      }
    }
  }
  return toValue(root) as FormObject;
}

/** The raw query string of a request-target (after `?`), or ''. */
export function queryOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}
