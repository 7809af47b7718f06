/**
 * A real sandbox serving the Stripe provider on a free port, in memory, with quick retries, for the tests
 * that drive it with stripe-node.
 */
import type { StripeCredentials } from '../../../src/providers/stripe/index.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../../src/sandbox/sandbox.js';

export interface StripeSandbox {
  sandbox: Sandbox;
  /** The Stripe provider's base URL. */
  url: string;
  keys: StripeCredentials;
  close(): Promise<void>;
}

export async function startStripeSandbox(options: SandboxOptions = {}): Promise<StripeSandbox> {
  const sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['stripe'], retryScheduleMs: [20, 40], ...options });
  const served = sandbox.providers.stripe;
  if (!served) throw new Error('the sandbox does not serve the stripe provider');
  return { sandbox, url: served.url, keys: served.credentials as StripeCredentials, close: () => sandbox.close() };
}
