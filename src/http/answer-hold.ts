/**
 * How a handler asks the host to hold its answer until what it shows is durable (the sandbox's
 * `durable-answers.ts`). A GET's answer, or an error, is held anyway; a POST that only reads (Alipay's
 * query methods, all of which are POSTs to the gateway) says so here.
 */
import type { Response } from 'express';

/** The `res.locals` key the host reads. */
export const HOLD_ANSWER = 'holdUntilDurable';

/** This answer shows state: send it only once everything staged before it is durable. */
export function holdUntilDurable(res: Response): void {
  res.locals[HOLD_ANSWER] = true;
}
