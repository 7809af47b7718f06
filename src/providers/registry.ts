/**
 * Every provider the sandbox can serve, by name. Adding a provider is a folder under `src/providers/`
 * exporting a `Provider` (see contract.ts) and one line here; the sandbox, the CLI flags
 * (`--providers`, `--<name>-port`), the config keys and the readiness line all read this table.
 */
import type { AnyProvider } from './contract.js';
import { paycliProvider } from './paycli/index.js';

export const PROVIDERS: Readonly<Record<string, AnyProvider>> = {
  paycli: paycliProvider,
};

/** The registered names, in table order (the native provider first). */
export const PROVIDER_NAMES: readonly string[] = Object.keys(PROVIDERS);

/** The provider of that name, if registered. */
export function providerNamed(name: string): AnyProvider | undefined {
  return Object.hasOwn(PROVIDERS, name) ? PROVIDERS[name] : undefined;
}
