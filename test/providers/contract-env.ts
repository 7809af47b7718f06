/** The contract suite's environment for integration tests: real local receivers, closed after each test. */
import { afterEach } from 'vitest';
import type { ContractEnv } from '../../src/providers/provider-contract.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/sandbox.js';

export function contractEnv(): ContractEnv {
  const open: Receiver[] = [];
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });
  return {
    async receiver(answer) {
      const r = await startReceiver((_req, i) => answer(i));
      open.push(r);
      return { url: r.url, requests: r.requests };
    },
    waitFor: (check) => waitFor(check),
  };
}
