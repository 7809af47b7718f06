/**
 * What the control API (`/_sandbox`, control-routes.ts and stream-routes.ts) is given by the sandbox.
 */
import type { Clock } from '../clock.js';
import type { ActivityLog } from '../core/activity-log.js';
import type { NativeKeys } from '../core/credentials.js';
import type { IdempotencyCache } from '../core/idempotency.js';
import type { ProviderNotification } from '../core/notifications.js';
import type { PaymentService } from '../core/payment-service.js';
import type { ProviderBuyerAct } from '../providers/contract.js';
import type { Merchant, PaycliEvent } from '../engine/types.js';
import type { FaultRules } from '../faults/fault-rules.js';
import type { Store } from '../store/store.js';
import type { WebhookDispatcher } from '../webhooks/dispatcher.js';

export interface ControlContext {
  service: PaymentService;
  /** The same Idempotency-Key records as the API's: every POST honours a key. */
  idempotency: IdempotencyCache;
  dispatcher: WebhookDispatcher;
  activity: ActivityLog;
  store: Store;
  clock: Clock;
  version: string;
  startedAt: number;
  /** Called after the clock is advanced through the API, so due work runs. */
  onClockAdvanced?: () => Promise<void>;
  /** What an event means in its payment's provider (for `listen`, which signs as that provider). */
  notificationsOf: (event: PaycliEvent) => { provider: string; notification: ProviderNotification }[];
  /** Each served provider's credentials for a merchant. */
  credentialsOf: (merchant: Merchant) => Record<string, Record<string, unknown>>;
  /** A merchant's native keys (the native provider's credentials): its publishable key and webhook secret. */
  nativeKeys: (merchant: Merchant) => NativeKeys;
  /** Each served provider's base URL, by name (`GET /_sandbox/providers`). */
  providerUrls?: () => Record<string, string>;
  /**
   * The simulated buyer's action on a provider's own document `ref` names (a Stripe SetupIntent), bound to
   * that provider's host; undefined when no provider holds one (`ref` is then a payment's).
   */
  providerBuyer?: (ref: string) => ProviderBuyerAct | undefined;
  /** PSP API fault rules (`/_sandbox/faults`), applied before the providers' routes. */
  faults: FaultRules;
}
