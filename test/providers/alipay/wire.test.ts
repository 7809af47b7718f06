/**
 * The Alipay wire protocol proven with alipay-sdk against the provider's router over an in-memory
 * backend, in every key mode.
 */
import { startAlipayHarness } from './harness.js';
import { describeSdkFlows, type KeyMode } from './sdk-flows.js';

const modes: KeyMode[] = ['pkcs1', 'pkcs8', 'cert-content', 'cert-path'];
for (const mode of modes) {
  describeSdkFlows('wire', mode, async () => {
    const h = await startAlipayHarness();
    return { gateway: h.gateway, endpoint: h.url, creds: h.creds, settle: h.settled, close: h.close };
  });
}
