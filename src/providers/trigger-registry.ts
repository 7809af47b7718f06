/**
 * The providers that supply trigger fixtures (trigger-contract.ts), by registry name: one line each, each
 * imported lazily, so `paycli --version` and the command table never load them. The native provider's
 * fixtures live in `src/trigger/fixtures.ts` (they call the native API through the sandbox client).
 */
import type { ProviderTriggers } from './trigger-contract.js';

const TRIGGERS: Readonly<Record<string, () => Promise<ProviderTriggers>>> = {
  stripe: async () => (await import('./stripe/trigger-fixtures.js')).stripeTriggers,
  alipay: async () => (await import('./alipay/trigger-fixtures.js')).alipayTriggers,
  wechatpay: async () => (await import('./wechatpay/trigger-fixtures.js')).wechatpayTriggers,
};

/** The providers with fixtures of their own, in registry order. */
export const TRIGGER_PROVIDERS: readonly string[] = Object.keys(TRIGGERS);

/** A provider's fixtures; undefined when it has none. */
export async function providerTriggers(name: string): Promise<ProviderTriggers | undefined> {
  return Object.hasOwn(TRIGGERS, name) ? TRIGGERS[name]!() : undefined;
}
