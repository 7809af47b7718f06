/**
 * RSA signatures computed on libuv's thread pool (node:crypto's `sign` with a callback) instead of on the
 * event loop. A 2048-bit signature costs about a third of a millisecond; the Alipay and WeChat Pay
 * providers sign every answer, and done inline that time stalls every other request the sandbox is
 * serving (the dashboard, the other providers, webhook deliveries). On a machine with a spare core the
 * signature is made beside the event loop, which also raises how many signed answers a port can give.
 */
import { sign, type KeyObject } from 'node:crypto';

/** The base64 RSA PKCS#1 v1.5 signature of `content` (UTF-8) with `digest`, made off the event loop. */
export function rsaSignInPool(digest: 'sha256' | 'sha1', content: string, key: KeyObject): Promise<string> {
  return new Promise((resolve, reject) => {
    // node:crypto throws some key errors where it is called, before the job starts: both become a rejection.
    try {
      sign(digest, Buffer.from(content, 'utf8'), key, (err, signature) => (err ? reject(err) : resolve(signature.toString('base64'))));
    } catch (err) {
      reject(err);
    }
  });
}
