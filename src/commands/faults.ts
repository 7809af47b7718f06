/**
 * `paycli faults add|list|clear`: make the running sandbox's own API fail on purpose (500, 503, 429 with
 * Retry-After, a delay, no answer, a reset connection), to test an app's retries. Thin over
 * `/_sandbox/faults`; the rules live in src/faults/.
 */
import { parseDuration } from '../duration.js';
import { EXIT, PaycliError } from '../errors.js';
import type { FaultRule } from '../faults/fault-rules.js';
import { c, jsonLine, out } from './output.js';
import { keyedSandbox, processDeps, type CommandDeps, type SandboxFlags } from './sandbox-connection.js';
import { renderTable, terminalWidth, type Column } from './table.js';

export interface FaultsAddOptions extends SandboxFlags {
  provider?: string;
  method?: string;
  path?: string;
  times?: string;
  percent?: string;
  seed?: string;
  retryAfter?: string;
  delay?: string;
  json?: boolean;
}

export const faultsAdd = (fault: string, opts: FaultsAddOptions) => runFaultsAdd(fault, opts, processDeps());
export const faultsList = (opts: SandboxFlags & { json?: boolean }) => runFaultsList(opts, processDeps());
export const faultsClear = (id: string | undefined, opts: SandboxFlags & { json?: boolean }) => runFaultsClear(id, opts, processDeps());

function wholeNumber(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new PaycliError('invalid_usage', `${flag} must be a whole number, not "${value}".`, { param: flag.slice(2) });
  return Number(value);
}

function durationMs(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new PaycliError('invalid_usage', `${flag} must be a duration such as 500ms, 2s or 1m, not "${value}".`, { param: flag.slice(2) });
  return ms;
}

/** Describes a rule in one line: `503 on POST /v1/payments (paycli), next 2`. */
export function describeRule(r: FaultRule): string {
  const what = r.fault === '429' ? `429 (Retry-After ${r.retry_after_s}s)` : r.fault === 'delay' ? `delay ${r.delay_ms}ms` : r.fault;
  const how = r.times !== null ? `next ${r.times - r.applied} of ${r.times}` : r.percent !== null ? `${r.percent}% (seed ${r.seed ?? r.id})` : 'every request';
  return `${what} on ${r.method === '*' ? 'any method' : r.method} ${r.path}${r.provider === '*' ? '' : ` (${r.provider})`}, ${how}`;
}

/** Arms a rule: `paycli faults add 503 --method POST --path '/v1/payments*' --times 2`. */
export async function runFaultsAdd(fault: string, opts: FaultsAddOptions, deps: CommandDeps): Promise<number> {
  const body: Record<string, unknown> = {
    fault,
    ...(opts.provider ? { provider: opts.provider } : {}),
    ...(opts.method ? { method: opts.method.toUpperCase() } : {}),
    ...(opts.path ? { path: opts.path } : {}),
    ...(opts.times !== undefined ? { times: wholeNumber(opts.times, '--times') } : {}),
    ...(opts.percent !== undefined ? { percent: Number(opts.percent) } : {}),
    ...(opts.seed ? { seed: opts.seed } : {}),
    ...(opts.retryAfter !== undefined ? { retry_after_s: Math.round(durationMs(/^\d+$/.test(opts.retryAfter) ? `${opts.retryAfter}s` : opts.retryAfter, '--retry-after') / 1000) } : {}),
    ...(opts.delay !== undefined ? { delay_ms: durationMs(opts.delay, '--delay') } : {}),
  };
  const rule = await (await keyedSandbox(opts, deps)).request<FaultRule>('POST', '/_sandbox/faults', body);
  if (opts.json) jsonLine(rule);
  else {
    out(`${c.green('✓')} Armed ${c.cyan(rule.id)}: ${describeRule(rule)}`);
    out(c.dim('  Faulted requests show in `paycli logs tail`; remove with `paycli faults clear`.'));
  }
  return EXIT.ok;
}

const COLUMNS: Column<FaultRule>[] = [
  { header: 'ID', value: (r) => r.id, color: (t) => c.cyan(t), keep: true },
  { header: 'RULE', value: describeRule, flex: true },
  { header: 'APPLIED', value: (r) => String(r.applied), right: true },
];

export async function runFaultsList(opts: SandboxFlags & { json?: boolean }, deps: CommandDeps): Promise<number> {
  const page = await (await keyedSandbox(opts, deps)).request<{ data: FaultRule[] }>('GET', '/_sandbox/faults');
  if (opts.json) {
    jsonLine(page);
    return EXIT.ok;
  }
  if (page.data.length === 0) {
    out(c.dim("No fault rules: the sandbox's API answers normally. Add one with `paycli faults add 503 --path '/v1/payments' --times 1`."));
    return EXIT.ok;
  }
  for (const line of renderTable(page.data, COLUMNS, terminalWidth(deps.env))) out(line);
  out(c.dim('A request takes the first rule that matches, in this order.'));
  return EXIT.ok;
}

export async function runFaultsClear(id: string | undefined, opts: SandboxFlags & { json?: boolean }, deps: CommandDeps): Promise<number> {
  const client = await keyedSandbox(opts, deps);
  const res = await client.request('DELETE', id ? `/_sandbox/faults/${encodeURIComponent(id)}` : '/_sandbox/faults');
  if (opts.json) jsonLine(res);
  else out(`${c.green('✓')} ${id ? `Removed ${c.cyan(id)}` : 'Removed every fault rule'}: the API answers normally${id ? ' to what it matched' : ''}.`);
  return EXIT.ok;
}
