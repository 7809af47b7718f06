/**
 * `paycli refunds create|list|show`: refunds through the sandbox's API (`/v1/refunds`), thin like
 * `paycli payments`.
 */
import type { Refund } from '../engine/types.js';
import { EXIT } from '../errors.js';
import { c, formatAmount, jsonLine, out, stateColor } from './output.js';
import { parseAmount, parseLimit } from './payments.js';
import { keyedSandbox, processDeps, type CommandDeps, type SandboxFlags } from './sandbox-connection.js';
import { renderTable, terminalWidth, type Column } from './table.js';
import { utcDateTime } from './time-format.js';

export interface RefundCreateOptions extends SandboxFlags {
  amount?: string;
  reason?: string;
  json?: boolean;
}

export interface RefundListOptions extends SandboxFlags {
  payment?: string;
  limit?: string;
  json?: boolean;
}

export const refundsCreate = (payment: string, opts: RefundCreateOptions) => runRefundsCreate(payment, opts, processDeps());
export const refundsList = (opts: RefundListOptions) => runRefundsList(opts, processDeps());
export const refundsShow = (id: string, opts: SandboxFlags & { json?: boolean }) => runRefundsShow(id, opts, processDeps());

const COLUMNS: Column<Refund>[] = [
  { header: 'ID', value: (r) => r.id, color: (t) => c.cyan(t), keep: true },
  { header: 'STATUS', value: (r) => r.status, color: (t, r) => t.replace(r.status, stateColor(r.status)) },
  { header: 'AMOUNT', value: (r) => formatAmount(r.amount, r.currency), right: true },
  { header: 'PAYMENT', value: (r) => r.payment_id, keep: true },
  { header: 'ORDER', value: (r) => r.merchant_order_id, flex: true },
  { header: 'CREATED (UTC)', value: (r) => utcDateTime(r.created), color: (t) => c.dim(t), optional: true },
];

function render(r: Refund): void {
  out(`${c.bold('refund')} ${c.cyan(r.id)}  ${stateColor(r.status)}`);
  const rows: [string, string | null][] = [
    ['amount', formatAmount(r.amount, r.currency)],
    ['payment', r.payment_id],
    ['order', r.merchant_order_id],
    ['reason', r.reason],
    ['failure', r.failure_reason],
    ['created', `${utcDateTime(r.created)} UTC`],
  ];
  for (const [label, value] of rows) if (value !== null) out(`  ${c.dim(label.padEnd(12))}${value}`);
}

/** Refunds a payment: `--amount` (default: what is left) and `--reason`. */
export async function runRefundsCreate(payment: string, opts: RefundCreateOptions, deps: CommandDeps): Promise<number> {
  const body = {
    payment_id: payment,
    ...(opts.amount !== undefined ? { amount: parseAmount(opts.amount) } : {}),
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
  };
  const r = await (await keyedSandbox(opts, deps)).request<Refund>('POST', '/v1/refunds', body);
  if (opts.json) jsonLine(r);
  else render(r);
  return EXIT.ok;
}

export async function runRefundsList(opts: RefundListOptions, deps: CommandDeps): Promise<number> {
  const q = new URLSearchParams({ limit: String(parseLimit(opts.limit, 20)) });
  if (opts.payment) q.set('payment_id', opts.payment);
  const page = await (await keyedSandbox(opts, deps)).request<{ data: Refund[]; has_more: boolean }>('GET', `/v1/refunds?${q}`);
  if (opts.json) {
    jsonLine(page);
    return EXIT.ok;
  }
  if (page.data.length === 0) {
    out(c.dim('No refunds. Refund a payment with `paycli refunds create <payment id>`.'));
    return EXIT.ok;
  }
  for (const line of renderTable(page.data, COLUMNS, terminalWidth(deps.env))) out(line);
  if (page.has_more) out(c.dim('… more: raise --limit (up to 100) or narrow with --payment.'));
  return EXIT.ok;
}

export async function runRefundsShow(id: string, opts: SandboxFlags & { json?: boolean }, deps: CommandDeps): Promise<number> {
  const r = await (await keyedSandbox(opts, deps)).request<Refund>('GET', `/v1/refunds/${encodeURIComponent(id)}`);
  if (opts.json) jsonLine(r);
  else render(r);
  return EXIT.ok;
}
