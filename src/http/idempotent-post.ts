/**
 * Answers a POST under the Idempotency-Key rules (see idempotency.ts), for every provider's routes and the
 * control API alike: without a key the handler just runs; with one, a repeat gets the stored answer and an
 * `Idempotent-Replayed: true` header, and creates nothing.
 */
import type { Request, Response } from 'express';
import { IdempotencyCache, type IdempotencyTicket, type StoredResponse } from '../core/idempotency.js';
import { sendPostJson } from './json-response.js';

/**
 * Computes a response. With an Idempotency-Key it gets a ticket to pass to its unit of work, so the stored
 * answer shares that commit; without one, null.
 */
export type PostExec = (ticket: IdempotencyTicket | null) => Promise<StoredResponse>;

export async function answerPost(req: Request, res: Response, idempotency: IdempotencyCache, scope: string, exec: PostExec): Promise<void> {
  const key = req.get('Idempotency-Key');
  if (key === undefined) {
    const r = await exec(null);
    sendPostJson(res, r.status, r.body);
    return;
  }
  const fingerprint = IdempotencyCache.fingerprint('POST', req.originalUrl, req.body);
  const { response, replayed } = await idempotency.run(scope, key, fingerprint, exec);
  if (replayed) {
    res.setHeader('Idempotent-Replayed', 'true');
    res.locals.idempotentReplay = true;
  }
  sendPostJson(res, response.status, response.body);
}
