/**
 * What the Stripe provider needs from the sandbox core: its URL, key lookup, and units of work that commit
 * the provider's documents, domain changes and the Stripe events they raise together (the host delivers
 * those events once committed).
 */
import type { Merchant } from '../../engine/types.js';
import type { StripeCollection, StripeUnit } from './stripe-state.js';
import type { RequestInfo } from './wire-objects.js';

export type KeyKind = 'secret' | 'publishable';

export interface StripeHost {
  /** The provider's own base URL (API and buyer pages), known once it listens. */
  baseUrl(): string;
  /** The merchant and kind of an API key (`sk_test_…` or `pk_test_…`), or undefined. */
  authenticate(key: string): { merchant: Merchant; kind: KeyKind } | undefined;
  merchantById(id: string): Merchant | undefined;
  /** Reads a committed document outside a unit of work (buyer pages find their merchant this way). */
  peek<T extends { id: string }>(collection: StripeCollection, id: string): T | undefined;
  /**
   * Runs `work` as one unit of work: what it stages is committed in one durable write before the promise
   * resolves. `work` must not throw after staging (answers such as a 402 are returned, not thrown).
   */
  run<T>(merchant: Merchant, request: RequestInfo, work: (unit: StripeUnit) => T): Promise<T>;
}
