/**
 * `startSandbox(options) → { url, providers, close() }`: the mock PSP as a library. One process and one
 * store serve every enabled provider, each at the root of its own port (the native API and the control API
 * on the main port). The CLI's `sandbox start`, the scenario runner and the tests are all callers of it.
 */
import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { FakeClock, SystemClock, type Clock } from '../clock.js';
import { ActivityLog } from '../core/activity-log.js';
import { CredentialStore } from '../core/credentials.js';
import { IdempotencyCache, type IdempotencyTicket, type StoredResponse } from '../core/idempotency.js';
import type { UnitOfWork } from '../core/unit-of-work.js';
import { cryptoRandom, idGenerator, seededRandom } from '../core/ids.js';
import { providerSigner, type CoreReader } from '../core/notifications.js';
import type { Payment } from '../engine/types.js';
import { PaymentService } from '../core/payment-service.js';
import { PaycliError } from '../errors.js';
import { jsonBodyParsing } from '../http/body-parsing.js';
import type { AnyProvider, ProviderBuyerAct, ProviderHost } from '../providers/contract.js';
import { loadProviders } from '../providers/registry.js';
import { lockDataFile, refuseEmptyDataFile, type DataLock } from '../store/data-lock.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { WebhookDispatcher, type DeliveryUpdate, type Transport } from '../webhooks/dispatcher.js';
import { FaultRules } from '../faults/fault-rules.js';
import { createApp } from './app.js';
import { sameOriginWrites, securityHeaders } from './browser-safety.js';
import { guardConnections, serverOptions, type ConnectionLimits } from './connection-guard.js';
import { expressMessageClasses } from './express-messages.js';
import type { ControlContext } from './control-context.js';
import { CONTROL_PREFIX, controlRouter } from './control-routes.js';
import { hostCheck } from './host-check.js';
import { dashboardRouter, type ProviderBillOf } from './dashboard-routes.js';
import { writeProviderFiles, type ProviderFiles } from './provider-files.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export const DEFAULT_PORT = 4242;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface SandboxOptions {
  /** The main port (native API and control API). Default 4242; 0 picks a free port. */
  port?: number;
  /**
   * The providers to serve (registry names). The native `paycli` provider is always served, on the main
   * port. Library default: `['paycli']` only, so a test's sandbox does not pay for RSA key minting it does
   * not need; `paycli sandbox start` serves every registered provider unless told otherwise.
   */
  providers?: readonly string[];
  /**
   * Each other provider's port by name; 0 picks a free port. Default: the provider's `defaultPort`, or a
   * free port when the main `port` is 0 (tests, which run side by side).
   */
  ports?: Readonly<Record<string, number>>;
  /**
   * The provider table to choose from (default: the registry, `src/providers/registry.ts`). A caller with
   * a protocol of its own (the provider contract tests) passes `{ ...(await loadProviders()), mine }`.
   */
  registry?: Readonly<Record<string, AnyProvider>>;
  /** Default 127.0.0.1: the sandbox is not reachable from other machines unless asked. */
  host?: string;
  /** The data file; ignored with `inMemory`. */
  dataFile?: string;
  inMemory?: boolean;
  /** A ready store (tests); overrides dataFile/inMemory. */
  store?: Store;
  /** Every event is also delivered here. */
  forwardTo?: string | null;
  /** Default: the real clock, or a FakeClock with `virtualClock`. */
  clock?: Clock;
  /** Use a FakeClock that only moves through `POST /_sandbox/clock/advance`. */
  virtualClock?: boolean;
  /** Makes ids and keys repeatable (scenario replay). */
  seed?: string;
  retryScheduleMs?: readonly number[];
  deliveryTimeoutMs?: number;
  bodyLimitBytes?: number;
  /** Overrides the webhook HTTP transport (tests). */
  transport?: Transport;
  /**
   * Receives bugs (an unexpected 500, a failing store write during a delivery) so the caller can show them.
   * Default: the delivery dispatcher rethrows them asynchronously, and the app still answers 500.
   */
  onError?: (err: unknown) => void;
  /**
   * The clock for notification signature timestamps (default: `clock`). The scenario runner schedules on a
   * virtual clock but signs with the real one, because receivers check `webhook-timestamp` against their own
   * wall clock, and a notification delayed by hours of virtual time must still verify.
   */
  signatureClock?: Clock;
  /** Names besides loopback ones and `host` that requests may be addressed to (`--allow-host`): the Host check. */
  allowHosts?: string[];
  /** Connection cap and header timeout per server (defaults suit a 1,024 file-descriptor limit). */
  connectionLimits?: ConnectionLimits;
  /** Overrides the provider's acknowledgement rule (a scenario modelling e.g. "answer exactly `success`"). */
  isAcknowledged?: (status: number, body: string) => boolean;
}

/** One served provider, as the banner and the `--json` readiness line show it. */
export interface ServedProvider {
  name: string;
  title: string;
  url: string;
  port: number;
  /** The default merchant's credentials for it (plain JSON). */
  credentials: Record<string, unknown>;
  /** Key files written for its SDK (file name → path), 0600. */
  files: Record<string, string>;
  /** `provider.describe(...)`: what `providers.<name>` in the readiness line holds. */
  description: Record<string, unknown>;
}

export interface Sandbox {
  /** The main port's URL (native API, control API, buyer pages). */
  url: string;
  port: number;
  /** Every served provider by name, the native `paycli` one included. */
  providers: Record<string, ServedProvider>;
  merchant: { id: string; secret_key: string; publishable_key: string; webhook_secret: string };
  dataFile: string | null;
  clock: Clock;
  store: Store;
  service: PaymentService;
  dispatcher: WebhookDispatcher;
  activity: ActivityLog;
  /** PSP API fault rules (also `/_sandbox/faults`). */
  faults: FaultRules;
  /** Stops accepting requests, lets in-flight deliveries finish, and closes the store. */
  close(): Promise<void>;
}

/**
 * Starts the mock PSP.
 *
 * @example
 * const sandbox = await startSandbox({ port: 0, inMemory: true });
 * await fetch(`${sandbox.url}/v1/payments`, { headers: { authorization: `Bearer ${sandbox.merchant.secret_key}` } });
 * await sandbox.close();
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const registry = options.registry ?? (await loadProviders());
  const providers = enabledProviders(registry, options.providers);
  const realClock = new SystemClock();
  // A virtual clock starts at the real time and signs with the real one: receivers check
  // `webhook-timestamp` against their own wall clock, however far virtual time has moved.
  const clock = options.clock ?? (options.virtualClock ? new FakeClock(realClock.now()) : realClock);
  if (options.virtualClock && !options.clock && !options.signatureClock) options = { ...options, signatureClock: realClock };
  const random = options.seed !== undefined ? seededRandom(options.seed) : cryptoRandom;
  const newId = idGenerator(random);
  // One sandbox per data file: the lock comes before anything reads or writes it.
  const dataPath = options.store ? options.store.path : options.inMemory ? null : (options.dataFile ?? null);
  const lock: DataLock | null = dataPath ? await lockDataFile(dataPath) : null;
  let store: Store;
  try {
    if (dataPath) await refuseEmptyDataFile(dataPath);
    store = options.store ?? (await openStore({ inMemory: options.inMemory, path: options.dataFile }));
    if (options.store) await store.open();
  } catch (err) {
    await lock?.release();
    throw err;
  }

  const activity = new ActivityLog();
  const credentials = new CredentialStore(store, clock, random, newId);
  // Every registered provider's protocol, enabled or not: deliveries made on an earlier run with a
  // provider that is off now still sign (with the credentials the store kept).
  const protocols = (name: string) => (Object.hasOwn(registry, name) ? registry[name]!.notifications : undefined);
  const dispatcher = new WebhookDispatcher({
    store,
    clock,
    signer: providerSigner({ store, protocols, credentials, signatureClock: options.signatureClock, isAcknowledged: options.isAcknowledged }),
    newId,
    retryScheduleMs: options.retryScheduleMs,
    timeoutMs: options.deliveryTimeoutMs,
    transport: options.transport,
    onError: options.onError,
  });
  dispatcher.on((u: DeliveryUpdate) => {
    if (u.type === 'attempt') {
      const d = u.delivery;
      activity.add({
        kind: 'delivery',
        time: u.attempt.at,
        delivery_id: d.id,
        event_id: d.event_id,
        event_type: d.event_type,
        url: d.url,
        destination: d.kind,
        attempt: u.attempt.number,
        status: u.attempt.status,
        latency_ms: u.attempt.latency_ms,
        error: u.attempt.error,
        acknowledged: u.attempt.acknowledged,
        outcome: d.status === 'pending' ? 'retry' : d.status === 'succeeded' ? 'done' : d.status,
        next_attempt_at: d.next_attempt_at,
      });
    }
  });

  const urls = new Map<string, string>();
  const mainUrl = () => urls.get('paycli') ?? '';
  const buyerWindowMs = (name: string) => (Object.hasOwn(registry, name) ? registry[name]!.buyerWindowMs : undefined);
  const payerFailureEnds = (payment: Payment, read: CoreReader) => {
    const provider = payment.provider ?? 'paycli';
    return Object.hasOwn(registry, provider) ? (registry[provider]!.payerFailureEnds?.(payment, read) ?? true) : true;
  };
  const service = new PaymentService({ store, clock, random, newId, dispatcher, baseUrl: mainUrl, forwardTo: options.forwardTo ?? null, protocols, buyerWindowMs, payerFailureEnds, credentials });
  const faults = new FaultRules();
  const servers: Server[] = [];
  let files: ProviderFiles | null = null;
  const cleanUp = async () => {
    await Promise.all(servers.map(closeServer));
    service.close();
    await dispatcher.close();
    await files?.remove();
    // Released even when the last write fails (a full disk): the process is stopping either way.
    await store.close().finally(() => lock?.release());
  };

  const served: Record<string, ServedProvider> = {};
  try {
    await service.open();
    const merchant = service.defaultMerchant;
    // Minted concurrently (RSA keys take ~100 ms each), once per merchant: later starts read the store.
    const creds = await Promise.all(providers.map((p) => credentials.ensure(p.name, merchant, (ctx) => p.mint(ctx))));
    dispatcher.resume();

    const idempotency = new IdempotencyCache(store, clock);
    const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
    const host = options.host ?? DEFAULT_HOST;
    const onBug = options.onError ? (err: PaycliError) => options.onError!(err.cause ?? err) : undefined;
    // Each provider's buyer on its own documents (contract `buyer`), bound to its host below.
    const buyers: ((ref: string) => ProviderBuyerAct | undefined)[] = [];
    const control = express.Router();
    control.use(jsonBodyParsing({ limitBytes: bodyLimitBytes, formWhen: (req) => req.path.startsWith('/buyer/') }));
    const controlCtx: ControlContext = {
      service,
      idempotency,
      dispatcher,
      activity,
      store,
      clock,
      version: pkg.version,
      startedAt: clock.now(),
      onClockAdvanced: () => dispatcher.whenIdle(),
      notificationsOf: (event) => service.notificationsOf(event),
      credentialsOf: (merchant) => {
        const all: Record<string, Record<string, unknown>> = {};
        for (const p of providers) {
          const creds = credentials.find(p.name, merchant.id);
          if (creds) all[p.name] = p.served ? p.served(creds) : creds;
        }
        return all;
      },
      nativeKeys: (merchant) => credentials.native(merchant),
      providerUrls: () => Object.fromEntries(urls),
      providerBuyer: (ref) => {
        for (const buyer of buyers) {
          const act = buyer(ref);
          if (act) return act;
        }
        return undefined;
      },
      faults,
    };
    control.use(controlRouter(controlCtx));
    // Each provider's own bill (contract `bill`), bound to its host, for the dashboard's reconciliation.
    const bills = new Map<string, ProviderBillOf>();
    const dashboard = dashboardRouter({ ...controlCtx, bodyLimitBytes, providers: () => Object.values(served), providerBill: (name) => bills.get(name) });

    for (const provider of providers) {
      const providerHost: ProviderHost = {
        name: provider.name,
        core: service,
        transact: ((fn: (uow: UnitOfWork) => StoredResponse, ticket?: IdempotencyTicket | null) =>
          service.transact(provider.name, fn, ticket ?? null)) as ProviderHost['transact'],
        idempotency,
        clock,
        activity,
        credentials: (m) => credentials.get(provider.name, m),
        merchantWhere: (match) => service.merchants().find((m) => {
          const c = credentials.find(provider.name, m.id);
          return c !== undefined && match(c, m);
        }),
        url: () => urls.get(provider.name) ?? '',
        mainUrl,
        bodyLimitBytes,
      };
      const { bill } = provider;
      if (bill) bills.set(provider.name, async (merchant, date) => bill.call(provider, providerHost, merchant, date));
      const { buyer } = provider;
      if (buyer) buyers.push((ref) => buyer.call(provider, providerHost, ref));
      const isMain = provider.name === 'paycli';
      const app = createApp({
        provider,
        routes: provider.app(providerHost),
        signAnswer: provider.signHostAnswer && ((req, status, body) => provider.signHostAnswer!(providerHost, req, status, body)),
        renderAnswer: provider.renderHostAnswer && ((req, err) => provider.renderHostAnswer!(providerHost, req, err)),
        control: isMain ? control : undefined,
        dashboard: isMain ? dashboard : undefined,
        activity,
        clock,
        store,
        onBug,
        faults,
        guards: [hostCheck({ host, allowHosts: options.allowHosts }), sameOriginWrites({ crossSitePaths: provider.crossSitePaths }), securityHeaders()],
      });
      const server = createServer({ ...serverOptions(), ...expressMessageClasses(app) }, app);
      guardConnections(server, options.connectionLimits);
      const port = isMain ? (options.port ?? DEFAULT_PORT) : (options.ports?.[provider.name] ?? (options.port === 0 ? 0 : provider.defaultPort));
      await listen(server, port, host, provider.name);
      servers.push(server);
      const bound = (server.address() as AddressInfo).port;
      const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      const url = `http://${urlHost}:${bound}`;
      urls.set(provider.name, url);
      const i = providers.indexOf(provider);
      served[provider.name] = { name: provider.name, title: provider.title, url, port: bound, credentials: creds[i]!, files: {}, description: {} };
    }
    // Written once every port is bound: the README and `.env` among the key files name the real URL and folder.
    const withFiles = providers.filter((p) => p.files);
    files = await writeProviderFiles(
      store.path,
      withFiles.map((p) => ({ name: p.name, files: (dir: string) => p.files!(served[p.name]!.credentials, { url: served[p.name]!.url, dir }) })),
    );
    for (const p of providers) {
      const entry = served[p.name]!;
      entry.files = files.paths[p.name] ?? {};
      entry.description = p.describe(entry.credentials, { url: entry.url, files: entry.files });
    }
  } catch (err) {
    await cleanUp();
    throw err;
  }
  const m = service.defaultMerchant;
  const keys = credentials.native(m);
  const main = served.paycli!;
  lock?.setUrl(main.url);

  let closing: Promise<void> | null = null;
  return {
    url: main.url,
    port: main.port,
    providers: served,
    merchant: { id: m.id, secret_key: keys.secret_key, publishable_key: keys.publishable_key, webhook_secret: keys.webhook_secret },
    dataFile: store.path,
    clock,
    store,
    service,
    dispatcher,
    activity,
    faults,
    close() {
      closing ??= cleanUp();
      return closing;
    },
  };
}

/** The providers to serve, native first; unknown names are a usage error naming the registered ones. */
function enabledProviders(registry: Readonly<Record<string, AnyProvider>>, names: readonly string[] | undefined): AnyProvider[] {
  const wanted = new Set(['paycli', ...(names ?? [])]);
  const known = Object.keys(registry);
  for (const name of wanted) {
    if (!Object.hasOwn(registry, name)) {
      throw new PaycliError('invalid_usage', `Unknown provider "${name}".`, { hint: `Registered providers: ${known.join(', ')}.` });
    }
  }
  // Native first (it is the main port), then in table order.
  return known.filter((n) => wanted.has(n)).sort((a, b) => Number(b === 'paycli') - Number(a === 'paycli')).map((n) => registry[n]!);
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function listen(server: Server, port: number, host: string, provider: string): Promise<void> {
  const flag = provider === 'paycli' ? '--port' : `--${provider}-port`;
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(
          new PaycliError('port_in_use', `Port ${port} on ${host} is already in use.`, {
            hint: `Another sandbox may be running (\`paycli sandbox status\`); or pick another port with ${flag}, or ${flag} 0 for any free one.`,
          }),
        );
      } else if (err.code === 'EACCES') {
        reject(new PaycliError('port_in_use', `Not allowed to listen on port ${port}.`, { hint: 'Use a port above 1023, e.g. --port 4242.' }));
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
        reject(new PaycliError('invalid_usage', `Cannot listen on host "${host}": it is not an address of this machine.`, { hint: 'Use --host 127.0.0.1.' }));
      } else {
        reject(err);
      }
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
