import { PaycliError } from '../errors.js';

/**
 * Guards an amount the engine is asked to move (capture, refund). The provider's schema rejects bad
 * amounts first; this keeps a future provider or the control API from capturing 0 or refunding -5 and
 * corrupting balances if its validation misses one.
 */
export function assertPositiveAmount(amount: number, param = 'amount'): void {
  if (!Number.isSafeInteger(amount) || amount < 1) {
    throw new PaycliError('parameter_invalid', `Invalid ${param}: ${amount} is not a positive integer number of minor units.`, { param });
  }
}
