/**
 * Each provider's credentials per merchant, in the `provider_credentials` collection (id
 * `<provider>:<merchant id>`): minted on first start, reused after, so a merchant's configured keys stay
 * valid across restarts of a file-backed sandbox. Minting is async (RSA keys take ~100 ms each) and
 * happens once per provider and merchant; reads after that are synchronous.
 *
 * The native provider's credentials are the merchant's keys to the sandbox itself (`NativeKeys`): its
 * secret key authenticates the native API and the control API, its webhook secret signs native
 * notifications and what `listen` forwards. `native` reads them and `merchantIdForSecretKey` finds whose
 * a presented key is.
 */
import { timingSafeEqual } from 'node:crypto';
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

/** The native provider, whose credentials are the merchant's keys to the native and control APIs. */
export const NATIVE_PROVIDER = 'paycli';

export interface NativeKeys {
  secret_key: string;
  publishable_key: string;
  /** Signs notifications sent to a payment's notify_url and to --forward-to. */
  webhook_secret: string;
}

/** Mints fresh credentials (a provider's `mint`). */
export type Minter = (ctx: { random: RandomSource; newId(prefix: string): string; nowMs: number; merchant: Merchant }) => Promise<Record<string, unknown>>;

export class CredentialStore {
  private readonly minting = new Map<string, Promise<Record<string, unknown>>>();
  /** Each merchant's native secret key as bytes, made once (and again after minting) rather than per request. */
  private secretKeys: { key: Buffer; merchantId: string }[] | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: RandomSource,
    private readonly newId: (prefix: string) => string,
  ) {
    // A failed write may have undone minted credentials.
    store.onRollback?.(() => (this.secretKeys = null));
  }

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
        this.store.put<CredentialsDoc>('provider_credentials', CredentialStore.doc(provider, merchant.id, creds, this.clock.now()));
        this.secretKeys = null;
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

  /** The merchant's native keys; they must have been ensured (at start). */
  native(merchant: Merchant): NativeKeys {
    return this.get<NativeKeys>(NATIVE_PROVIDER, merchant);
  }

  /** The merchant whose native secret key `secretKey` is, or undefined. */
  merchantIdForSecretKey(secretKey: string): string | undefined {
    this.secretKeys ??= this.store
      .list<CredentialsDoc>('provider_credentials')
      .filter((d) => d.provider === NATIVE_PROVIDER && typeof d.creds.secret_key === 'string')
      .map((d) => ({ key: Buffer.from(d.creds.secret_key as string), merchantId: d.merchant_id }));
    // Compared in constant time, so response timing does not reveal how much of a guessed key matched.
    const given = Buffer.from(secretKey);
    for (const { key, merchantId } of this.secretKeys) {
      if (key.length === given.length && timingSafeEqual(key, given)) return merchantId;
    }
    return undefined;
  }

  /** A credentials document, for a caller that brings a merchant's credentials with it (a scenario run's keys). */
  static doc(provider: string, merchantId: string, creds: Record<string, unknown>, createdMs: number): CredentialsDoc {
    return { id: CredentialStore.id(provider, merchantId), provider, merchant_id: merchantId, creds, created: createdMs };
  }
}
