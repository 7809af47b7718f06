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
import { idGenerator, newPublishableKey, newSecretKey, newWebhookSecret, seededRandom } from '../core/ids.js';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import { MemoryStore } from '../store/memory-store.js';
import { toPublicDelivery, type Delivery, type DeliveryChaos, type PublicDelivery } from '../webhooks/dispatcher.js';
import { PAYCLI_NOTIFICATION_TIMEOUT_MS } from '../providers/paycli/notifications.js';
import { RUNNER_HEADER } from '../faults/fault-middleware.js';
import { CredentialStore, type CredentialsDoc, type NativeKeys } from '../core/credentials.js';
import type { AnyProvider } from '../providers/contract.js';
import { httpJson, type HttpResult } from './http.js';
import { startProviderFronts, type ProviderRuntime, type ProviderSetup } from './provider-environment.js';
import type { DriverContext, ScenarioDriver } from './psp-driver.js';
import { SandboxFront, type ObservedRequest } from './sandbox-front.js';
import { NATIVE_PROVIDER } from './scenario-drivers.js';
import type { Scenario } from './schema.js';

/** A scenario setup the environment cannot honour (a running sandbox, a provider the run does not serve). */
export class UnsupportedSetup extends Error {}

/** Virtual time at which scenarios start unless `setup.start_time` says otherwise. */
export const DEFAULT_START_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

/** One chaos rule, as the runner arms it (see chaos.ts). */
export interface ChaosRuleInput {
  events: string[];
  /** `notification`: `events` names the provider's notification types (provider scenarios). */
  match?: 'event' | 'notification';
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
  /** The scenario's provider (`paycli` for the native API). */
  readonly provider: string;
  /** What the provider's scenario driver calls: its own port in this scenario's sandbox, the run's credentials. */
  readonly psp: DriverContext;
  /** Calls the sandbox's native and control API with the merchant's key (never counted as the app's request). */
  call(method: string, path: string, body?: unknown): Promise<HttpResult>;
  /** Counts a call the runner made through a driver as its own, not the app's (a running sandbox cannot tell them apart). */
  noteOwnRequest?(method: string, path: string): void;
  /** The payment any merchant-held identifier names (paycli id, `pi_…`, trade number, order number), or null. */
  findPayment(ref: string): Promise<{ id: string; status: string; expiresAtMs: number | null } | null>;
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
  /** The providers this run serves besides the native one: where the app's SDK points and with which keys. */
  readonly providers: Readonly<Record<string, ProviderSetup>>;
  /** A sandbox for one scenario; `quietMs` is how long the app must be idle for a step to have settled. */
  open(scenario: Scenario, seed: string, quietMs: number, opts?: OpenOptions): Promise<ScenarioSandbox>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The scenario's provider's driver (default: the native API). */
  driver?: ScenarioDriver;
  /** The app's notification URL, for providers that notify by forwarding (see ScenarioDriver.notifyBy). */
  notifyUrl?: string;
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
  /** Providers the run's scenarios use besides the native one: each gets a fixed front and fixed credentials. */
  providers?: readonly string[];
  /** Each provider's front port (default: the provider's `defaultPort`; 0: any free port). */
  providerPorts?: Readonly<Record<string, number>>;
  /** Where providers' key files are written (`<keyDir>/<provider>/`); default a temporary folder removed on close. */
  keyDir?: string | null;
  /** Credentials per provider instead of the fixed `builtin/credentials/<provider>.json` (tests). */
  providerCredentials?: Readonly<Record<string, Record<string, unknown>>>;
  /** The provider table (default: the registry), e.g. with WeChat Pay signing with its platform certificate. */
  registry?: Readonly<Record<string, AnyProvider>>;
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
  const host = opts.host ?? '127.0.0.1';
  const front = await SandboxFront.start(opts.port, host);
  let extra;
  try {
    extra = await startProviderFronts((opts.providers ?? []).filter((p) => p !== NATIVE_PROVIDER), { host, ports: opts.providerPorts, keyDir: opts.keyDir, credentials: opts.providerCredentials, registry: opts.registry });
  } catch (err) {
    await front.close();
    throw err;
  }
  const { runtimes } = extra;
  const providers = Object.fromEntries(Object.entries(runtimes).map(([name, { front: _f, credentials: _c, ...setup }]) => [name, setup]));
  return {
    mode: 'in-process',
    url: front.url,
    secretKey: merchant.secret_key,
    webhookSecret: merchant.webhook_secret,
    providers,
    open: (scenario, seed, quietMs, o = {}) => openInProcess({ front, runtimes, merchant, scenario, seed, quietMs, appTimeoutMs: opts.appTimeoutMs, registry: opts.registry, ...o }),
    async close() {
      await front.close();
      await extra.close();
    },
  };
}

function acknowledgeRule(rule: NonNullable<NonNullable<Scenario['setup']>['merchant']>['acknowledge']) {
  if (!rule) return undefined;
  return (status: number, body: string): boolean => {
    const statusOk = rule.status === undefined || rule.status === '2xx' ? status >= 200 && status < 300 : rule.status.includes(status);
    return statusOk && (rule.body === undefined || body.trim() === rule.body);
  };
}

interface OpenInProcess extends OpenOptions {
  front: SandboxFront;
  runtimes: Readonly<Record<string, ProviderRuntime>>;
  merchant: RunMerchant;
  scenario: Scenario;
  seed: string;
  quietMs: number;
  appTimeoutMs?: number;
  registry?: Readonly<Record<string, AnyProvider>>;
}

async function openInProcess(o: OpenInProcess): Promise<ScenarioSandbox> {
  const { front, merchant, scenario, seed, quietMs, appTimeoutMs } = o;
  const setup = scenario.setup ?? {};
  const provider = setup.provider ?? NATIVE_PROVIDER;
  const runtime = provider === NATIVE_PROVIDER ? null : o.runtimes[provider];
  if (runtime === undefined) {
    throw new UnsupportedSetup(`the run serves no ${provider} port; start the environment with providers: ['${provider}'] (paycli scenario run does so for the scenarios it loads)`);
  }
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
  // The run's fixed credentials, so the sandbox uses them instead of minting: the app is configured once.
  if (runtime) store.put<CredentialsDoc>('provider_credentials', { id: `${provider}:${merchant.id}`, provider, merchant_id: merchant.id, creds: runtime.credentials, created: startMs });
  const sandbox: Sandbox = await startSandbox({
    port: 0,
    host: '127.0.0.1',
    store,
    clock,
    seed: `${seed}:${scenario.name}`,
    ...(runtime ? { providers: [provider], ports: { [provider]: 0 } } : {}),
    ...(o.registry ? { registry: o.registry } : {}),
    forwardTo: runtime && o.driver?.notifyBy === 'forward' ? (o.notifyUrl ?? null) : null,
    retryScheduleMs: setup.merchant?.retry_schedule,
    deliveryTimeoutMs: setup.merchant?.timeout ?? (appTimeoutMs !== undefined ? Math.min(appTimeoutMs, PAYCLI_NOTIFICATION_TIMEOUT_MS) : undefined),
    // Scheduled on the virtual clock, signed with the real one: receivers check webhook-timestamp against
    // their own wall clock (5 minutes' tolerance), and a notification delayed by hours must still verify.
    signatureClock: new SystemClock(),
    isAcknowledged: acknowledgeRule(setup.merchant?.acknowledge),
  });
  front.switchTo(sandbox.port);
  runtime?.front.switchTo(sandbox.providers[provider]!.port);
  const fronts = runtime ? [front, runtime.front] : [front];

  const settle = async () => {
    for (let round = 0; round < 1000; round++) {
      await clock.advance(0);
      await sandbox.dispatcher.whenIdle();
      for (const f of fronts) await f.whenQuiet(quietMs);
      const next = clock.nextTimerAt();
      if (next === undefined || next > clock.now()) return;
    }
  };
  const runnerHeaders = { [RUNNER_HEADER]: '1' };

  return {
    appFacingUrl: front.url,
    startMs,
    provider,
    psp: {
      url: runtime ? sandbox.providers[provider]!.url : sandbox.url,
      creds: runtime ? runtime.credentials : { secret_key: merchant.secret_key, webhook_secret: merchant.webhook_secret },
      runnerHeaders,
      now: () => clock.now(),
    },
    now: () => clock.now(),
    call: (method, path, body) => httpJson(method, sandbox.url + path, { body, headers: { authorization: `Bearer ${merchant.secret_key}`, ...runnerHeaders } }),
    async findPayment(ref) {
      try {
        const p = sandbox.service.findByRef(ref);
        return { id: p.id, status: p.status, expiresAtMs: p.expires_at === null ? null : p.expires_at * 1000 };
      } catch (err) {
        if (err instanceof PaycliError && err.code === 'resource_missing') return null;
        throw err;
      }
    },
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
    appRequests: async () => fronts.flatMap((f) => f.requests()),
    async close() {
      for (const f of fronts) f.switchTo(null);
      await sandbox.close();
    },
  };
}
