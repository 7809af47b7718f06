/**
 * Names the real cause behind a failed scenario when the symptoms point at a setup mistake rather than an
 * app bug, so the failure does not send the developer after the wrong fix:
 *
 * - the app answers a notification as one it has seen before: event ids come from the run's seed, and a
 *   run repeated with the same `--seed` against the same app process repeats them;
 * - the sandbox refused the app's API key (401): the app is configured with another key;
 * - the app refused correctly signed notifications (400/401/403): it verifies with another webhook secret.
 */
import type { ObservedRequest } from './sandbox-front.js';
import type { DeliveryRecord, Failure } from './results.js';

/** An answer body that says "duplicate" in the ways apps usually do. */
const DUPLICATE_ANSWER = /duplicate|already (processed|received|seen|handled)/i;
/** What apps answer to a notification whose signature does not verify. */
const SIGNATURE_REFUSALS = new Set([400, 401, 403]);

export interface DiagnosisContext {
  seed: string;
  secretKey: string;
  webhookSecret: string | null;
  /** Set for a provider scenario: its keys are the run's fixed ones for that provider, not --api-key / --webhook-secret. */
  provider?: string;
}

/** Notes for a failed scenario; empty when nothing points at a setup mistake. */
export function diagnose(deliveries: readonly DeliveryRecord[], appRequests: readonly ObservedRequest[], ctx: DiagnosisContext): Failure[] {
  return [seenBeforeNote(deliveries, ctx.seed), apiKeyNote(appRequests, ctx.secretKey, ctx.provider), webhookSecretNote(deliveries, ctx.webhookSecret, ctx.provider)].filter(
    (f): f is Failure => f !== null,
  );
}

/** The first answer the app gave to each genuine notification's event, in time order. */
function firstAnswers(deliveries: readonly DeliveryRecord[]): Map<string, { at: number; status: number; response: string }> {
  const first = new Map<string, { at: number; status: number; response: string }>();
  for (const d of deliveries) {
    if (d.probe) continue;
    for (const a of d.attempts) {
      if (a.simulated || a.status === null) continue;
      const known = first.get(d.event_id);
      if (!known || a.at_ms < known.at) first.set(d.event_id, { at: a.at_ms, status: a.status, response: a.response });
    }
  }
  return first;
}

/** The app answered the first delivery of some event as a duplicate. */
export function seenBeforeNote(deliveries: readonly DeliveryRecord[], seed: string): Failure | null {
  const seen = [...firstAnswers(deliveries).entries()].filter(([, a]) => DUPLICATE_ANSWER.test(a.response)).map(([id]) => id);
  if (seen.length === 0) return null;
  return {
    step: null,
    check: 'app.seen_before',
    message: `the app answered the first delivery of ${seen.join(', ')} as a duplicate: it saw ${seen.length === 1 ? 'this event id' : 'these event ids'} before this run`,
    hint: `Ids come from the seed (${seed}): a run repeated with the same --seed against the same app process repeats them. Restart the app, or run without --seed (each run gets a fresh one).`,
  };
}

/** The sandbox answered some of the app's calls 401: the app holds another API key. */
export function apiKeyNote(appRequests: readonly ObservedRequest[], secretKey: string, provider?: string): Failure | null {
  const refused = appRequests.filter((r) => r.status === 401);
  if (refused.length === 0) return null;
  return {
    step: null,
    check: 'app.api_key',
    message: `the sandbox refused ${refused.length} of the app's requests with 401 (e.g. ${refused[0]!.method} ${refused[0]!.path}): the app's API key is not the sandbox's`,
    hint: provider
      ? `Configure the app with the ${provider} credentials printed at the start of the run${secretKey ? ` (secret key ${secretKey})` : ''}: provider scenarios use fixed test credentials.`
      : `Configure the app with the secret key printed at the start of the run (${secretKey}, e.g. PSP_SECRET_KEY), or give the app's key to the run with --api-key / PAYCLI_API_KEY.`,
  };
}

/** The app refused correctly signed notifications the way it refuses a bad signature. */
export function webhookSecretNote(deliveries: readonly DeliveryRecord[], webhookSecret: string | null, provider?: string): Failure | null {
  const answers = [...firstAnswers(deliveries).values()];
  const refused = answers.filter((a) => SIGNATURE_REFUSALS.has(a.status));
  // Every genuine notification refused: one bad payload would be a bug, all of them is the secret.
  if (refused.length === 0 || refused.length !== answers.length) return null;
  return {
    step: null,
    check: 'app.webhook_secret',
    message: `the app refused every correctly signed notification (${refused[0]!.status}${refused[0]!.response ? ` ${JSON.stringify(refused[0]!.response.slice(0, 60))}` : ''}): it verifies signatures with another webhook secret`,
    hint: provider
      ? `Configure the app with the ${provider} credentials printed at the start of the run${webhookSecret ? ` (webhook secret ${webhookSecret})` : ''}: provider scenarios use fixed test credentials.`
      : `Configure the app with the webhook secret printed at the start of the run${webhookSecret ? ` (${webhookSecret}, e.g. PSP_WEBHOOK_SECRET)` : ''}, or give the app's secret to the run with --webhook-secret / PAYCLI_WEBHOOK_SECRET.`,
  };
}
