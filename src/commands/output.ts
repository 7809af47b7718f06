/**
 * How commands talk to people: one chalk instance that respects NO_COLOR, FORCE_COLOR and non-TTY output,
 * and small helpers for status words and JSON lines. Only commands import this module.
 */
import { Chalk, supportsColor } from 'chalk';

function colorLevel(stream: NodeJS.WriteStream): 0 | 1 | 2 | 3 {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return 0;
  if (process.env.FORCE_COLOR !== undefined) return supportsColor ? supportsColor.level : 1;
  if (!stream.isTTY) return 0;
  return supportsColor ? supportsColor.level : 0;
}

/** Colours for standard output. */
export const c = new Chalk({ level: colorLevel(process.stdout) });
/** Colours for standard error. */
export const ce = new Chalk({ level: colorLevel(process.stderr) });

export function out(line = ''): void {
  process.stdout.write(line + '\n');
}

export function err(line = ''): void {
  process.stderr.write(line + '\n');
}

/** One JSON document per line, for `--json`. */
export function jsonLine(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** Colours an HTTP status: green 2xx, yellow 3xx/4xx, red 5xx or none. */
export function statusColor(status: number | null | undefined): string {
  if (status === null || status === undefined) return c.red('ERR');
  if (status >= 200 && status < 300) return c.green(String(status));
  if (status >= 500) return c.red(String(status));
  return c.yellow(String(status));
}

/** Colours a payment or delivery status word. */
export function stateColor(state: string): string {
  if (['succeeded', 'delivered', 'passed', 'ok'].includes(state)) return c.green(state);
  if (['failed', 'canceled', 'dropped', 'error'].includes(state)) return c.red(state);
  return c.yellow(state);
}

/** Formats a minor-unit amount for people: 1999 EUR → "19.99 EUR". */
export function formatAmount(amount: number, currency: string): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // Unknown currency code: show two decimals.
  }
  return `${(amount / 10 ** digits).toFixed(digits)} ${currency.toUpperCase()}`;
}
