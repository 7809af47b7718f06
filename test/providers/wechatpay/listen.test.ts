/**
 * `paycli listen` forwards WeChat Pay notifications as WeChat sends them: the resource encrypted with the
 * merchant's APIv3 key and the request signed with the `Wechatpay-*` headers, so a notify handler verifies
 * and decrypts a forwarded one exactly as one from WeChat.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Forwarder } from '../../../src/listen/forwarder.js';
import type { WechatpayCredentials } from '../../../src/providers/wechatpay/credentials.js';
import { createWechatpayProvider } from '../../../src/providers/wechatpay/index.js';
import { loadProviders } from '../../../src/providers/registry.js';
import { SandboxClient } from '../../../src/sandbox/client.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/sandbox.js';
import { startReceiver, waitFor, type Receiver } from '../../helpers/sandbox.js';
import { axiosClient, axiosPlugin } from './harness.js';

const { Formatter, Rsa, Aes } = axiosPlugin;
let sandbox: Sandbox | null = null;
let forwarder: Forwarder | null = null;
let app: Receiver | null = null;
afterEach(async () => {
  await forwarder?.stop();
  await sandbox?.close();
  await app?.close();
  forwarder = sandbox = app = null;
});

describe('listen with WeChat Pay', () => {
  it('forwards TRANSACTION.SUCCESS encrypted and signed as WeChat would, acknowledged by 204', async () => {
    const registry = await loadProviders();
    sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['wechatpay'], registry });
    app = await startReceiver(() => ({ status: 204 }));
    const s = sandbox;
    const updates: { event_type: string; acknowledged: boolean }[] = [];
    forwarder = new Forwarder({ client: () => new SandboxClient(s.url, s.merchant.secret_key), forwardTo: app.url, events: null, providers: registry });
    await forwarder.start((u) => {
      if (u.type === 'delivery') updates.push({ event_type: u.event_type, acknowledged: u.acknowledged });
    });

    const wx = s.providers.wechatpay!;
    const creds = wx.credentials as WechatpayCredentials;
    const wxpay = axiosClient({ url: wx.url, creds }, 'public-key');
    await wxpay.v3.pay.transactions.native.post({ appid: creds.appid, mchid: creds.mchid, description: 'listen', out_trade_no: 'LISTEN0001', notify_url: 'http://127.0.0.1:9/unused', amount: { total: 520 } });
    expect((await fetch(`${s.url}/_sandbox/buyer/LISTEN0001/complete`, { method: 'POST' })).status).toBe(200);

    await waitFor(() => app!.requests.some((r) => r.body.includes('TRANSACTION.SUCCESS')));
    const req = app.requests.find((r) => r.body.includes('TRANSACTION.SUCCESS'))!;
    expect(req.headers['wechatpay-serial']).toBe(creds.public_key_id);
    const message = Formatter.joinedByLineFeed(req.headers['wechatpay-timestamp'], req.headers['wechatpay-nonce'], req.body);
    expect(Rsa.verify(message, String(req.headers['wechatpay-signature']), Rsa.from(creds.public_key, Rsa.KEY_TYPE_PUBLIC))).toBe(true);
    const { resource } = JSON.parse(req.body);
    expect(JSON.parse(Aes.AesGcm.decrypt(resource.ciphertext, creds.apiv3_key, resource.nonce, resource.associated_data))).toMatchObject({
      out_trade_no: 'LISTEN0001',
      trade_state: 'SUCCESS',
      amount: { total: 520 },
    });
    await waitFor(() => updates.some((u) => u.event_type === 'TRANSACTION.SUCCESS'));
    expect(updates.find((u) => u.event_type === 'TRANSACTION.SUCCESS')).toEqual({ event_type: 'TRANSACTION.SUCCESS', acknowledged: true });
  });

  it('signs with the platform certificate when the sandbox does (--wechatpay-signing platform-certificate), as its own deliveries are', async () => {
    // The sandbox signs with the platform certificate; listen, in its own process, loads the default provider.
    sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['wechatpay'], registry: { ...(await loadProviders()), wechatpay: createWechatpayProvider({ signing: 'platform-certificate' }) } });
    app = await startReceiver(() => ({ status: 204 }));
    const s = sandbox;
    forwarder = new Forwarder({ client: () => new SandboxClient(s.url, s.merchant.secret_key), forwardTo: `${app.url}/listen`, events: null, providers: await loadProviders() });
    await forwarder.start(() => {});

    const wx = s.providers.wechatpay!;
    const creds = wx.credentials as WechatpayCredentials;
    const wxpay = axiosClient({ url: wx.url, creds }, 'platform-certificate');
    await wxpay.v3.pay.transactions.native.post({ appid: creds.appid, mchid: creds.mchid, description: 'listen', out_trade_no: 'LISTEN0002', notify_url: `${app.url}/notify`, amount: { total: 520 } });
    expect((await fetch(`${s.url}/_sandbox/buyer/LISTEN0002/complete`, { method: 'POST' })).status).toBe(200);

    await waitFor(() => app!.requests.length === 2);
    for (const req of app.requests) {
      expect(req.headers['wechatpay-serial'], req.path).toBe(creds.platform_serial);
      const message = Formatter.joinedByLineFeed(req.headers['wechatpay-timestamp'], req.headers['wechatpay-nonce'], req.body);
      expect(Rsa.verify(message, String(req.headers['wechatpay-signature']), creds.platform_cert), req.path).toBe(true);
    }
    expect(app.requests.map((r) => r.path).sort()).toEqual(['/webhooks/listen', '/webhooks/notify']);
  });
});
