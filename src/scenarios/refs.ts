/**
 * `${step.field}` references: a step names the result of an earlier one (the id a step created, the order id
 * the app answered). Found statically by the loader, resolved by the runner just before a step runs.
 */

/** Names that are always defined: `${app.url}`, `${app.notify_url}`, `${sandbox.url}`, `${scenario.name}`, `${scenario.slug}`. */
export const REF_ROOTS = ['app', 'sandbox', 'scenario'];

const REF = /\$\{([^}]*)\}/g;
const EXPRESSION = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/;

export interface FoundRef {
  /** Where in the document the string is. */
  path: (string | number)[];
  expression: string;
  root: string;
  /** Set when the reference is malformed. */
  error?: string;
}

/** Every reference in `value` (strings, nested objects and arrays). */
export function findRefs(value: unknown, basePath: (string | number)[]): FoundRef[] {
  const found: FoundRef[] = [];
  const visit = (v: unknown, p: (string | number)[]) => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(REF)) {
        const expression = m[1]!.trim();
        const root = expression.split('.')[0] ?? '';
        found.push(
          EXPRESSION.test(expression)
            ? { path: p, expression, root }
            : { path: p, expression, root, error: `\${${m[1]}} is not a reference: use \${step_id.field}, e.g. \${pay.id}` },
        );
      }
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, [...p, i]));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) visit(item, [...p, k]);
    }
  };
  visit(value, basePath);
  return found;
}

/** A reference that resolved to nothing at run time. */
export class UnresolvedReference extends Error {}

/**
 * Replaces references in `value` (deeply). A string that is exactly one reference becomes the referenced
 * value itself (so `amount: ${pay.amount}` stays a number); references inside longer strings are
 * interpolated. Throws UnresolvedReference naming what is missing.
 */
export function resolveRefs<T>(value: T, scope: Readonly<Record<string, unknown>>): T {
  if (typeof value === 'string') {
    const whole = /^\$\{([^}]*)\}$/.exec(value);
    if (whole) return lookup(whole[1]!.trim(), scope) as T;
    return value.replace(REF, (_m, expr: string) => {
      const v = lookup(expr.trim(), scope);
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, scope)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, scope)])) as T;
  }
  return value;
}

function lookup(expression: string, scope: Readonly<Record<string, unknown>>): unknown {
  const [root, ...rest] = expression.split('.');
  if (!(root! in scope)) throw new UnresolvedReference(`\${${expression}}: step "${root}" has no result (it failed or did not run)`);
  let v: unknown = scope[root!];
  let walked = root!;
  for (const key of rest) {
    if (v === null || typeof v !== 'object' || !(key in v)) {
      const keys = v !== null && typeof v === 'object' ? Object.keys(v).slice(0, 12).join(', ') : typeof v;
      throw new UnresolvedReference(`\${${expression}}: ${walked} has no field "${key}" (it has: ${keys || 'nothing'})`);
    }
    v = (v as Record<string, unknown>)[key];
    walked += `.${key}`;
  }
  if (v === undefined || v === null) throw new UnresolvedReference(`\${${expression}} is ${v === null ? 'null' : 'undefined'}`);
  return v;
}
