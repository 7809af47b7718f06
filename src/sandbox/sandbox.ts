/**
 * `startSandbox(options) → { url, close() }`: the mock PSP as a library. The CLI's `sandbox start`, the
 * scenario runner and the tests are all just callers of this function.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { FakeClock, SystemClock, type Clock } from '../clock.js';
import { PaycliError } from '../errors.js';
import { paycliProvider } from '../providers/paycli/index.js';
import type { Provider } from '../providers/provider.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { WebhookDispatcher, type DeliveryUpdate, type Transport } from '../webhooks/dispatcher.js';
import type { NotificationProtocol } from '../webhooks/notification-protocol.js';
import { FaultRules } from '../faults/fault-rules.js';
import { ActivityLog } from './activity-log.js';
import { createApp } from './app.js';
import { IdempotencyCache } from './idempotency.js';
import { cryptoRandom, idGenerator, seededRandom } from './ids.js';
import { PaymentService } from './payment-service.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export const DEFAULT_PORT = 4242;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface SandboxOptions {
  /** Default 4242; 0 picks a free port. */
  port?: number;
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
  /** Overrides the provider's acknowledgement rule (a scenario modelling e.g. "answer exactly `success`"). */
  isAcknowledged?: (status: number, body: string) => boolean;
}

export interface Sandbox {
  url: string;
  port: number;
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
  const realClock = new SystemClock();
  // A virtual clock starts at the real time and signs with the real one: receivers check
  // `webhook-timestamp` against their own wall clock, however far virtual time has moved.
  const clock = options.clock ?? (options.virtualClock ? new FakeClock(realClock.now()) : realClock);
  if (options.virtualClock && !options.clock && !options.signatureClock) options = { ...options, signatureClock: realClock };
  const random = options.seed !== undefined ? seededRandom(options.seed) : cryptoRandom;
  const newId = idGenerator(random);
  const store = options.store ?? (await openStore({ inMemory: options.inMemory, path: options.dataFile }));
  if (options.store) await store.open();

  const provider: Provider = paycliProvider;
  const activity = new ActivityLog();
  const dispatcher = new WebhookDispatcher({
    store,
    clock,
    protocol: withDeliveryOverrides(provider.notificationProtocol, options),
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

  let baseUrl = '';
  const service = new PaymentService({ store, clock, random, newId, dispatcher, baseUrl: () => baseUrl, forwardTo: options.forwardTo ?? null });
  await service.open();
  dispatcher.resume();

  const idempotency = new IdempotencyCache(store, clock);
  const faults = new FaultRules();
  const app = createApp({
    providers: [provider],
    ctx: { service, idempotency, activity, bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT },
    control: { service, idempotency, dispatcher, activity, store, clock, version: pkg.version, startedAt: clock.now(), onClockAdvanced: () => dispatcher.whenIdle(), faults },
    clock,
    onBug: options.onError ? (err) => options.onError!(err.cause ?? err) : undefined,
  });

  const server = createServer(app);
  const host = options.host ?? DEFAULT_HOST;
  try {
    await listen(server, options.port ?? DEFAULT_PORT, host);
  } catch (err) {
    service.close();
    await dispatcher.close();
    await store.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${urlHost}:${port}`;
  const m = service.defaultMerchant;

  let closing: Promise<void> | null = null;
  return {
    url: baseUrl,
    port,
    merchant: { id: m.id, secret_key: m.secret_key, publishable_key: m.publishable_key, webhook_secret: m.webhook_secret },
    dataFile: store.path,
    clock,
    store,
    service,
    dispatcher,
    activity,
    faults,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        service.close();
        await dispatcher.close();
        await store.close();
      })();
      return closing;
    },
  };
}

/** The provider's notification protocol with the caller's signing clock and acknowledgement rule, if any. */
function withDeliveryOverrides(protocol: NotificationProtocol, options: SandboxOptions): NotificationProtocol {
  const { signatureClock, isAcknowledged } = options;
  if (!signatureClock && !isAcknowledged) return protocol;
  return {
    ...protocol,
    sign: signatureClock ? (event, secret, opts) => protocol.sign(event, secret, { ...opts, timestampSec: Math.floor(signatureClock.now() / 1000) }) : protocol.sign,
    isAcknowledged: isAcknowledged ?? protocol.isAcknowledged,
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(
          new PaycliError('port_in_use', `Port ${port} on ${host} is already in use.`, {
            hint: `Another sandbox may be running (\`paycli sandbox status\`); or pick another port with --port, or --port 0 for any free one.`,
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
