/**
 * The "done when" flows: alipay-sdk, unmodified, pointed at a real sandbox only through `gateway` and
 * `endpoint`, in key mode with PKCS#1 and PKCS#8 keys and in certificate mode (contents and files), with
 * notifications delivered by the sandbox's dispatcher and verified by both SDK verifiers.
 */
import type { Delivery } from '../../../src/webhooks/delivery.js';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { startSandbox } from '../../../src/sandbox/sandbox.js';
import { waitFor } from '../../helpers/sandbox.js';
import { describeSdkFlows, type AlipayTarget, type KeyMode } from './sdk-flows.js';

export async function startAlipaySandbox(): Promise<AlipayTarget & { sandboxUrl: string }> {
  const s = await startSandbox({ port: 0, inMemory: true, providers: ['alipay'] });
  const p = s.providers.alipay!;
  return {
    gateway: String(p.description.gateway),
    endpoint: p.url,
    sandboxUrl: s.url,
    creds: p.credentials as AlipayCreds,
    // Every notification raised so far has had its first attempt answered.
    settle: () => waitFor(() => s.store.list<Delivery>('deliveries').every((d) => d.attempts.length > 0), 10_000),
    close: () => s.close(),
  };
}

const modes: KeyMode[] = ['pkcs1', 'pkcs8', 'cert-content', 'cert-path'];
for (const mode of modes) describeSdkFlows('sandbox', mode, startAlipaySandbox);
