/**
 * `paycli endpoints list|create|delete`: the merchant's webhook endpoints (`/v1/webhook_endpoints`). Each
 * endpoint signs with its own secret, which `create` prints once, as the API returns it.
 */
import type { WebhookEndpoint } from '../engine/types.js';
import { EXIT } from '../errors.js';
import { parseEventFilter, parseForwardTarget } from '../listen/forward-options.js';
import { c, jsonLine, out } from './output.js';
import { keyedSandbox, processDeps, type CommandDeps, type SandboxFlags } from './sandbox-connection.js';
import { renderTable, terminalWidth, type Column } from './table.js';
import { utcDateTime } from './time-format.js';

export interface EndpointCreateOptions extends SandboxFlags {
  events?: string;
  description?: string;
  json?: boolean;
}

export const endpointsList = (opts: SandboxFlags & { json?: boolean }) => runEndpointsList(opts, processDeps());
export const endpointsCreate = (url: string, opts: EndpointCreateOptions) => runEndpointsCreate(url, opts, processDeps());
export const endpointsDelete = (id: string, opts: SandboxFlags & { json?: boolean }) => runEndpointsDelete(id, opts, processDeps());

const COLUMNS: Column<WebhookEndpoint>[] = [
  { header: 'ID', value: (e) => e.id, color: (t) => c.cyan(t), keep: true },
  { header: 'URL', value: (e) => e.url, flex: true },
  { header: 'EVENTS', value: (e) => e.enabled_events.join(','), flex: true },
  { header: 'CREATED (UTC)', value: (e) => utcDateTime(e.created), color: (t) => c.dim(t), optional: true },
];

export async function runEndpointsList(opts: SandboxFlags & { json?: boolean }, deps: CommandDeps): Promise<number> {
  const page = await (await keyedSandbox(opts, deps)).request<{ data: WebhookEndpoint[] }>('GET', '/v1/webhook_endpoints');
  if (opts.json) {
    jsonLine(page);
    return EXIT.ok;
  }
  if (page.data.length === 0) {
    out(c.dim('No webhook endpoints. Add one with `paycli endpoints create localhost:3000/webhooks`.'));
    return EXIT.ok;
  }
  for (const line of renderTable(page.data, COLUMNS, terminalWidth(deps.env))) out(line);
  return EXIT.ok;
}

/** Registers a URL (a port means the app on this machine, like --forward-to); `--events` filters. */
export async function runEndpointsCreate(url: string, opts: EndpointCreateOptions, deps: CommandDeps): Promise<number> {
  const events = parseEventFilter(opts.events, '--events', 'paycli');
  const body = {
    url: parseForwardTarget(url, 'url'),
    ...(events ? { enabled_events: events } : {}),
    ...(opts.description ? { description: opts.description } : {}),
  };
  const e = await (await keyedSandbox(opts, deps)).request<WebhookEndpoint>('POST', '/v1/webhook_endpoints', body);
  if (opts.json) {
    jsonLine(e);
    return EXIT.ok;
  }
  out(`${c.green('✓')} Created ${c.cyan(e.id)} → ${e.url} ${c.dim(`(${e.enabled_events.join(', ')})`)}`);
  out(`  signing secret ${c.bold(e.secret)}`);
  out(c.dim("  This endpoint's notifications are signed with this secret (not the merchant's)."));
  return EXIT.ok;
}

export async function runEndpointsDelete(id: string, opts: SandboxFlags & { json?: boolean }, deps: CommandDeps): Promise<number> {
  const res = await (await keyedSandbox(opts, deps)).request<{ id: string; deleted: boolean }>('DELETE', `/v1/webhook_endpoints/${encodeURIComponent(id)}`);
  if (opts.json) jsonLine(res);
  else out(`${c.green('✓')} Deleted ${c.cyan(res.id)}`);
  return EXIT.ok;
}
