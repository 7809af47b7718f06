/**
 * `paycli trigger <name>`: makes something happen in the running sandbox (a payment that succeeds, a
 * decline, a refund…) by creating the real objects through its API, so the real events follow and reach
 * notify_url, webhook endpoints, --forward-to and `paycli listen`. The fixtures are data in
 * src/trigger/fixtures.ts; this file parses options and renders.
 */
import { SystemClock } from '../clock.js';
import { resolveConfig } from '../config.js';
import { EXIT, PaycliError } from '../errors.js';
import { closest } from '../suggest.js';
import { PROVIDER_NAMES } from '../providers/registry.js';
import type { ProviderFixture, ProviderTriggerOptions, ProviderTriggers } from '../providers/trigger-contract.js';
import { providerTriggers, TRIGGER_PROVIDERS } from '../providers/trigger-registry.js';
import { readRuntimeInfo } from '../sandbox/client.js';
import { FIXTURES, findFixture, type Fixture } from '../trigger/fixtures.js';
import { runFixture, type TriggerResult } from '../trigger/run-fixture.js';
import { runProviderFixture, type ProviderTriggerResult } from '../trigger/run-provider-fixture.js';
import { parseForwardTarget } from '../listen/forward-options.js';
import { c, formatAmount, jsonLine, out, stateColor } from './output.js';
import { keyedSandbox, processDeps, type CommandDeps, type SandboxFlags } from './sandbox-connection.js';

export interface TriggerOptions extends SandboxFlags {
  list?: boolean;
  /** Only this provider's fixtures (`paycli` for the native API's). */
  provider?: string;
  amount?: string;
  currency?: string;
  card?: string;
  notifyUrl?: string;
  reason?: string;
  json?: boolean;
}

const NATIVE = 'paycli';
const FLAG: Record<string, string> = { amount: '--amount', currency: '--currency', card: '--card', notifyUrl: '--notify-url', reason: '--reason' };

/** Commander entry point. */
export async function trigger(name: string | undefined, opts: TriggerOptions): Promise<number> {
  return runTrigger(name, opts, processDeps());
}

/** The providers whose fixtures to look at: the one named by --provider, or all (the native API first). */
async function fixtureTables(provider: string | undefined): Promise<{ provider: string; triggers: ProviderTriggers | null }[]> {
  if (provider !== undefined && !PROVIDER_NAMES.includes(provider)) {
    const guess = closest(provider, [...PROVIDER_NAMES]);
    throw new PaycliError('invalid_usage', `Unknown --provider "${provider}".`, { hint: `${guess ? `Did you mean ${guess}? ` : ''}Providers: ${PROVIDER_NAMES.join(', ')}.` });
  }
  const names = provider === undefined ? [NATIVE, ...TRIGGER_PROVIDERS] : [provider];
  return Promise.all(names.map(async (name) => ({ provider: name, triggers: name === NATIVE ? null : ((await providerTriggers(name)) ?? null) })));
}

/**
 * Lists the fixtures, or runs one. A name is looked up among the native API's fixtures and every
 * provider's own (Stripe, Alipay, WeChat Pay event names); --provider narrows both.
 *
 * @example
 * await runTrigger('payment.failed', { reason: 'insufficient_funds' }, { cwd, env: {} });
 * await runTrigger('TRADE_SUCCESS', { notifyUrl: '3000' }, { cwd, env: {} });
 */
export async function runTrigger(name: string | undefined, opts: TriggerOptions, deps: CommandDeps): Promise<number> {
  const tables = await fixtureTables(opts.provider);
  if (opts.list || name === undefined) {
    if (name === undefined && !opts.list) {
      throw new PaycliError('invalid_usage', 'Say what to trigger, e.g. `paycli trigger payment.succeeded`.', { hint: 'See them all with `paycli trigger --list`.' });
    }
    renderList(tables, opts.json === true);
    return EXIT.ok;
  }
  const matches: { provider: string; triggers: ProviderTriggers | null; fixture: Fixture | ProviderFixture }[] = [];
  for (const t of tables) {
    const fixture = t.triggers ? t.triggers.fixtures.find((f) => f.name === name) : findFixture(name);
    if (fixture) matches.push({ ...t, fixture });
  }
  if (matches.length > 1) {
    throw new PaycliError('invalid_usage', `"${name}" is a fixture of ${matches.map((m) => m.provider).join(' and ')}.`, { hint: `Say which with --provider ${matches[0]!.provider}.` });
  }
  const match = matches[0];
  if (!match) {
    const all = tables.flatMap((t) => (t.triggers ? t.triggers.fixtures : FIXTURES).map((f) => f.name));
    const guess = closest(name, all);
    const where = opts.provider ? ` for ${opts.provider}` : '';
    throw new PaycliError('invalid_usage', `Unknown trigger "${name}"${where}.`, { hint: `${guess ? `Did you mean ${guess}? ` : ''}See them all with \`paycli trigger --list${opts.provider ? ` --provider ${opts.provider}` : ''}\`.` });
  }
  if (match.triggers) return runOwnFixture(match.provider, match.triggers, match.fixture, opts, deps);
  const fixture = match.fixture as Fixture;
  const amount = parseAmount(opts.amount);
  const client = await keyedSandbox(opts, deps);
  const result = await runFixture(client, fixture, { amount, currency: opts.currency, card: opts.card, notifyUrl: opts.notifyUrl, reason: opts.reason }, new SystemClock().now());
  if (opts.json) jsonLine(result);
  else render(result);
  return EXIT.ok;
}

function parseAmount(amount: string | undefined): number | undefined {
  return amount === undefined ? undefined : /^\d+$/.test(amount) ? Number(amount) : NaN;
}

function renderList(tables: { provider: string; triggers: ProviderTriggers | null }[], json: boolean): void {
  if (json) {
    jsonLine(
      tables.flatMap(({ provider, triggers }): { name: string; description: string; events: readonly string[]; reasons: readonly string[]; provider: string }[] =>
        triggers
          ? triggers.fixtures.map((f) => ({ name: f.name, description: f.description, events: f.events, reasons: [], provider }))
          : FIXTURES.map((f) => ({ name: f.name, description: f.description, events: f.events, reasons: f.reason?.choices ?? [], provider })),
      ),
    );
    return;
  }
  let first = true;
  for (const { provider, triggers } of tables) {
    if (!first) out('');
    first = false;
    if (!triggers) {
      if (tables.length > 1) out(`${c.bold('paycli')} ${c.dim('(the native API)')}`);
      const width = Math.max(...FIXTURES.map((f) => f.name.length));
      for (const f of FIXTURES) out(`${c.bold(f.name.padEnd(width))}  ${f.description}`);
      const reasons = findFixture('payment.failed')?.reason?.choices ?? [];
      out(c.dim(`\n--reason for payment.failed: ${reasons.join(', ')}`));
      continue;
    }
    const flags = triggers.options.map((o) => FLAG[o]).join(', ');
    out(`${c.bold(triggers.title)} ${c.dim(`(--provider ${provider}: through its own API, when the sandbox serves it${flags ? `; ${flags}` : ''})`)}`);
    const width = Math.max(...triggers.fixtures.map((f) => f.name.length));
    for (const f of triggers.fixtures) out(`${c.bold(f.name.padEnd(width))}  ${f.description}${f.requires?.length ? c.dim(` (needs ${f.requires.map((r) => FLAG[r]).join(', ')})`) : ''}`);
  }
}

/**
 * Runs one of a provider's own fixtures (Stripe, Alipay, WeChat Pay event names) through that provider's
 * API in the sandbox found as for every command (flags, env, config, the runtime file of this directory).
 */
async function runOwnFixture(provider: string, triggers: ProviderTriggers, fixture: ProviderFixture, opts: TriggerOptions, deps: CommandDeps): Promise<number> {
  const given = (['amount', 'currency', 'card', 'notifyUrl', 'reason'] as const).filter((k) => opts[k] !== undefined);
  const refused = given.find((k) => !(triggers.options as readonly string[]).includes(k));
  if (refused) {
    const takes = triggers.options.map((o) => FLAG[o]).join(', ');
    throw new PaycliError('invalid_usage', `${fixture.name} is one of ${triggers.title}'s events; ${FLAG[refused]} does not apply to it.`, {
      hint:
        provider !== 'stripe'
          ? `${triggers.title}'s fixtures take ${takes}.`
          : refused === 'notifyUrl'
            ? "Stripe's fixtures take no options: its events go to your webhook endpoints (stripe.webhookEndpoints.create), `paycli listen --provider stripe` and --forward-to."
            : "Stripe's fixtures take no options: they run as `stripe trigger` does, with fixed amounts and test payment methods.",
    });
  }
  const missing = fixture.requires?.find((k) => opts[k] === undefined);
  if (missing) {
    throw new PaycliError('invalid_usage', `${fixture.name} needs ${FLAG[missing]}: ${triggers.title} requires it on the order.`, { hint: `e.g. paycli trigger ${fixture.name} ${FLAG[missing]} 3000 (your app's notification route, a port or URL)` });
  }
  const options: ProviderTriggerOptions = {};
  if (opts.amount !== undefined) {
    const amount = parseAmount(opts.amount)!;
    if (!Number.isInteger(amount) || amount < 1 || amount > 99_999_999) {
      throw new PaycliError('invalid_usage', '--amount must be a whole number of minor units from 1 to 99999999.', { hint: 'e.g. --amount 1999 for 19.99' });
    }
    options.amount = amount;
  }
  if (opts.notifyUrl !== undefined) options.notifyUrl = parseForwardTarget(opts.notifyUrl, '--notify-url');
  // Nothing configured and no sandbox started here: say so before trying the default address.
  const config = resolveConfig(opts, deps.env, deps.cwd);
  if (!config.sandboxUrl && !config.apiKey && !readRuntimeInfo(deps.cwd)) {
    throw new PaycliError('invalid_usage', `${fixture.name} is one of ${triggers.title}'s events, and no sandbox serving ${triggers.title} was found in this directory.`, {
      hint: `Start one here with \`paycli sandbox start\` (it serves ${triggers.title} unless --providers leaves it out), or point to one with --sandbox-url.`,
    });
  }
  const client = await keyedSandbox(opts, deps);
  const result = await runProviderFixture(client, provider, triggers, fixture, options);
  if (opts.json) jsonLine(result);
  else renderOwn(triggers.title, result);
  return EXIT.ok;
}

function renderOwn(title: string, r: ProviderTriggerResult): void {
  out(`${c.green('✓')} Triggered ${c.bold(r.fixture)} ${c.dim(`(${title}, ${r.url})`)}`);
  const width = Math.max(0, ...r.steps.map((s) => s.name.length));
  for (const step of r.steps) out(`  ${step.name.padEnd(width)}  ${step.request}${step.id ? `  ${c.cyan(step.id)}` : ''}`);
  out('Events');
  const typeWidth = Math.max(0, ...r.events.map((e) => e.type.length));
  for (const e of r.events) out(`  ${e.type.padEnd(typeWidth)}  ${c.dim(e.id)}`);
  if (r.timed_out) {
    out(c.yellow(`! Still waiting for ${r.expected_events.slice(r.events.length).join(', ')}: it settles on the sandbox's clock (advance a virtual clock); see \`paycli events list --payment ${r.payment_ref}\`.`));
  } else if (r.events.map((e) => e.type).join(',') !== r.expected_events.join(',')) {
    out(c.yellow(`! Expected ${r.expected_events.join(', ')}: the overrides (--amount…) changed the outcome.`));
  }
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
