/**
 * RSA signatures computed on libuv's thread pool (node:crypto's `sign` with a callback) instead of on the
 * event loop. A 2048-bit signature costs about a third of a millisecond; the Alipay and WeChat Pay
 * providers sign every answer, and done inline that time stalls every other request the sandbox is
 * serving (the dashboard, the other providers, webhook deliveries). On a machine with a spare core the
 * signature is made beside the event loop, which also raises how many signed answers a port can give.
 *
 * At most one signature per spare core (the cores beyond the event loop's) runs at once; the others wait
 * here, in order. Every request passes through the event loop's one thread: signatures on more threads
 * than there are spare cores only take turns with it on the CPU, slowing every request without making
 * more signatures per second. Waiting here rather than in libuv's queue also keeps the pool's other
 * threads free for the data file's writes, which every write request waits for.
 */
import { sign, type KeyObject } from 'node:crypto';
import os from 'node:os';

/** Signatures made at once: one per core beyond the event loop's, at least one. */
export const SIGNING_THREADS = Math.max(1, Math.min(4, os.availableParallelism() - 1));

let running = 0;
const waiting: (() => void)[] = [];

/** The base64 RSA PKCS#1 v1.5 signature of `content` (UTF-8) with `digest`, made off the event loop. */
export function rsaSignInPool(digest: 'sha256' | 'sha1', content: string, key: KeyObject): Promise<string> {
  return new Promise((resolve, reject) => {
    const start = (): void => {
      running++;
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        running--;
        waiting.shift()?.();
      };
      // node:crypto throws some key errors where it is called, before the job starts: both become a rejection.
      try {
        sign(digest, Buffer.from(content, 'utf8'), key, (err, signature) => {
          release();
          if (err) reject(err);
          else resolve(signature.toString('base64'));
        });
      } catch (err) {
        release();
        reject(err);
      }
    };
    if (running < SIGNING_THREADS) start();
    else waiting.push(start);
  });
}
