/**
 * Scenarios against a sandbox that is already running (`--sandbox-url`), through its control API: reset
 * before each scenario, merchant settings, chaos rules, and the virtual clock (`POST /_sandbox/clock/advance`),
 * so the sandbox must run on a virtual clock. Settings fixed when a sandbox starts (retry schedule,
 * timeout, acknowledgement rule, start time) cannot change here; scenarios that set them need the
 * in-process sandbox.
 */
import { DEFAULT_FEES } from '../engine/settlement.js';
import type { PaycliEvent } from '../engine/types.js';
import { PaycliError } from '../errors.js';
import type { PublicDelivery } from '../webhooks/dispatcher.js';
import { RUNNER_HEADER } from '../faults/fault-middleware.js';
import { httpJson, HttpUnreachable, type HttpResult } from './http.js';
import type { ObservedRequest } from './sandbox-front.js';
import { UnsupportedSetup, type ChaosRuleInput, type SandboxEnvironment, type ScenarioSandbox } from './scenario-sandbox.js';
import { NATIVE_PROVIDER } from './scenario-drivers.js';
import type { Scenario } from './schema.js';

export { UnsupportedSetup };

/** Connects to a running sandbox; checks the key and that its clock is virtual. */
export async function connectRemoteEnvironment(opts: { url: string; apiKey: string | null }): Promise<SandboxEnvironment> {
  const url = opts.url.replace(/\/+$/, '');
  if (!opts.apiKey) {
    throw new PaycliError('invalid_usage', `No API key for the sandbox at ${url}.`, { hint: 'Pass --api-key or set PAYCLI_API_KEY to the secret key it printed when it started.' });
  }
  const key = opts.apiKey;
  const get = async (path: string): Promise<HttpResult> => {
    try {
      return await httpJson('GET', url + path, { headers: { authorization: `Bearer ${key}` } });
    } catch (err) {
      if (err instanceof HttpUnreachable) {
        throw new PaycliError('sandbox_unreachable', `No sandbox answered at ${url} (${err.code}).`, { hint: 'Start one, or leave out --sandbox-url to let `scenario run` start its own.' });
      }
      throw err;
    }
  };
  const health = await get('/_sandbox/health');
  if (health.status !== 200 || (health.json as { virtual_clock?: unknown } | null)?.virtual_clock !== true) {
    throw new PaycliError('invalid_usage', `The sandbox at ${url} runs on the real clock; scenarios need a virtual one.`, {
      hint: 'Leave out --sandbox-url so `scenario run` starts its own sandbox, or start that sandbox with a virtual clock.',
    });
  }
  const merchant = await get('/_sandbox/merchant');
  if (merchant.status !== 200) {
    throw new PaycliError('invalid_api_key', `The sandbox at ${url} refused the API key (HTTP ${merchant.status}).`, { hint: 'Pass the secret key it printed when it started.' });
  }
  return {
    mode: 'remote',
    url,
    secretKey: key,
    webhookSecret: null,
    providers: {},
    open: (scenario, _seed, quietMs) => openRemote(url, key, scenario, quietMs),
    close: async () => {},
  };
}

async function openRemote(url: string, key: string, scenario: Scenario, quietMs: number): Promise<ScenarioSandbox> {
  const setup = scenario.setup ?? {};
  if (setup.provider !== undefined && setup.provider !== NATIVE_PROVIDER) {
    throw new UnsupportedSetup(`${setup.provider} scenarios need the in-process sandbox (its fixed ${setup.provider} credentials and port); run without --sandbox-url`);
  }
  const fixed: string[] = (['retry_schedule', 'timeout', 'acknowledge'] as const).filter((k) => setup.merchant?.[k] !== undefined).map((k) => `merchant.${k}`);
  if (setup.start_time !== undefined) fixed.unshift('start_time');
  if (fixed.length > 0) {
    throw new UnsupportedSetup(`setup ${fixed.join(', ')} can only be honoured by the in-process sandbox; run without --sandbox-url`);
  }
  /** The runner's own calls, so they can be told apart from the app's in the sandbox's request log. */
  const own: { method: string; path: string }[] = [];
  const call = async (method: string, path: string, body?: unknown): Promise<HttpResult> => {
    own.push({ method, path: path.split('?')[0]! });
    return httpJson(method, url + path, { body, headers: { authorization: `Bearer ${key}`, [RUNNER_HEADER]: '1' } });
  };
  const must = async (method: string, path: string, body?: unknown): Promise<HttpResult> => {
    const r = await call(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${r.text.slice(0, 200)}`);
    return r;
  };

  await must('POST', '/_sandbox/reset');
  await must('POST', '/_sandbox/merchant', { fees: setup.merchant?.fees ?? DEFAULT_FEES, risk_max_amount: setup.merchant?.risk_max_amount ?? null });
  let now = ((await must('POST', '/_sandbox/clock/advance', { ms: 0 })).json as { now: number }).now;
  const startMs = now;
  const log = (await must('GET', '/_sandbox/requests')).json as { data: { seq: number }[] };
  const sinceSeq = log.data.reduce((max, e) => Math.max(max, e.seq), 0);
  const quiet = () => new Promise((r) => setTimeout(r, quietMs));

  const advance = async (ms: number) => {
    // The control API takes at most a year per call.
    let left = ms;
    do {
      const step = Math.min(left, 365 * 24 * 3_600_000);
      now = ((await must('POST', '/_sandbox/clock/advance', { ms: step })).json as { now: number }).now;
      left -= step;
    } while (left > 0);
    await quiet();
  };

  const listAll = async <T extends { id: string }>(path: string, limit: number): Promise<T[]> => {
    const all: T[] = [];
    let cursor: string | null = null;
    do {
      const r = await must('GET', `${path}?limit=${limit}${cursor ? `&starting_after=${encodeURIComponent(cursor)}` : ''}`);
      const page = r.json as { data: T[]; next_cursor: string | null };
      all.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    return all.reverse();
  };

  return {
    appFacingUrl: url,
    startMs,
    provider: NATIVE_PROVIDER,
    psp: { url, creds: { secret_key: key }, runnerHeaders: { [RUNNER_HEADER]: '1' }, now: () => now },
    now: () => now,
    call,
    noteOwnRequest: (method, path) => void own.push({ method, path: path.split('?')[0]! }),
    async findPayment(ref) {
      const r = await call('GET', `/v1/payments/${encodeURIComponent(ref)}`);
      const p = r.json as { id?: string; status?: string; expires_at?: number | null } | null;
      if (r.status !== 200 || !p?.id) return null;
      return { id: p.id, status: p.status ?? 'unknown', expiresAtMs: p.expires_at == null ? null : p.expires_at * 1000 };
    },
    settle: () => advance(0),
    advance,
    async setChaos(rules: readonly ChaosRuleInput[]) {
      await must('DELETE', '/_sandbox/chaos');
      for (const r of rules) {
        await must('POST', '/_sandbox/chaos', {
          events: r.events,
          ...(r.destinations ? { destinations: r.destinations } : {}),
          ...(r.remaining !== null ? { times: r.remaining } : {}),
          ...(r.chaos.delayMs !== undefined ? { delay_ms: r.chaos.delayMs } : {}),
          ...(r.chaos.duplicates !== undefined ? { duplicates: r.chaos.duplicates } : {}),
          ...(r.chaos.drop !== undefined ? { drop: r.chaos.drop } : {}),
          ...(r.chaos.failFirst !== undefined ? { fail_first: r.chaos.failFirst } : {}),
          ...(r.chaos.probe ? { probe: r.chaos.probe } : {}),
        });
      }
    },
    events: () => listAll<PaycliEvent>('/v1/events', 100),
    deliveries: () => listAll<PublicDelivery>('/_sandbox/deliveries', 1000),
    async appRequests(): Promise<ObservedRequest[]> {
      // Through `call`, so this very listing is counted as the runner's own in later listings.
      const r = await call('GET', `/_sandbox/requests?since=${sinceSeq}`);
      const entries = ((r.json as { data: { kind: string; method: string; path: string; status: number }[] }).data ?? []).filter((e) => e.kind === 'request');
      // Take the runner's own calls out; what is left is the app's.
      const mine = new Map<string, number>();
      for (const o of own) mine.set(`${o.method} ${o.path}`, (mine.get(`${o.method} ${o.path}`) ?? 0) + 1);
      const out: ObservedRequest[] = [];
      for (const e of entries) {
        const k = `${e.method} ${e.path}`;
        const n = mine.get(k) ?? 0;
        if (n > 0) mine.set(k, n - 1);
        else out.push({ method: e.method, path: e.path, query: null, status: e.status });
      }
      return out;
    },
    close: async () => {},
  };
}
