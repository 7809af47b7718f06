/**
 * Ids and keys. A running sandbox uses crypto randomness; a seeded sandbox (scenario replay) uses a small
 * deterministic generator so the same scenario produces the same ids on every run.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface RandomSource {
  /** `n` random bytes. */
  bytes(n: number): Buffer;
}

/**
 * Crypto randomness from a pooled buffer: one `randomBytes` call per 4 KiB instead of one per id (each
 * call costs ~2.7 µs, and a created payment needs three ids). Handed-out slices are never rewritten:
 * a spent pool is replaced, not refilled.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;
export const cryptoRandom: RandomSource = {
  bytes(n) {
    if (n > POOL_BYTES) return randomBytes(n);
    if (poolOffset + n > pool.length) {
      pool = randomBytes(POOL_BYTES);
      poolOffset = 0;
    }
    poolOffset += n;
    return pool.subarray(poolOffset - n, poolOffset);
  },
};

/** sfc32, seeded from a string: fast, tiny, and plenty for ids that only need to be repeatable. */
export function seededRandom(seed: string): RandomSource {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const next32 = () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
  let a = next32(), b = next32(), c = next32(), d = next32();
  const sfc32 = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  return {
    bytes(n) {
      const buf = Buffer.alloc(n);
      for (let i = 0; i < n; i++) buf[i] = sfc32() & 0xff;
      return buf;
    },
  };
}

const ALPHABET_CODES = Buffer.from(ALPHABET, 'latin1');

function base62(source: RandomSource, length: number): string {
  const bytes = source.bytes(length);
  // One buffer decoded once: appending 24 characters one by one allocated a string per character.
  const out = Buffer.allocUnsafe(length);
  // 62 does not divide 256; the small bias is irrelevant for sandbox ids.
  for (let i = 0; i < length; i++) out[i] = ALPHABET_CODES[bytes[i]! % 62]!;
  return out.toString('latin1');
}

/** Makes `prefix_XXXXXXXXXXXXXXXXXXXXXXXX` ids from a random source. */
export function idGenerator(source: RandomSource): (prefix: string) => string {
  return (prefix) => `${prefix}_${base62(source, 24)}`;
}

export function newSecretKey(source: RandomSource): string {
  return `sk_test_${base62(source, 32)}`;
}

export function newPublishableKey(source: RandomSource): string {
  return `pk_test_${base62(source, 32)}`;
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(source: RandomSource): string {
  return `whsec_${source.bytes(32).toString('base64')}`;
}
