/**
 * `paycli trigger <name>`: makes something happen in the running sandbox (a payment that succeeds, a
 * decline, a refund…) by creating the real objects through its API, so the real events follow and reach
 * notify_url, webhook endpoints, --forward-to and `paycli listen`. The fixtures are data in
 * src/trigger/fixtures.ts; this file parses options and renders.
 */
import { SystemClock } from '../clock.js';
import { EXIT, PaycliError } from '../errors.js';
import { closest } from '../suggest.js';
import { FIXTURES, findFixture } from '../trigger/fixtures.js';
import { runFixture, type TriggerResult } from '../trigger/run-fixture.js';
import { c, formatAmount, jsonLine, out, stateColor } from './output.js';
import { keyedSandbox, processDeps, type CommandDeps, type SandboxFlags } from './sandbox-connection.js';

export interface TriggerOptions extends SandboxFlags {
  list?: boolean;
  amount?: string;
  currency?: string;
  card?: string;
  notifyUrl?: string;
  reason?: string;
  json?: boolean;
}

/** Commander entry point. */
export async function trigger(name: string | undefined, opts: TriggerOptions): Promise<number> {
  return runTrigger(name, opts, processDeps());
}

/**
 * Lists the fixtures, or runs one.
 *
 * @example
 * await runTrigger('payment.failed', { reason: 'insufficient_funds' }, { cwd, env: {} });
 */
export async function runTrigger(name: string | undefined, opts: TriggerOptions, deps: CommandDeps): Promise<number> {
  if (opts.list || name === undefined) {
    if (name === undefined && !opts.list) {
      throw new PaycliError('invalid_usage', 'Say what to trigger, e.g. `paycli trigger payment.succeeded`.', { hint: 'See them all with `paycli trigger --list`.' });
    }
    if (opts.json) jsonLine(FIXTURES.map((f) => ({ name: f.name, description: f.description, events: f.events, reasons: f.reason?.choices ?? [] })));
    else {
      const width = Math.max(...FIXTURES.map((f) => f.name.length));
      for (const f of FIXTURES) out(`${c.bold(f.name.padEnd(width))}  ${f.description}`);
      const reasons = findFixture('payment.failed')?.reason?.choices ?? [];
      out(c.dim(`\n--reason for payment.failed: ${reasons.join(', ')}`));
    }
    return EXIT.ok;
  }
  const fixture = findFixture(name);
  if (!fixture) {
    const guess = closest(name, FIXTURES.map((f) => f.name));
    throw new PaycliError('invalid_usage', `Unknown trigger "${name}".`, { hint: `${guess ? `Did you mean ${guess}? ` : ''}See them all with \`paycli trigger --list\`.` });
  }
  const amount = opts.amount === undefined ? undefined : /^\d+$/.test(opts.amount) ? Number(opts.amount) : NaN;
  const client = await keyedSandbox(opts, deps);
  const result = await runFixture(client, fixture, { amount, currency: opts.currency, card: opts.card, notifyUrl: opts.notifyUrl, reason: opts.reason }, new SystemClock().now());
  if (opts.json) jsonLine(result);
  else render(result);
  return EXIT.ok;
}

function render(r: TriggerResult): void {
  out(`${c.green('✓')} Triggered ${c.bold(r.fixture)}`);
  for (const o of r.objects) {
    const money = o.amount !== null && o.currency ? `  ${formatAmount(o.amount, o.currency)}` : '';
    out(`  ${o.object.padEnd(8)} ${c.cyan(o.id)}  ${o.status ? stateColor(o.status) : ''}${money}`);
  }
  out('Events');
  const width = Math.max(0, ...r.events.map((e) => e.type.length));
  for (const e of r.events) out(`  ${e.type.padEnd(width)}  ${c.dim(e.id)}`);
  const got = r.events.map((e) => e.type).join(',');
  if (got !== r.expected_events.join(',')) {
    out(c.yellow(`! Expected ${r.expected_events.join(', ')}: the overrides (--card, --amount…) changed the outcome.`));
  }
}
