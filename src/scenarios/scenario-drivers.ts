/**
 * The providers scenarios can drive (`setup.provider`), by name: one line each. A line holds the
 * notification types the provider sends (synchronously, so validating a scenario file needs no driver)
 * and a lazy import of its driver (`src/providers/<name>/scenario-driver.ts`), so listing and validating
 * scenarios loads no protocol code. A test keeps each list equal to its driver's `notificationTypes`.
 */
import { EVENT_TYPES } from '../engine/types.js';
import { STRIPE_EVENT_TYPES } from '../providers/stripe/stripe-events.js';
import { ALIPAY_NOTIFICATION_TYPES, ALIPAY_STALE_PROBE } from '../providers/alipay/notification-types.js';
import { WECHATPAY_NOTIFICATION_TYPES } from '../providers/wechatpay/notification-types.js';
import { PaycliError } from '../errors.js';
import type { ScenarioDriver } from './psp-driver.js';
import type { NotificationProbe } from '../webhooks/notification-protocol.js';

export interface DriverEntry {
  /** What a scenario's `events:`, `event:` and `notification_order` may name for this provider. */
  notificationTypes: readonly string[];
  /** Bad-signature probes that mean nothing for this protocol, with why (e.g. no signed timestamp: no `stale`). */
  unsupportedProbes?: Partial<Record<NotificationProbe, string>>;
  load(): Promise<ScenarioDriver>;
}

const DRIVERS: Readonly<Record<string, DriverEntry>> = {
  paycli: { notificationTypes: EVENT_TYPES, load: async () => (await import('../providers/paycli/scenario-driver.js')).paycliScenarioDriver },
  stripe: { notificationTypes: STRIPE_EVENT_TYPES, load: async () => (await import('../providers/stripe/scenario-driver.js')).stripeScenarioDriver },
  alipay: {
    notificationTypes: ALIPAY_NOTIFICATION_TYPES,
    unsupportedProbes: { stale: ALIPAY_STALE_PROBE },
    load: async () => (await import('../providers/alipay/scenario-driver.js')).alipayScenarioDriver,
  },
  wechatpay: { notificationTypes: WECHATPAY_NOTIFICATION_TYPES, load: async () => (await import('../providers/wechatpay/scenario-driver.js')).wechatpayScenarioDriver },
};

/** The native provider: what a scenario without `setup.provider` runs against. */
export const NATIVE_PROVIDER = 'paycli';

/** Every provider a scenario may name in `setup.provider`, native first. */
export const SCENARIO_PROVIDERS: readonly string[] = Object.keys(DRIVERS);

/** Whether scenarios can drive this provider. */
export function isScenarioProvider(name: string): boolean {
  return Object.hasOwn(DRIVERS, name);
}

/** The notification types of a provider scenarios can drive. */
export function notificationTypesOf(provider: string): readonly string[] {
  return DRIVERS[provider]?.notificationTypes ?? [];
}

/** Why a probe means nothing for a provider's notifications; null when it is supported. */
export function unsupportedProbe(provider: string, probe: NotificationProbe): string | null {
  return DRIVERS[provider]?.unsupportedProbes?.[probe] ?? null;
}

/** Every notification type of every provider, for checks that do not know the scenario's provider yet. */
export const ALL_NOTIFICATION_TYPES: readonly string[] = [...new Set(Object.values(DRIVERS).flatMap((d) => d.notificationTypes))];

/** Loads a provider's driver; `invalid_usage` naming the providers scenarios support for any other name. */
export async function loadDriver(provider: string): Promise<ScenarioDriver> {
  const entry = DRIVERS[provider];
  if (!entry) {
    throw new PaycliError('invalid_usage', `Scenarios cannot drive the provider "${provider}".`, { hint: `Scenario providers: ${SCENARIO_PROVIDERS.join(', ')}.` });
  }
  return entry.load();
}
