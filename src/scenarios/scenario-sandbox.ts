/**
 * The sandbox a scenario runs against. In process (the default), every scenario gets a fresh in-memory
 * sandbox on a virtual clock, seeded from the run's seed and the scenario's name, behind one fixed address
 * (see sandbox-front.ts). The merchant and its keys are the same for every scenario of a run, so the app is
 * configured once. remote-sandbox.ts drives a sandbox that is already running instead.
 */
import { FakeClock, SystemClock } from '../clock.js';
import { DEFAULT_FEES } from '../engine/settlement.js';
import type { Merchant, PaycliEvent } from '../engine/types.js';
import { PaycliError } from '../errors.js';
import { CredentialStore, NATIVE_PROVIDER, type NativeKeys } from '../core/credentials.js';
import { idGenerator, newPublishableKey, newSecretKey, newWebhookSecret, seededRandom } from '../core/ids.js';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import { MemoryStore } from '../store/memory-store.js';
import { toPublicDelivery, type Delivery, type DeliveryChaos, type PublicDelivery } from '../webhooks/dispatcher.js';
import { PAYCLI_NOTIFICATION_TIMEOUT_MS } from '../providers/paycli/notifications.js';
import { RUNNER_HEADER } from '../faults/fault-middleware.js';
import { httpJson, type HttpResult } from './http.js';
import { SandboxFront, type ObservedRequest } from './sandbox-front.js';
import type { Scenario } from './schema.js';

/** Virtual time at which scenarios start unless `setup.start_time` says otherwise. */
export const DEFAULT_START_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

/** One chaos rule, as the runner arms it (see chaos.ts). */
export interface ChaosRuleInput {
  events: string[];
  destinations: string[] | null;
  remaining: number | null;
  chaos: DeliveryChaos;
}

/** The sandbox of one scenario, as the runner drives it. */
export interface ScenarioSandbox {
  /** The address the app uses (`${sandbox.url}`). */
  readonly appFacingUrl: string;
  /** Virtual time when the scenario started; reports give times relative to it. */
  readonly startMs: number;
  /** Current virtual time. */
  now(): number;
  /** Calls the sandbox's API with the merchant's key (never counted as the app's request). */
  call(method: string, path: string, body?: unknown): Promise<HttpResult>;
  /** Runs what is due now and waits until deliveries and the app's follow-up calls are done. */
  settle(): Promise<void>;
  /** Moves virtual time forward, running due deliveries and expiries in order, then settles. */
  advance(ms: number): Promise<void>;
  /** Replaces every chaos rule. */
  setChaos(rules: readonly ChaosRuleInput[]): Promise<void>;
  /** Events of this scenario, oldest first. */
  events(): Promise<PaycliEvent[]>;
  /** Deliveries of this scenario, oldest first. */
  deliveries(): Promise<PublicDelivery[]>;
  /** Requests the app made to the sandbox during this scenario, oldest first. */
  appRequests(): Promise<readonly ObservedRequest[]>;
  close(): Promise<void>;
}

/** Where scenarios get their sandboxes: one per run. */
export interface SandboxEnvironment {
  readonly mode: 'in-process' | 'remote';
  /** The sandbox URL the app must use. */
  readonly url: string;
  readonly secretKey: string;
  /** The merchant's webhook secret; null when a running sandbox does not tell. */
  readonly webhookSecret: string | null;
  /** A sandbox for one scenario; `quietMs` is how long the app must be idle for a step to have settled. */
  open(scenario: Scenario, seed: string, quietMs: number): Promise<ScenarioSandbox>;
  close(): Promise<void>;
}

export interface InProcessOptions {
  /** The fixed port the app talks to (0: any free port, for tests). */
  port: number;
  host?: string;
  seed: string;
  /** Use these keys instead of ones derived from the seed (e.g. from PAYCLI_API_KEY / PAYCLI_WEBHOOK_SECRET). */
  secretKey?: string;
  webhookSecret?: string;
  /** `--app-timeout`: also caps one notification attempt (default 10 s) unless a scenario sets its own. */
  appTimeoutMs?: number;
}

/** A run's merchant with its native keys (stored apart: the keys are the native provider's credentials). */
export type RunMerchant = Merchant & NativeKeys;

/** The merchant every scenario of a run shares: keys from the options, or derived from the seed. */
export function runMerchant(opts: Pick<InProcessOptions, 'seed' | 'secretKey' | 'webhookSecret'>): RunMerchant {
  const random = seededRandom(`${opts.seed}:merchant`);
  const id = idGenerator(random)('mch');
  const secret_key = newSecretKey(random);
  const publishable_key = newPublishableKey(random);
  const webhook_secret = newWebhookSecret(random);
  return {
    id,
    name: 'Scenario merchant',
    secret_key: opts.secretKey ?? secret_key,
    publishable_key,
    webhook_secret: opts.webhookSecret ?? webhook_secret,
    fees: DEFAULT_FEES,
    risk_max_amount: null,
    created: Math.floor(DEFAULT_START_MS / 1000),
  };
}

/** Checks a webhook secret given by the user: Standard Webhooks needs `whsec_` and 24–64 bytes of base64. */
export function checkWebhookSecret(secret: string, source: string): void {
  const body = secret.startsWith('whsec_') ? secret.slice(6) : '';
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(body) ? Buffer.from(body, 'base64').length : 0;
  if (bytes < 24 || bytes > 64) {
    throw new PaycliError('invalid_usage', `${source} is not a Standard Webhooks secret.`, {
      hint: 'Use "whsec_" followed by 24 to 64 random bytes in base64, e.g. from: node -e "console.log(\'whsec_\'+crypto.randomBytes(32).toString(\'base64\'))"',
    });
  }
}

/** Starts the fixed address and returns an environment that makes a fresh sandbox per scenario. */
export async function startInProcessEnvironment(opts: InProcessOptions): Promise<SandboxEnvironment> {
  if (opts.webhookSecret !== undefined) checkWebhookSecret(opts.webhookSecret, 'The webhook secret');
  const merchant = runMerchant(opts);
  const front = await SandboxFront.start(opts.port, opts.host ?? '127.0.0.1');
  return {
    mode: 'in-process',
    url: front.url,
    secretKey: merchant.secret_key,
    webhookSecret: merchant.webhook_secret,
    open: (scenario, seed, quietMs) => openInProcess(front, merchant, scenario, seed, quietMs, opts.appTimeoutMs),
    close: () => front.close(),
  };
}

function acknowledgeRule(rule: NonNullable<NonNullable<Scenario['setup']>['merchant']>['acknowledge']) {
  if (!rule) return undefined;
  return (status: number, body: string): boolean => {
    const statusOk = rule.status === undefined || rule.status === '2xx' ? status >= 200 && status < 300 : rule.status.includes(status);
    return statusOk && (rule.body === undefined || body.trim() === rule.body);
  };
}

async function openInProcess(front: SandboxFront, merchant: RunMerchant, scenario: Scenario, seed: string, quietMs: number, appTimeoutMs?: number): Promise<ScenarioSandbox> {
  const setup = scenario.setup ?? {};
  const startMs = setup.start_time ? Date.parse(setup.start_time) : DEFAULT_START_MS;
  const clock = new FakeClock(startMs);
  const store = new MemoryStore();
  const { secret_key, publishable_key, webhook_secret, ...stored } = merchant;
  store.put('merchants', {
    ...stored,
    fees: setup.merchant?.fees ?? DEFAULT_FEES,
    risk_max_amount: setup.merchant?.risk_max_amount ?? null,
    created: Math.floor(startMs / 1000),
  } satisfies Merchant);
  store.put('provider_credentials', CredentialStore.doc(NATIVE_PROVIDER, merchant.id, { secret_key, publishable_key, webhook_secret } satisfies NativeKeys, startMs));
  const sandbox: Sandbox = await startSandbox({
    port: 0,
    host: '127.0.0.1',
    store,
    clock,
    seed: `${seed}:${scenario.name}`,
    retryScheduleMs: setup.merchant?.retry_schedule,
    deliveryTimeoutMs: setup.merchant?.timeout ?? (appTimeoutMs !== undefined ? Math.min(appTimeoutMs, PAYCLI_NOTIFICATION_TIMEOUT_MS) : undefined),
    // Scheduled on the virtual clock, signed with the real one: receivers check webhook-timestamp against
    // their own wall clock (5 minutes' tolerance), and a notification delayed by hours must still verify.
    signatureClock: new SystemClock(),
    isAcknowledged: acknowledgeRule(setup.merchant?.acknowledge),
  });
  front.switchTo(sandbox.port);

  const settle = async () => {
    for (let round = 0; round < 1000; round++) {
      await clock.advance(0);
      await sandbox.dispatcher.whenIdle();
      await front.whenQuiet(quietMs);
      const next = clock.nextTimerAt();
      if (next === undefined || next > clock.now()) return;
    }
  };

  return {
    appFacingUrl: front.url,
    startMs,
    now: () => clock.now(),
    call: (method, path, body) => httpJson(method, sandbox.url + path, { body, headers: { authorization: `Bearer ${merchant.secret_key}`, [RUNNER_HEADER]: '1' } }),
    settle,
    async advance(ms) {
      await clock.advance(ms);
      await settle();
    },
    async setChaos(rules) {
      sandbox.service.chaos.clear();
      for (const r of rules) sandbox.service.chaos.add({ ...r, payment_id: null, merchant_order_id: null });
    },
    events: async () => [...sandbox.store.list<PaycliEvent>('events')],
    deliveries: async () => sandbox.store.list<Delivery>('deliveries').map(toPublicDelivery),
    appRequests: async () => [...front.requests()],
    async close() {
      front.switchTo(null);
      await sandbox.close();
    },
  };
}
