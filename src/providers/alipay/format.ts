/**
 * Alipay's value formats: amounts are yuan strings with two decimals (domain amounts are fen), times are
 * `yyyy-MM-dd HH:mm:ss` in China time (UTC+8, no daylight saving) whatever the sandbox's time zone.
 */

/** 1234 fen → "12.34". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Alipay's amount range: 0.01 to 100,000,000.00 yuan. */
const MAX_FEN = 100_000_000_00;

/** "12.34" / "12.3" / "12" → fen; null when it is not a valid Alipay amount. */
export function parseYuan(value: unknown): number | null {
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string') return null;
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!m) return null;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return fen >= 1 && fen <= MAX_FEN ? fen : null;
}

const CHINA_OFFSET_MS = 8 * 3600 * 1000;

/** Milliseconds since the epoch → "2026-11-30 14:36:53" in China time. */
export function chinaTime(ms: number): string {
  const d = new Date(ms + CHINA_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** "2026-11-30 14:36:53" in China time → milliseconds since the epoch; null when malformed or not a real time. */
export function parseChinaTime(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - CHINA_OFFSET_MS;
  return chinaTime(ms) === value ? ms : null;
}

/** The next midnight in China time after `ms`. */
export function nextChinaMidnight(ms: number): number {
  const day = Math.floor((ms + CHINA_OFFSET_MS) / 86_400_000);
  return (day + 1) * 86_400_000 - CHINA_OFFSET_MS;
}

/** "2026-11-30" in China time. */
export function chinaDate(ms: number): string {
  return chinaTime(ms).slice(0, 10);
}

/** The [start, end) milliseconds of a China-time day "yyyy-MM-dd" or month "yyyy-MM"; null if malformed. */
export function chinaPeriod(value: string): { startMs: number; endMs: number } | null {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const start = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (chinaDate(start) !== value) return null;
    return { startMs: start - CHINA_OFFSET_MS, endMs: start - CHINA_OFFSET_MS + 86_400_000 };
  }
  const month = /^(\d{4})-(\d{2})$/.exec(value);
  if (month) {
    const m = Number(month[2]);
    if (m < 1 || m > 12) return null;
    const start = Date.UTC(Number(month[1]), m - 1, 1);
    const end = Date.UTC(Number(month[1]), m, 1);
    return { startMs: start - CHINA_OFFSET_MS, endMs: end - CHINA_OFFSET_MS };
  }
  return null;
}
