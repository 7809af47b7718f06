/**
 * `paycli listen` forwards Alipay notifications re-signed as Alipay signs them: the form body a merchant's
 * notify handler verifies with alipay-sdk (both verifiers), acknowledged only by the body `success`.
 */
import { AlipaySdk } from 'alipay-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { Forwarder } from '../../../src/listen/forwarder.js';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { loadProviders } from '../../../src/providers/registry.js';
import { SandboxClient } from '../../../src/sandbox/client.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/sandbox.js';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { sdkConfig } from './sdk-flows.js';

let sandbox: Sandbox | null = null;
let forwarder: Forwarder | null = null;
let app: Receiver | null = null;
afterEach(async () => {
  await forwarder?.stop();
  await sandbox?.close();
  await app?.close();
  forwarder = sandbox = app = null;
});

describe('listen with Alipay', () => {
  it('forwards each Alipay notification as Alipay sends it, judged by the exact body success', async () => {
    sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['alipay'] });
    const s = sandbox;
    const p = s.providers.alipay!;
    const creds = p.credentials as AlipayCreds;
    const sdk = new AlipaySdk(sdkConfig({ gateway: String(p.description.gateway), endpoint: p.url, creds, settle: async () => {}, close: async () => {} }, 'pkcs1'));
    // The first answer is not Alipay's acknowledgement, the second is.
    app = await startReceiver((_req, i) => ({ status: 200, body: i === 0 ? 'ok' : 'success' }));
    const updates: { event_type: string; acknowledged: boolean }[] = [];
    forwarder = new Forwarder({ client: () => new SandboxClient(s.url, s.merchant.secret_key), forwardTo: app.url, events: null, providers: await loadProviders() });
    await forwarder.start((u) => {
      if (u.type === 'delivery') updates.push({ event_type: u.event_type, acknowledged: u.acknowledged });
    });

    const paid = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo: 'L-1', scene: 'bar_code', authCode: '281234567890123456', totalAmount: '3.00', subject: 'listen' } }, { validateSign: true });
    expect(paid.code).toBe('10000');
    await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: 'L-1', refundAmount: '1.00', outRequestNo: 'r1' } }, { validateSign: true });
    await waitFor(() => app!.requests.length === 2);
    const forms = app.requests.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    expect(forms.map((f) => [f.out_trade_no, f.trade_status, f.refund_fee ?? null])).toEqual([
      ['L-1', 'TRADE_SUCCESS', null],
      ['L-1', 'TRADE_SUCCESS', '1.00'],
    ]);
    for (const f of forms) expect([sdk.checkNotifySign(f), sdk.checkNotifySignV2(f)]).toEqual([true, true]);
    await waitFor(() => updates.length === 2);
    expect(updates.map((u) => u.acknowledged)).toEqual([false, true]);
  });
});
