/** Human durations as used in flags and scenario files: `500ms`, `30s`, `2m`, `1h`, `1d`, or `1h30m`. */
import { PaycliError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in `text`, or null when it is not a duration. A bare number is milliseconds. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === t.length && t.length > 0 ? Math.round(total) : null;
}

/** Parses a comma-separated schedule such as `1s,5s,30s,2m`; throws a usage error naming `source`. */
export function parseDurationList(text: string, source: string): number[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new PaycliError('invalid_usage', `${source} is empty.`, { hint: 'e.g. "1s,5s,30s,2m,10m,1h"' });
  return parts.map((p) => {
    const ms = parseDuration(p);
    if (ms === null) throw new PaycliError('invalid_usage', `${source}: "${p}" is not a duration.`, { hint: 'Use numbers with ms, s, m, h or d, e.g. "1s,5s,30s,2m".' });
    return ms;
  });
}

/** Formats milliseconds compactly: 1500 → "1.5s", 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
