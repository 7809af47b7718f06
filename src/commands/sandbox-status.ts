/**
 * `paycli sandbox status`: is a sandbox running at the resolved URL, and what does it hold? Exits non-zero
 * with a hint when none answers, so scripts can wait on it (`until paycli sandbox status; do sleep 1; done`).
 */
import path from 'node:path';
import { formatDuration } from '../duration.js';
import { EXIT, PaycliError } from '../errors.js';
import { readRuntimeInfo } from '../sandbox/client.js';
import { c, err, jsonLine, out } from './output.js';
import { processDeps, sandboxResolver, type CommandDeps, type SandboxFlags } from './sandbox-connection.js';

export interface StatusOptions extends SandboxFlags {
  json?: boolean;
}

/** What GET /_sandbox/health answers. */
export interface SandboxHealth {
  ok: boolean;
  version: string;
  merchant_id: string;
  now: number;
  virtual_clock: boolean;
  uptime_ms: number;
  store: 'memory' | 'file';
  data_file: string | null;
  counts: Record<'payments' | 'refunds' | 'events' | 'deliveries', number>;
}

/** Commander entry point. */
export async function sandboxStatus(opts: StatusOptions): Promise<number> {
  return runSandboxStatus(opts, processDeps());
}

/** Reports on the sandbox; 0 when one is running, 1 when none answers. */
export async function runSandboxStatus(opts: StatusOptions, deps: CommandDeps): Promise<number> {
  const client = sandboxResolver(opts, deps)();
  let health: SandboxHealth | null = null;
  let unreachable = false;
  try {
    const res = await client.fetch('GET', '/_sandbox/health');
    const body = (await res.json().catch(() => null)) as SandboxHealth | null;
    if (res.ok && body?.ok === true && typeof body.merchant_id === 'string') health = body;
  } catch (e) {
    if (!(e instanceof PaycliError) || e.code !== 'sandbox_unreachable') throw e;
    unreachable = true;
  }
  if (!health) {
    const runtime = readRuntimeInfo(deps.cwd);
    const stale = unreachable && runtime !== null && runtime.url === client.url;
    const message = unreachable ? `No sandbox is running at ${client.url}.` : `Something answered at ${client.url}, but it is not a paycli sandbox.`;
    const hint = stale
      ? `${path.normalize('.paycli/sandbox.runtime.json')} is left over from a sandbox that stopped (pid ${runtime.pid}). Start one with \`paycli sandbox start\`.`
      : unreachable
        ? 'Start one with `paycli sandbox start` (in this directory, so other commands find it), or point to it with --sandbox-url / PAYCLI_SANDBOX_URL.'
        : 'Check --sandbox-url / PAYCLI_SANDBOX_URL, or start the sandbox on another port with --port.';
    if (opts.json) jsonLine({ running: false, url: client.url, reason: unreachable ? 'unreachable' : 'not_a_sandbox', hint });
    else {
      err(`${c.red('✗')} ${message}`);
      err(c.dim(`hint: ${hint}`));
    }
    return EXIT.failed;
  }

  const key = await checkKey(client);
  if (opts.json) {
    jsonLine({ running: true, url: client.url, api_key: key, ...health });
    return EXIT.ok;
  }
  const store = health.store === 'memory' ? `in memory ${c.dim('(nothing is saved when it stops)')}` : `file ${health.data_file ?? ''}`;
  const clock = health.virtual_clock ? `virtual, now ${new Date(health.now).toISOString()}` : 'real';
  const n = health.counts;
  const keyNote = { accepted: c.green('accepted'), rejected: c.red('rejected (wrong --api-key / PAYCLI_API_KEY?)'), none: c.yellow('none found (pass --api-key)') }[key];
  out(`${c.green('●')} Sandbox running at ${c.cyan(client.url)} ${c.dim(`(paycli ${health.version}, up ${formatDuration(health.uptime_ms)})`)}`);
  out(`  merchant  ${health.merchant_id}  ${c.dim('API key:')} ${keyNote}`);
  out(`  store     ${store}`);
  out(`  clock     ${clock}`);
  out(`  objects   ${n.payments} payments, ${n.refunds} refunds, ${n.events} events, ${n.deliveries} deliveries`);
  return EXIT.ok;
}

/** Whether the API key this command would use is one of the sandbox's. */
async function checkKey(client: { apiKey: string | null; request: (m: string, p: string) => Promise<unknown> }): Promise<'accepted' | 'rejected' | 'none'> {
  if (!client.apiKey) return 'none';
  try {
    await client.request('GET', '/_sandbox/merchant');
    return 'accepted';
  } catch (e) {
    if (e instanceof PaycliError && (e.code === 'invalid_api_key' || e.code === 'authentication_required')) return 'rejected';
    throw e;
  }
}
