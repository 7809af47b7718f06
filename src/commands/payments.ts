/**
 * `paycli payments list|show|create|capture|cancel`: the everyday payment calls, thin over the sandbox's
 * API (`/v1/payments`), found the way the other commands find the sandbox. Tables fit the terminal; `--json`
 * prints what the API answered.
 */
import { randomBytes } from 'node:crypto';
// What the native API answers (the wire shape, with next_action), not the domain payment.
import type { NativePayment as Payment } from '../providers/paycli/serialize.js';
import { WALLET_TYPES } from '../engine/types.js';
import { EXIT, PaycliError } from '../errors.js';
import { parseForwardTarget } from '../listen/forward-options.js';
import { c, formatAmount, jsonLine, out, stateColor } from './output.js';
import { keyedSandbox, processDeps, type CommandDeps, type SandboxFlags } from './sandbox-connection.js';
import { renderTable, terminalWidth, type Column } from './table.js';
import { utcDateTime } from './time-format.js';

export interface ListOptions extends SandboxFlags {
  status?: string;
  order?: string;
  limit?: string;
  json?: boolean;
}

export interface CreateOptions extends SandboxFlags {
  amount?: string;
  currency?: string;
  card?: string;
  wallet?: string;
  order?: string;
  manualCapture?: boolean;
  notifyUrl?: string;
  description?: string;
  json?: boolean;
}

export interface CaptureOptions extends SandboxFlags {
  amount?: string;
  json?: boolean;
}

export interface CancelOptions extends SandboxFlags {
  reason?: string;
  json?: boolean;
}

const PAYMENT_STATUSES = ['requires_action', 'pending', 'requires_capture', 'succeeded', 'failed', 'canceled'];

/** Commander entry points. */
export const paymentsList = (opts: ListOptions) => runPaymentsList(opts, processDeps());
export const paymentsShow = (id: string, opts: SandboxFlags & { json?: boolean }) => runPaymentsShow(id, opts, processDeps());
export const paymentsCreate = (opts: CreateOptions) => runPaymentsCreate(opts, processDeps());
export const paymentsCapture = (id: string, opts: CaptureOptions) => runPaymentsCapture(id, opts, processDeps());
export const paymentsCancel = (id: string, opts: CancelOptions) => runPaymentsCancel(id, opts, processDeps());

/** `--limit`: a whole number from 1 to 100. */
export function parseLimit(value: string | undefined, fallback: number): number {
  const text = value ?? String(fallback);
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 100) throw new PaycliError('invalid_usage', `--limit must be a whole number from 1 to 100, not "${text}".`, { param: 'limit' });
  return Number(text);
}

/** `--amount`: minor units, a whole number of at least 1. */
export function parseAmount(value: string, flag = '--amount'): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new PaycliError('invalid_usage', `${flag} must be a whole number of minor units (1999 = 19.99), not "${value}".`, { param: flag.replace(/^--/, '') });
  }
  return Number(value);
}

const id = (p: Payment) => p.id;
export const PAYMENT_COLUMNS: Column<Payment>[] = [
  { header: 'ID', value: id, color: (t) => c.cyan(t), keep: true },
  { header: 'STATUS', value: (p) => p.status, color: (t, p) => t.replace(p.status, stateColor(p.status)) },
  { header: 'AMOUNT', value: (p) => formatAmount(p.amount, p.currency), right: true },
  { header: 'REFUNDED', value: (p) => (p.amount_refunded ? formatAmount(p.amount_refunded, p.currency) : '-'), right: true, optional: true },
  { header: 'METHOD', value: methodOf },
  { header: 'ORDER', value: (p) => p.merchant_order_id, flex: true },
  { header: 'CREATED (UTC)', value: (p) => utcDateTime(p.created), color: (t) => c.dim(t), optional: true },
];

function methodOf(p: Payment): string {
  const m = p.payment_method;
  return m.type === 'card' ? `${m.card.brand} ${m.card.last4}` : m.wallet;
}

/** Lists payments, newest first. */
export async function runPaymentsList(opts: ListOptions, deps: CommandDeps): Promise<number> {
  const q = new URLSearchParams({ limit: String(parseLimit(opts.limit, 20)) });
  if (opts.status !== undefined) {
    if (!PAYMENT_STATUSES.includes(opts.status)) throw new PaycliError('invalid_usage', `--status must be one of ${PAYMENT_STATUSES.join(', ')}, not "${opts.status}".`, { param: 'status' });
    q.set('status', opts.status);
  }
  if (opts.order) q.set('merchant_order_id', opts.order);
  const page = await (await keyedSandbox(opts, deps)).request<{ data: Payment[]; has_more: boolean }>('GET', `/v1/payments?${q}`);
  if (opts.json) {
    jsonLine(page);
    return EXIT.ok;
  }
  if (page.data.length === 0) {
    out(c.dim('No payments. Create one with `paycli payments create --amount 2000`.'));
    return EXIT.ok;
  }
  for (const line of renderTable(page.data, PAYMENT_COLUMNS, terminalWidth(deps.env))) out(line);
  if (page.has_more) out(c.dim('… more: raise --limit (up to 100) or narrow with --status / --order.'));
  return EXIT.ok;
}

/** One payment: its fields, one per line. */
export function renderPayment(p: Payment): void {
  out(`${c.bold('payment')} ${c.cyan(p.id)}  ${stateColor(p.status)}`);
  const rows: [string, string | null][] = [
    ['amount', formatAmount(p.amount, p.currency)],
    ['captured', p.amount_captured ? formatAmount(p.amount_captured, p.currency) : null],
    ['refunded', p.amount_refunded ? formatAmount(p.amount_refunded, p.currency) : null],
    ['fee', p.fee ? formatAmount(p.fee, p.currency) : null],
    ['method', methodOf(p)],
    ['order', p.merchant_order_id],
    ['capture', p.capture_method],
    ['failure', p.failure_code ? `${p.failure_code}: ${p.failure_message ?? ''}` : null],
    ['next action', p.next_action ? (p.next_action.type === 'redirect_to_url' ? p.next_action.redirect_to_url.url : `QR code ${p.next_action.display_qr_code.data}`) : null],
    ['notify_url', p.notify_url],
    ['created', `${utcDateTime(p.created)} UTC`],
  ];
  for (const [label, value] of rows) if (value !== null) out(`  ${c.dim(label.padEnd(12))}${value}`);
}

export async function runPaymentsShow(id: string, opts: SandboxFlags & { json?: boolean }, deps: CommandDeps): Promise<number> {
  const p = await (await keyedSandbox(opts, deps)).request<Payment>('GET', `/v1/payments/${encodeURIComponent(id)}`);
  if (opts.json) jsonLine(p);
  else renderPayment(p);
  return EXIT.ok;
}

/** Creates a payment: a card (default the succeeding test card) or a wallet. */
export async function runPaymentsCreate(opts: CreateOptions, deps: CommandDeps): Promise<number> {
  if (opts.amount === undefined) throw new PaycliError('invalid_usage', 'Say how much: --amount <minor units> (1999 = 19.99).', { param: 'amount', hint: 'e.g. paycli payments create --amount 2000 --currency eur' });
  const amount = parseAmount(opts.amount);
  if (opts.card !== undefined && opts.wallet !== undefined) throw new PaycliError('invalid_usage', 'Give --card or --wallet, not both.');
  if (opts.wallet !== undefined && !WALLET_TYPES.includes(opts.wallet as never)) {
    throw new PaycliError('invalid_usage', `--wallet must be one of ${WALLET_TYPES.join(', ')}, not "${opts.wallet}".`, { param: 'wallet' });
  }
  const payment_method = opts.wallet
    ? { type: 'wallet', wallet: opts.wallet }
    : { type: 'card', card: { number: opts.card ?? '4242424242424242', exp_month: 12, exp_year: new Date().getUTCFullYear() + 5, cvc: '123' } };
  const body = {
    amount,
    currency: opts.currency ?? 'usd',
    merchant_order_id: opts.order ?? `cli_${randomBytes(6).toString('hex')}`,
    payment_method,
    ...(opts.manualCapture ? { capture_method: 'manual' } : {}),
    ...(opts.notifyUrl ? { notify_url: parseForwardTarget(opts.notifyUrl, '--notify-url') } : {}),
    ...(opts.description ? { description: opts.description } : {}),
  };
  const p = await (await keyedSandbox(opts, deps)).request<Payment>('POST', '/v1/payments', body);
  if (opts.json) jsonLine(p);
  else renderPayment(p);
  return EXIT.ok;
}

export async function runPaymentsCapture(id: string, opts: CaptureOptions, deps: CommandDeps): Promise<number> {
  const body = opts.amount === undefined ? {} : { amount: parseAmount(opts.amount) };
  const p = await (await keyedSandbox(opts, deps)).request<Payment>('POST', `/v1/payments/${encodeURIComponent(id)}/capture`, body);
  if (opts.json) jsonLine(p);
  else renderPayment(p);
  return EXIT.ok;
}

export async function runPaymentsCancel(id: string, opts: CancelOptions, deps: CommandDeps): Promise<number> {
  const body = opts.reason === undefined ? {} : { cancellation_reason: opts.reason };
  const p = await (await keyedSandbox(opts, deps)).request<Payment>('POST', `/v1/payments/${encodeURIComponent(id)}/cancel`, body);
  if (opts.json) jsonLine(p);
  else renderPayment(p);
  return EXIT.ok;
}
