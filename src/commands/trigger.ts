/**
 * `paycli trigger <name>`: makes something happen in the running sandbox (a payment that succeeds, a
 * decline, a refund…) by creating the real objects through its API, so the real events follow and reach
 * notify_url, webhook endpoints, --forward-to and `paycli listen`. The fixtures are data in
 * src/trigger/fixtures.ts; this file parses options and renders.
 */
import { SystemClock } from '../clock.js';
import { EXIT, PaycliError } from '../errors.js';
import { runStripeFixture, STRIPE_FIXTURES, stripeFixtureNamed, type StripeFixture } from '../providers/stripe/trigger-fixtures.js';
import { readRuntimeInfo } from '../sandbox/client.js';
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
    if (opts.json) {
      jsonLine([
        ...FIXTURES.map((f) => ({ name: f.name, description: f.description, events: f.events, reasons: f.reason?.choices ?? [] })),
        ...STRIPE_FIXTURES.map((f) => ({ name: f.name, description: f.description, events: f.events, reasons: [], provider: 'stripe' })),
      ]);
    }
    else {
      const width = Math.max(...FIXTURES.map((f) => f.name.length));
      for (const f of FIXTURES) out(`${c.bold(f.name.padEnd(width))}  ${f.description}`);
      const reasons = findFixture('payment.failed')?.reason?.choices ?? [];
      out(c.dim(`\n--reason for payment.failed: ${reasons.join(', ')}`));
      out(`\n${c.bold('Stripe')} ${c.dim('(through the Stripe emulation, when the sandbox serves it)')}`);
      const sw = Math.max(...STRIPE_FIXTURES.map((f) => f.name.length));
      for (const f of STRIPE_FIXTURES) out(`${c.bold(f.name.padEnd(sw))}  ${f.description}`);
    }
    return EXIT.ok;
  }
  const fixture = findFixture(name);
  const stripeFixture = fixture ? undefined : stripeFixtureNamed(name);
  if (stripeFixture) return runStripeTrigger(stripeFixture, opts, deps);
  if (!fixture) {
    const guess = closest(name, [...FIXTURES, ...STRIPE_FIXTURES].map((f) => f.name));
    throw new PaycliError('invalid_usage', `Unknown trigger "${name}".`, { hint: `${guess ? `Did you mean ${guess}? ` : ''}See them all with \`paycli trigger --list\`.` });
  }
  const amount = opts.amount === undefined ? undefined : /^\d+$/.test(opts.amount) ? Number(opts.amount) : NaN;
  const client = keyedSandbox(opts, deps);
  const result = await runFixture(client, fixture, { amount, currency: opts.currency, card: opts.card, notifyUrl: opts.notifyUrl, reason: opts.reason }, new SystemClock().now());
  if (opts.json) jsonLine(result);
  else render(result);
  return EXIT.ok;
}

/**
 * Runs one of Stripe's event names through the Stripe emulation of the sandbox found in this directory
 * (its URL and key are in the runtime file `sandbox start` writes).
 */
async function runStripeTrigger(fixture: StripeFixture, opts: TriggerOptions, deps: CommandDeps): Promise<number> {
  const overrides = (['amount', 'currency', 'card', 'notifyUrl', 'reason'] as const).filter((k) => opts[k] !== undefined);
  if (overrides.length > 0) {
    throw new PaycliError('invalid_usage', `${fixture.name} is one of Stripe's events; --${overrides[0] === 'notifyUrl' ? 'notify-url' : overrides[0]} does not apply to it.`, {
      hint: 'Stripe events go to your webhook endpoints (stripe.webhookEndpoints.create) and --forward-to.',
    });
  }
  const stripe = readRuntimeInfo(deps.cwd)?.providers?.stripe;
  const url = typeof stripe?.url === 'string' ? stripe.url : null;
  const key = typeof stripe?.secret_key === 'string' ? stripe.secret_key : null;
  if (!url || !key) {
    throw new PaycliError('invalid_usage', `${fixture.name} is one of Stripe's events, and no sandbox serving Stripe was found in this directory.`, {
      hint: 'Start one here with `paycli sandbox start` (it serves Stripe unless --providers leaves it out).',
    });
  }
  let result;
  try {
    result = await runStripeFixture(url, key, fixture);
  } catch (err) {
    throw new PaycliError('sandbox_unreachable', `Could not trigger ${fixture.name} at ${url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (opts.json) jsonLine({ ...result, provider: 'stripe', expected_events: fixture.events });
  else {
    out(`${c.green('✓')} Triggered ${c.bold(result.fixture)} ${c.dim(`(Stripe, ${url})`)}`);
    for (const step of result.steps) if (step.id) out(`  ${step.name.padEnd(8)} ${c.cyan(step.id)}`);
    out('Events');
    const width = Math.max(0, ...result.events.map((e) => e.type.length));
    for (const e of result.events) out(`  ${e.type.padEnd(width)}  ${c.dim(e.id)}`);
  }
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

/** The candidate nearest to `name` by edit distance, if it is near enough to be a typo. */
function closest(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const cand of candidates) {
    const d = editDistance(name, cand);
    if (d < bestDistance) [best, bestDistance] = [cand, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
