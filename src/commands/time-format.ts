/** How the dev-loop commands show times: local wall-clock time for live lines, UTC for stored objects. */

/** Local wall-clock time of a millisecond timestamp: `HH:MM:SS`, or `HH:MM:SS.mmm` with `millis`. */
export function clockTime(ms: number, millis = false): string {
  const d = new Date(ms);
  const hms = [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return millis ? `${hms}.${String(d.getMilliseconds()).padStart(3, '0')}` : hms;
}

/** A Unix-seconds time (events, payments) as `YYYY-MM-DD HH:MM:SS` UTC. */
export function utcDateTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}
