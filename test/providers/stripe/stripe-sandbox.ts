/**
 * A real sandbox serving the Stripe provider on a free port, in memory, with quick retries, for the tests
 * that drive it with stripe-node.
 */
import Stripe from 'stripe';
import { afterEach } from 'vitest';
import { startReceiver, type Receiver } from '../../helpers/sandbox.js';
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

/** stripe-node pointed at the sandbox as a merchant would: host, port, protocol and no retries, nothing else. */
export function stripeNode(s: StripeSandbox, key = s.keys.secret_key): Stripe {
  const url = new URL(s.url);
  return new Stripe(key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
}

/** The error a stripe-node call fails with (and a test failure when it succeeds). */
export async function failure(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (err) {
    return err as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to fail');
}

/**
 * Sandboxes and receivers a test file opens, closed after each test, newest first; `cleanup` takes
 * anything else to undo.
 */
export function stripeTestResources() {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
  });
  return {
    cleanup,
    async sandbox(options: SandboxOptions = {}): Promise<StripeSandbox> {
      const s = await startStripeSandbox(options);
      cleanup.push(() => s.close());
      return s;
    },
    async receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
      const r = await startReceiver(...args);
      cleanup.push(() => r.close());
      return r;
    },
  };
}
