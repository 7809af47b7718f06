/**
 * The filters of `paycli logs tail`: `--type request|delivery`, `--status 200,4xx,error`, `--path /v1/refunds`
 * (a path prefix; for deliveries, of the URL notified). Parsed once, applied to each activity entry.
 */
import { PaycliError } from '../errors.js';
import type { ActivityEntry } from '../core/activity-log.js';

export interface ActivityFilter {
  type: 'request' | 'delivery' | null;
  /** Each an exact status (`404`), a class (`4xx`) or `error` (no response); empty for all. */
  status: string[];
  path: string | null;
}

/** Parses the flags; bad values are usage errors. */
export function parseActivityFilter(flags: { type?: string; status?: string; path?: string }): ActivityFilter {
  if (flags.type !== undefined && flags.type !== 'request' && flags.type !== 'delivery') {
    throw new PaycliError('invalid_usage', `--type must be request or delivery, not "${flags.type}".`, { hint: 'e.g. --type delivery' });
  }
  const status = (flags.status ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const s of status) {
    if (!/^[1-5](\d\d|xx)$/.test(s) && s !== 'error') {
      throw new PaycliError('invalid_usage', `--status "${s}" is not a status.`, { hint: 'Use codes (200), classes (4xx) or error (no response), comma-separated: --status 4xx,5xx,error' });
    }
  }
  return { type: flags.type ?? null, status, path: flags.path ?? null };
}

function pathOf(entry: ActivityEntry): string {
  if (entry.kind === 'request') return entry.path;
  try {
    return new URL(entry.url).pathname;
  } catch {
    return entry.url;
  }
}

/** Whether an entry passes the filter. */
export function matchesActivity(entry: ActivityEntry, f: ActivityFilter): boolean {
  if (f.type && entry.kind !== f.type) return false;
  if (f.path !== null && !pathOf(entry).startsWith(f.path)) return false;
  if (f.status.length > 0) {
    const code = entry.status;
    const ok = f.status.some((s) => (s === 'error' ? code === null : code !== null && (s.endsWith('xx') ? String(code)[0] === s[0] : String(code) === s)));
    if (!ok) return false;
  }
  return true;
}
