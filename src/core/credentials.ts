/**
 * Each provider's credentials per merchant, in the `provider_credentials` collection (id
 * `<provider>:<merchant id>`): minted on first start, reused after, so a merchant's configured keys stay
 * valid across restarts of a file-backed sandbox. Minting is async (RSA keys take ~100 ms each) and
 * happens once per provider and merchant; reads after that are synchronous.
 */
import type { Clock } from '../clock.js';
import type { Merchant } from '../engine/types.js';
import { PaycliError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { RandomSource } from './ids.js';

export interface CredentialsDoc {
  id: string;
  provider: string;
  merchant_id: string;
  creds: Record<string, unknown>;
  /** Milliseconds since the epoch. */
  created: number;
}

/** Mints fresh credentials (a provider's `mint`). */
export type Minter = (ctx: { random: RandomSource; newId(prefix: string): string; nowMs: number; merchant: Merchant }) => Promise<Record<string, unknown>>;

export class CredentialStore {
  private readonly minting = new Map<string, Promise<Record<string, unknown>>>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly newId: (prefix: string) => string,
  ) {}

  private static id(provider: string, merchantId: string): string {
    return `${provider}:${merchantId}`;
  }

  /** The stored credentials, or, on first use, freshly minted and committed ones. */
  async ensure(provider: string, merchant: Merchant, mint: Minter): Promise<Record<string, unknown>> {
    const id = CredentialStore.id(provider, merchant.id);
    const stored = this.store.get<CredentialsDoc>('provider_credentials', id);
    if (stored) return stored.creds;
    let pending = this.minting.get(id);
    if (!pending) {
      pending = (async () => {
        const creds = await mint({ random: this.random, newId: this.newId, nowMs: this.clock.now(), merchant });
        this.store.put<CredentialsDoc>('provider_credentials', { id, provider, merchant_id: merchant.id, creds, created: this.clock.now() });
        await this.store.commit();
        return creds;
      })().finally(() => this.minting.delete(id));
      this.minting.set(id, pending);
    }
    return pending;
  }

  /** The credentials of a provider for a merchant; they must have been ensured (at start). */
  get<C = Record<string, unknown>>(provider: string, merchant: Merchant): C {
    const doc = this.store.get<CredentialsDoc>('provider_credentials', CredentialStore.id(provider, merchant.id));
    if (!doc) throw new PaycliError('internal_error', `No ${provider} credentials for merchant ${merchant.id} yet; the sandbox mints them at start.`);
    return doc.creds as C;
  }

  /** The stored credentials, if any. */
  find<C = Record<string, unknown>>(provider: string, merchantId: string): C | undefined {
    return this.store.get<CredentialsDoc>('provider_credentials', CredentialStore.id(provider, merchantId))?.creds as C | undefined;
  }
}
