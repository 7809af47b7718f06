/**
 * Every provider the sandbox can serve, by name: one line each. Adding a provider is a folder under
 * `src/providers/` exporting a `Provider` (see contract.ts) and one line here; the sandbox, the CLI flags
 * (`--providers`, `--<name>-port`), the config keys and the readiness line all read this table.
 *
 * Each line imports its provider lazily, so the CLI can list the names (for its flags) without loading
 * express, SDK-sized protocol code or key material, and `paycli --version` stays fast.
 */
import type { AnyProvider } from './contract.js';

const REGISTRY: Readonly<Record<string, () => Promise<AnyProvider>>> = {
  paycli: async () => (await import('./paycli/index.js')).paycliProvider,
  stripe: async () => (await import('./stripe/index.js')).stripeProvider,
  alipay: async () => (await import('./alipay/index.js')).alipayProvider,
  wechatpay: async () => (await import('./wechatpay/index.js')).wechatpayProvider,
};

/** The registered names, in table order (the native provider first). */
export const PROVIDER_NAMES: readonly string[] = Object.keys(REGISTRY);

/** Loads the whole table: name → provider. */
export async function loadProviders(): Promise<Record<string, AnyProvider>> {
  const loaded = await Promise.all(PROVIDER_NAMES.map(async (name) => [name, await REGISTRY[name]!()] as const));
  return Object.fromEntries(loaded);
}

/**
 * The table with WeChat Pay signing answers and notifications with the key the merchant chose
 * (`--wechatpay-signing`); null keeps its default (the WeChat Pay public key).
 */
export async function loadProvidersSigning(wechatpaySigning: 'public-key' | 'platform-certificate' | null): Promise<Record<string, AnyProvider>> {
  const providers = await loadProviders();
  if (wechatpaySigning === null) return providers;
  const { createWechatpayProvider } = await import('./wechatpay/index.js');
  return { ...providers, wechatpay: createWechatpayProvider({ signing: wechatpaySigning }) };
}
