/**
 * paycli as a library: `import { startSandbox } from 'paycli'`. Start the mock PSP in a test, drive it
 * with a FakeClock, and read its domain objects. The CLI is a caller of the same function.
 *
 * @example
 * import { startSandbox, FakeClock } from 'paycli';
 * const clock = new FakeClock(Date.now());
 * const sandbox = await startSandbox({ port: 0, inMemory: true, clock });
 * // … point your app at sandbox.url with sandbox.merchant.secret_key …
 * await sandbox.close();
 */
export { startSandbox, DEFAULT_PORT, DEFAULT_HOST } from './sandbox/sandbox.js';
export type { Sandbox, SandboxOptions, ServedProvider } from './sandbox/sandbox.js';
export { FakeClock, SystemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { PaycliError, ERROR_CODES } from './errors.js';
export type { ErrorCode, PaycliErrorOptions } from './errors.js';
export { PROVIDER_NAMES, loadProviders } from './providers/registry.js';
export { TEST_CARDS } from './engine/cards.js';
export type { TestCard, CardBehaviour } from './engine/cards.js';
export { EVENT_TYPES, DOMAIN_EVENT_TYPES } from './engine/types.js';
export { isRefundEvent, paymentIdOf } from './engine/events.js';
export type { NativeKeys } from './core/credentials.js';
export type {
  CaptureMethod,
  CardDetails,
  EventType,
  FeeSchedule,
  Merchant,
  NativeEventType,
  RequiredBuyerAction,
  Payment,
  PaymentMethodSnapshot,
  PaymentStatus,
  PaycliEvent,
  PaymentEvent,
  PaymentEventType,
  Refund,
  RefundEvent,
  RefundEventType,
  RefundStatus,
  WalletType,
  WebhookEndpoint,
} from './engine/types.js';
// For a protocol of your own (pass `{ ...(await loadProviders()), mine }` as `registry`).
export type {
  AnyProvider,
  Credentials,
  MintContext,
  Provider,
  ProviderHost,
  ProviderName,
  ProviderNotification,
  ProviderNotifications,
  RenderedError,
  StoredNotification,
  UnitOfWork,
} from './providers/contract.js';
export type { Delivery, DeliveryAttempt, DeliveryStatus } from './webhooks/delivery.js';
