/**
 * Runs a provider's own trigger fixture (src/providers/trigger-contract.ts) against a running sandbox:
 * finds the provider's URL and this merchant's credentials through the control API, runs the flow, then
 * reads back the notifications the payment caused in the provider's own type names, waiting (a bounded
 * time, on the real clock) for those that settle a moment later, such as a WeChat Pay refund. Prints nothing.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as pause } from 'node:timers/promises';
import { SystemClock, type Clock } from '../clock.js';
import { PaycliError } from '../errors.js';
import type { ProviderFixture, ProviderTriggerOptions, ProviderTriggerStep, ProviderTriggers } from '../providers/trigger-contract.js';
import type { EventView } from '../sandbox/event-routes.js';
import type { SandboxClient } from '../sandbox/client.js';

export interface ProviderTriggerResult {
  fixture: string;
  provider: string;
  /** The provider's base URL the flow ran against. */
  url: string;
  steps: ProviderTriggerStep[];
  payment_ref: string | null;
  /** The notifications that followed, oldest first, in the provider's own type names. */
  events: { id: string; type: string }[];
  expected_events: readonly string[];
  /** Some expected notification had not come when the wait ended (a virtual clock, or a slow settle). */
  timed_out: boolean;
}

export interface ProviderRunOptions {
  /** How long to wait for notifications that settle later; default 15 s. */
  waitMs?: number;
  pollMs?: number;
  clock?: Clock;
}

/** The provider's URL and credentials as the sandbox serves it; `null` when it does not serve it. */
export async function servedProvider(client: SandboxClient, provider: string): Promise<{ url: string; creds: Record<string, unknown> } | null> {
  const page = await client.request<{ data: { name: string; url: string; credentials: Record<string, unknown> | null }[] }>('GET', '/_sandbox/providers');
  const found = page.data.find((p) => p.name === provider);
  return found?.url && found.credentials ? { url: found.url, creds: found.credentials } : null;
}

/** The notifications of a payment (any ref the merchant holds), oldest first. */
async function notificationsOf(client: SandboxClient, ref: string): Promise<{ id: string; type: string }[]> {
  const page = await client.request<{ data: EventView[] }>('GET', `/_sandbox/events?payment=${encodeURIComponent(ref)}&limit=100`);
  return page.data.reverse().flatMap((e) => e.notifications);
}

/**
 * Runs `fixture` of `provider` at the sandbox behind `client`.
 *
 * @example
 * const r = await runProviderFixture(client, 'alipay', triggers, triggers.fixtures[0]!, { notifyUrl });
 */
export async function runProviderFixture(
  client: SandboxClient,
  provider: string,
  triggers: ProviderTriggers,
  fixture: ProviderFixture,
  options: ProviderTriggerOptions,
  run: ProviderRunOptions = {},
): Promise<ProviderTriggerResult> {
  const served = await servedProvider(client, provider);
  if (!served) {
    throw new PaycliError('invalid_usage', `${fixture.name} is one of ${triggers.title}'s events, and the sandbox at ${client.url} does not serve ${triggers.title}.`, {
      hint: `Start it with ${provider} among --providers (paycli sandbox start serves every provider unless --providers leaves some out).`,
    });
  }
  const clock = run.clock ?? new SystemClock();
  let ran;
  try {
    ran = await triggers.run(fixture, {
      url: served.url,
      creds: served.creds,
      control: client,
      options,
      now: () => clock.now(),
      orderId: () => `trigger_${randomBytes(6).toString('hex')}`,
    });
  } catch (err) {
    if (err instanceof PaycliError) throw err;
    // fetch rejects with a TypeError when nothing answers; any other error is a step's unexpected answer.
    throw new PaycliError(err instanceof TypeError ? 'sandbox_unreachable' : 'invalid_state', `Could not trigger ${fixture.name} at ${served.url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const base = { fixture: fixture.name, provider, url: served.url, steps: ran.steps, payment_ref: ran.payment_ref, expected_events: fixture.events };
  if (ran.events) return { ...base, events: ran.events, timed_out: false };
  if (!ran.payment_ref) return { ...base, events: [], timed_out: false };

  let events = await notificationsOf(client, ran.payment_ref);
  if (events.length >= fixture.events.length) return { ...base, events, timed_out: false };
  // What settles later settles on the sandbox's clock: a virtual one does not move by itself.
  const health = await client.request<{ virtual_clock?: boolean }>('GET', '/_sandbox/health');
  if (health.virtual_clock) return { ...base, events, timed_out: true };
  const deadline = clock.now() + (run.waitMs ?? 15_000);
  while (events.length < fixture.events.length && clock.now() < deadline) {
    // A ref'd pause, not the clock's timer: nothing else keeps the CLI process alive meanwhile.
    await pause(run.pollMs ?? 100);
    events = await notificationsOf(client, ran.payment_ref);
  }
  return { ...base, events, timed_out: events.length < fixture.events.length };
}
