/**
 * `paycli stats`: the dashboard's analytics in the terminal (the same figures, from the same endpoint):
 * payments, success rate, amounts, refund rate, decline reasons, payment methods, notification delivery
 * and latency. `--since 24h` counts from that long before the sandbox's own now (a virtual clock included).
 */
import type { Stats } from '../dashboard/stats.js';
import { parseDuration } from '../duration.js';
import { EXIT, PaycliError } from '../errors.js';
import { c, formatAmount, jsonLine, out } from './output.js';
import { processDeps, sandboxResolver, type CommandDeps, type SandboxFlags } from './sandbox-connection.js';

export interface StatsOptions extends SandboxFlags {
  since?: string;
  provider?: string;
  json?: boolean;
}

/** Commander entry point. */
export const stats = (opts: StatsOptions) => runStats(opts, processDeps());

/** Unix seconds for `--since`: a duration back from `nowMs` (24h, 7d) or a date / date-time (UTC). */
export function sinceSeconds(text: string, nowMs: number): number {
  const ms = parseDuration(text);
  if (ms !== null && !/^\d+$/.test(text.trim())) return Math.floor((nowMs - ms) / 1000);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(date)) {
    throw new PaycliError('invalid_usage', `--since must be a duration such as 24h or 7d, or a date such as 2026-03-01, not "${text}".`);
  }
  return Math.floor(date / 1000);
}

const pct = (r: number | null) => (r === null ? c.dim('—') : `${(r * 100).toFixed(1)}%`);
const ms = (v: number | null) => (v === null ? '—' : `${v} ms`);

export async function runStats(opts: StatsOptions, deps: CommandDeps): Promise<number> {
  if (opts.provider !== undefined && !/^[a-z0-9_-]{1,40}$/.test(opts.provider)) {
    throw new PaycliError('invalid_usage', `--provider must be a provider name such as paycli, not "${opts.provider}".`);
  }
  // A bad --since is the caller's mistake whether or not a sandbox runs: check it before asking one.
  if (opts.since !== undefined) sinceSeconds(opts.since, 0);
  const client = sandboxResolver(opts, deps)();
  const q = new URLSearchParams();
  let since: number | null = null;
  if (opts.since !== undefined) {
    const { now } = await client.request<{ now: number }>('GET', '/_dashboard/api/overview');
    since = sinceSeconds(opts.since, now);
    q.set('since', String(Math.max(0, since)));
  }
  if (opts.provider) q.set('provider', opts.provider);
  const s = await client.request<Stats>('GET', `/_dashboard/api/stats${q.size ? `?${q}` : ''}`);
  if (opts.json) {
    jsonLine(s);
    return EXIT.ok;
  }
  render(s, since);
  return EXIT.ok;
}

function render(s: Stats, since: number | null): void {
  const label = (text: string) => `  ${text.padEnd(18)}`;
  const scope = `${since === null ? 'all time' : `since ${new Date(since * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC (from the start of that hour)`}, ${s.provider ?? 'all providers'}`;
  out(`${c.bold('Payments')} ${c.dim(scope)}`);
  const byStatus = Object.entries(s.payments.by_status).map(([k, n]) => `${k} ${n}`).join(', ');
  out(`${label('payments')}${s.payments.total}${byStatus ? c.dim(`  (${byStatus})`) : ''}`);
  out(`${label('success rate')}${pct(s.success_rate)} ${c.dim('of payments that reached an outcome')}`);
  out(`${label('captured')}${s.amounts.length ? s.amounts.map((a) => formatAmount(a.captured, a.currency)).join(' · ') : '—'}`);
  out(`${label('refunded')}${s.amounts.length ? s.amounts.map((a) => formatAmount(a.refunded, a.currency)).join(' · ') : '—'}`);
  out(`${label('refund rate')}${pct(s.refunds.refund_rate)} ${c.dim(`(${s.refunds.payments_refunded} payments refunded)`)}`);
  out(`${label('decline reasons')}${s.decline_reasons.length ? s.decline_reasons.map((d) => `${d.code} ${d.count}`).join(', ') : '—'}`);
  const methodTotal = s.methods.reduce((sum, m) => sum + m.count, 0);
  out(`${label('methods')}${s.methods.length ? s.methods.map((m) => `${m.method} ${m.count} (${pct(m.count / methodTotal)})`).join(', ') : '—'}`);
  const n = s.notifications;
  out(c.bold('Notifications'));
  out(`${label('delivered')}${pct(n.success_rate)} ${c.dim(`of ${n.deliveries} notifications, ${n.attempts} attempts`)}`);
  out(`${label('latency')}mean ${ms(n.latency_ms.mean)} · p50 ${ms(n.latency_ms.p50)} · p95 ${ms(n.latency_ms.p95)} · max ${ms(n.latency_ms.max)}`);
}
