/**
 * The provider contract: what one emulated PSP wire protocol (the native `paycli` API, Stripe, Alipay,
 * WeChat Pay, …) supplies, and what the sandbox hands it. A provider translates its wire requests into
 * operations on the one payment core and the core's domain events into its own notifications; the sandbox
 * only hosts it (one HTTP port per provider, one process, one store). Adding a provider is a folder under
 * `src/providers/` exporting a `Provider` and one line in `registry.ts`.
 */
import type { Request, RequestHandler } from 'express';
import type { Clock } from '../clock.js';
import type { PaymentService } from '../core/payment-service.js';
import type { RandomSource } from '../core/ids.js';
import type { UnitOfWork } from '../core/unit-of-work.js';
import type { IdempotencyCache, IdempotencyTicket, StoredResponse } from '../core/idempotency.js';
import type { CoreReader, ProviderNotifications } from '../core/notifications.js';
import type { BuyerAction } from '../engine/payments.js';
import type { Merchant, Payment } from '../engine/types.js';
import type { PaycliError } from '../errors.js';
import type { ActivityLog } from '../core/activity-log.js';
import type { FaultRenderer } from '../faults/fault-middleware.js';

export type { SignedNotification, NotificationProbe } from '../webhooks/notification-protocol.js';
export type { UnitOfWork } from '../core/unit-of-work.js';
// The notification half of the contract is defined by the core, which calls it.
export type {
  CoreReader,
  NotificationContext,
  NotificationDestination,
  NotificationSignOptions,
  NotificationTarget,
  OwnNotificationContext,
  ProviderNotification,
  ProviderNotifications,
  StoredNotification,
} from '../core/notifications.js';

/** The registered names; any further provider is a plain string until it is added here. */
export type ProviderName = 'paycli' | 'stripe' | 'alipay' | 'wechatpay' | (string & {});

/**
 * A provider's credentials for one merchant: plain JSON (keys, secrets, PEM strings), so they persist in
 * the store as they are and print in the `--json` readiness line.
 */
export type Credentials = Record<string, unknown>;

/** What minting credentials may use: the sandbox's (possibly seeded) randomness, ids and clock. */
export interface MintContext {
  /** Seeded in scenario replay, so keys repeat run to run; RSA keys, which cannot be seeded, need not. */
  random: RandomSource;
  newId(prefix: string): string;
  nowMs: number;
  /** The merchant the credentials are for (as stored: one written by an earlier version may hold its native keys). */
  merchant: Merchant;
  /**
   * How long certificates it mints stay valid, in years (default: the provider's own). The fixed scenario
   * credentials, committed once and used by every run, are made for 20.
   */
  certificateYears?: number;
}

/** Where a provider's key files go and which address they name. */
export interface KeyFilesLocation {
  /** The provider's base URL the app's SDK is pointed at (`http://127.0.0.1:4243`). */
  url: string;
  /** The folder the files are written to, as the merchant's project names it (`.paycli/alipay`). */
  dir: string;
}

/** A provider's error response: its own status, headers and body shape. */
export interface RenderedError {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as it is (XML, text); anything else as JSON. */
  body: unknown;
}

/**
 * What the sandbox hands a provider. The provider never reaches past it into the sandbox: the core for
 * domain operations and reads, its credentials, its URLs, the clock and the activity log.
 */
export interface ProviderHost<C extends Credentials = Credentials> {
  /** This provider's name. */
  name: string;
  /** The core: reads (payments, refunds, events, merchants) and the domain operations. */
  core: PaymentService;
  /**
   * Runs `fn` as one unit of work bound to this provider: domain operations (payments it creates record
   * this provider) and this provider's own documents, staged and then made durable in ONE commit. `fn`
   * must be synchronous (one tick: no lost updates) and should check before it stages (see UnitOfWork).
   */
  transact<T>(fn: (uow: UnitOfWork) => T): Promise<T>;
  /** The same, answering a POST: with its Idempotency-Key ticket the stored answer joins the commit. */
  transact(fn: (uow: UnitOfWork) => StoredResponse, ticket: IdempotencyTicket | null): Promise<StoredResponse>;
  /** Idempotency-Key records shared with the core: `run` hands a ticket to pass to `transact`. */
  idempotency: IdempotencyCache;
  clock: Clock;
  activity: ActivityLog;
  /** This provider's credentials for a merchant (minted and persisted on first start). */
  credentials(merchant: Merchant): C;
  /** The merchant whose credentials satisfy `match` (e.g. the presented secret key), if any. */
  merchantWhere(match: (creds: C, merchant: Merchant) => boolean): Merchant | undefined;
  /** This provider's own base URL (`http://127.0.0.1:12111`), known once it listens. */
  url(): string;
  /** The main port's base URL: buyer pages and the control API live there. */
  mainUrl(): string;
  /** Largest accepted request body, in bytes; the provider's body parsers enforce it. */
  bodyLimitBytes: number;
}

/** A provider's own bill (对账单) for a merchant and a day, as its merchants download it. */
export interface ProviderBill {
  filename: string;
  contentType: string;
  body: Uint8Array;
}

/** What the simulated buyer does on one of a provider's own documents (contract `buyer`). */
export type ProviderBuyerAct = (action: BuyerAction, failureCode?: string) => Promise<ProviderBuyerAnswer>;

/** After the buyer acted on a provider's own document. */
export interface ProviderBuyerAnswer {
  /** The document as the provider's API shows it (a Stripe `setup_intent`), the control API's JSON answer. */
  body: unknown;
  /** Where a browser goes next (the merchant's return URL, or the provider's page of the document). */
  redirect: string;
}

/** One emulated PSP wire protocol. */
export interface Provider<C extends Credentials = Credentials> {
  /** Registry key, config key, `--<name>-port` flag, collection prefix (`<name>_…`) and delivery label. */
  name: ProviderName;
  /** Shown in the banner (`Stripe`, `Alipay`, …). */
  title: string;
  /** Its port when none is given: the SDKs' habits (stripe-mock 12111), paycli 4242, alipay 4243, wechatpay 4244. */
  defaultPort: number;
  /**
   * How long its payments wait for the buyer (a wallet to be paid, 3-D Secure) before they expire, when the
   * request names no deadline: the PSP's own rule (WeChat Pay: two hours). Default: the core's 30 minutes.
   */
  buyerWindowMs?: number;
  /**
   * Its own store collections, each named `<name>_…` (e.g. `stripe_payment_intents`). Declared so the store
   * can read a data file that holds them even on a run where this provider is not started.
   */
  collections?: readonly string[];
  /** Fresh credentials for a merchant (API keys, RSA key pairs, certificates): async, as RSA minting is slow. */
  mint(ctx: MintContext): Promise<C>;
  /**
   * Key files a merchant's SDK reads (name → contents), written 0600 under `where.dir`. The README and
   * `.env` among them name `where.url` and `where.dir`, so they match the port and folder actually used.
   */
  files?(creds: C, where: KeyFilesLocation): Record<string, string>;
  /** What the banner and `providers.<name>` of the `--json` readiness line show (URL, keys, key-file paths). */
  describe(creds: C, where: { url: string; files: Record<string, string> }): Record<string, unknown>;
  /**
   * The credentials as the control API hands them out (`/_sandbox/providers`, the stream `listen` reads),
   * with what this sandbox was started with that signing depends on (WeChat Pay's signing key), so a
   * process outside it (`listen`) signs this provider's notifications as the sandbox does. Default: `creds`.
   */
  served?(creds: C): Record<string, unknown>;
  /**
   * Identifiers a merchant holds for a payment (Stripe `pi_…`, Alipay `trade_no`, WeChat `transaction_id`),
   * beyond the paycli id and the merchant order number, so `POST /_sandbox/buyer/{ref}/…` finds it. A
   * provider may also register them as it goes (`UnitOfWork.addRef`).
   */
  refsOf?(payment: Payment, read: CoreReader): string[];
  /**
   * The simulated buyer (`POST /_sandbox/buyer/{ref}/complete|fail|expire`, a scenario's buyer step) on a
   * document of the provider's own that waits for them and is no payment (a Stripe SetupIntent at 3-D
   * Secure): the action to run on the document `ref` names, or undefined when it names none of its own, and
   * the core looks for a payment. The action ends as the provider's own buyer page would end it; a document
   * not waiting for the buyer, or an action it does not take, is a PaycliError naming why.
   */
  buyer?(host: ProviderHost<C>, ref: string): ProviderBuyerAct | undefined;
  /**
   * Whether a buyer who fails (`POST /_sandbox/buyer/{ref}/fail`, a scenario's buyer step) ends a payment
   * that waits for them. A PSP whose payer fails unseen and may pay again until the order closes or expires
   * answers false, and the payment keeps waiting (WeChat Pay, except a payment code at the password
   * prompt). Default: the failure ends it.
   */
  payerFailureEnds?(payment: Payment, read: CoreReader): boolean;
  /**
   * Its routes, mounted at the ROOT of its own port (the native provider's at the main port, beside
   * `/_sandbox`). It owns body parsing (JSON, form, raw bytes for signatures), authentication, its 404 and
   * its errors: throw or `next(err)` PaycliErrors and the host renders them with `renderError`.
   */
  app(host: ProviderHost<C>): RequestHandler;
  /**
   * Paths of its port that other sites' pages post to by design (a cashier entry the merchant's page submits
   * a signed form to); the host's cross-origin guard lets them through. Everything else stays same-origin.
   */
  crossSitePaths?: readonly string[];
  /**
   * The merchant's bill for a day (`yyyy-MM-dd`), in the provider's own format and day (Alipay's zip of GBK
   * CSVs, WeChat Pay's trade bill, both on China time), for reconciliation beside the sandbox's settlement
   * report. A provider without native bills leaves it out. A bad date is a PaycliError naming `date`.
   */
  bill?(host: ProviderHost<C>, merchant: Merchant, date: string): ProviderBill | Promise<ProviderBill>;
  /** The provider's error response; also used by the host for errors outside its router (body limit, 404). */
  renderError(err: PaycliError): RenderedError;
  /**
   * Headers that sign an error answer the host renders outside the provider's routes (a guard's refusal,
   * a 503 while the data file cannot be written, a bug's 500), over `body`, the exact bytes sent: for a PSP
   * whose SDKs verify every answer (WeChat Pay), so they read the error instead of reporting a bad
   * signature. Default: none.
   */
  signHostAnswer?(host: ProviderHost<C>, req: Request, status: number, body: string): Promise<Record<string, string>>;
  /**
   * The whole answer, for a request whose error answer the host renders outside the provider's routes,
   * when it depends on the request beyond headers (Alipay's v2 gateway: HTTP 200 with the failure inside
   * `"<method>_response"` and the signature in the body). A string body is sent as it is, with the
   * returned headers (its Content-Type among them), and `signHostAnswer` is not used. null (and default):
   * `renderError`, signed by `signHostAnswer`.
   */
  renderHostAnswer?(host: ProviderHost<C>, req: Request, err: PaycliError): Promise<RenderedError> | null;
  /**
   * An injected API fault (`rate_limited`, `api_error`, `service_unavailable`) in the PSP's own shape, with
   * its headers (e.g. a retry hint). Default: `renderError`, plus `Retry-After` on a 429. Returning null
   * hands the fault to the provider's routes (`pendingFault(res)`), for an answer signed for the caller.
   */
  renderFault?: FaultRenderer;
  notifications: ProviderNotifications<C>;
}

/** A provider of any credentials type, as the registry holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProvider = Provider<any>;
