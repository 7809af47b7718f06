/**
 * `paycli trigger` with Alipay's and WeChat Pay's own notification types, and `paycli events` for their
 * payments, against a real sandbox serving both: every fixture runs the provider's real flow, and what
 * arrives at a real local notify_url verifies with the SDKs merchants use (alipay-sdk checkNotifySign and
 * checkNotifySignV2; wechatpay-axios-plugin's verify and AES-GCM decrypt).
 */
import { promises as fs } from 'node:fs';
import { AlipaySdk } from 'alipay-sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runEventsList, runEventsResend, runEventsShow } from '../../src/commands/events.js';
import { runTrigger } from '../../src/commands/trigger.js';
import { Forwarder } from '../../src/listen/forwarder.js';
import { SandboxClient } from '../../src/sandbox/client.js';
import { alipayTriggers } from '../../src/providers/alipay/trigger-fixtures.js';
import type { AlipayCreds } from '../../src/providers/alipay/credentials.js';
import { loadProviders, PROVIDER_NAMES } from '../../src/providers/registry.js';
import { TRIGGER_PROVIDERS } from '../../src/providers/trigger-registry.js';
import type { WechatpayCredentials } from '../../src/providers/wechatpay/credentials.js';
import { createWechatpayProvider } from '../../src/providers/wechatpay/index.js';
import { wechatpayTriggers } from '../../src/providers/wechatpay/trigger-fixtures.js';
import { FakeClock } from '../../src/clock.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { captureOutput, tempDir, writeRuntimeFile, type Captured } from '../devloop/helpers.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/sandbox.js';
import { sdkConfig } from './alipay/sdk-flows.js';
import { axiosPlugin } from './wechatpay/harness.js';

const { Formatter, Rsa, Aes } = axiosPlugin;

let sandbox: Sandbox;
let dir: string;
let io: Captured;
let receiver: Receiver;

beforeAll(async () => {
  // Refunds settle after 200 ms rather than WeChat Pay's 3 s, so the refund fixtures finish quickly.
  const registry = { ...(await loadProviders()), wechatpay: createWechatpayProvider({ refundDelayMs: 200 }) };
  sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['alipay', 'wechatpay'], registry, retryScheduleMs: [3_600_000] });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
  writeRuntimeFile(dir, sandbox);
  // Alipay wants the body `success`; WeChat Pay any 2xx.
  receiver = await startReceiver((req) => ({ status: 200, body: req.path.startsWith('/alipay') ? 'success' : '' }));
});
afterEach(async () => {
  await receiver.close();
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

const deps = () => ({ cwd: dir, env: {} });
const lastJson = () => JSON.parse(io.out().trim().split('\n').at(-1)!);

function alipaySdk(): AlipaySdk {
  const p = sandbox.providers.alipay!;
  return new AlipaySdk(sdkConfig({ gateway: String(p.description.gateway), endpoint: p.url, creds: p.credentials as AlipayCreds, settle: async () => {}, close: async () => {} }, 'pkcs1'));
}

/** The Alipay notifications received, each verified by alipay-sdk's two verifiers. */
function alipayForms(): { fields: Record<string, string>; verified: [boolean, boolean] }[] {
  const sdk = alipaySdk();
  return receiver.requests
    .filter((r) => r.path.startsWith('/alipay'))
    .map((r) => {
      const fields = Object.fromEntries(new URLSearchParams(r.body));
      return { fields, verified: [sdk.checkNotifySign(fields), sdk.checkNotifySignV2(fields)] as [boolean, boolean] };
    });
}

/** The WeChat Pay notifications received: verified with the WeChat Pay public key, then decrypted with the APIv3 key. */
function wechatNotifications(): { id: string; event_type: string; verified: boolean; resource: Record<string, any> }[] {
  const creds = sandbox.providers.wechatpay!.credentials as WechatpayCredentials;
  return receiver.requests
    .filter((r) => r.path.startsWith('/wechat'))
    .map((r) => {
      const message = Formatter.joinedByLineFeed(r.headers['wechatpay-timestamp'], r.headers['wechatpay-nonce'], r.body);
      const verified = r.headers['wechatpay-serial'] === creds.public_key_id && Rsa.verify(message, String(r.headers['wechatpay-signature']), Rsa.from(creds.public_key, Rsa.KEY_TYPE_PUBLIC));
      const body = JSON.parse(r.body);
      const resource = JSON.parse(Aes.AesGcm.decrypt(body.resource.ciphertext, creds.apiv3_key, body.resource.nonce, body.resource.associated_data));
      return { id: body.id, event_type: body.event_type, verified, resource };
    });
}

describe('trigger --list per provider', () => {
  it('every provider with fixtures is a registered provider', () => {
    for (const name of TRIGGER_PROVIDERS) expect(PROVIDER_NAMES).toContain(name);
  });

  it.each([
    ['alipay', alipayTriggers.fixtures.map((f) => f.name)],
    ['wechatpay', wechatpayTriggers.fixtures.map((f) => f.name)],
  ])('--provider %s lists that provider’s own event names only', async (provider, names) => {
    expect(await runTrigger(undefined, { list: true, provider, json: true }, deps())).toBe(0);
    const listed = lastJson() as { name: string; provider: string; events: string[] }[];
    expect(listed.map((f) => f.name)).toEqual(names);
    expect(new Set(listed.map((f) => f.provider))).toEqual(new Set([provider]));

    io.stdout.length = 0;
    expect(await runTrigger(undefined, { list: true, provider }, deps())).toBe(0);
    for (const name of names) expect(io.out()).toContain(name);
    expect(io.out()).not.toContain('payment.succeeded');
  });

  it('without --provider lists the native fixtures and every provider’s; an unknown provider is a usage error', async () => {
    expect(await runTrigger(undefined, { list: true, json: true }, deps())).toBe(0);
    const providers = new Set((lastJson() as { provider: string }[]).map((f) => f.provider));
    expect(providers).toEqual(new Set(['paycli', ...TRIGGER_PROVIDERS]));
    await expect(runTrigger(undefined, { list: true, provider: 'alipy' }, deps())).rejects.toMatchObject({ code: 'invalid_usage', hint: expect.stringContaining('alipay') });
    await expect(runTrigger('TRADE_SUCCESS', { provider: 'wechatpay' }, deps())).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringContaining('Unknown trigger') });
  });
});

describe('trigger with Alipay notification types', () => {
  it.each(alipayTriggers.fixtures.map((f) => [f.name, f] as const))('%s: a real trade, and genuine signed notifications at --notify-url', async (name, fixture) => {
    const notifyUrl = `${receiver.url.replace(/\/webhooks$/, '')}/alipay/notify`;
    expect(await runTrigger(name, { notifyUrl, json: true }, deps())).toBe(0);
    const result = lastJson();
    expect(result).toMatchObject({ fixture: name, provider: 'alipay', timed_out: false });
    expect(result.events.map((e: { type: string }) => e.type)).toEqual(fixture.events);

    await waitFor(() => alipayForms().length === fixture.events.length);
    const forms = alipayForms();
    for (const f of forms) expect(f.verified).toEqual([true, true]);
    expect(forms.map((f) => f.fields.trade_status)).toEqual(fixture.events);
    expect(forms.map((f) => f.fields.notify_id)).toEqual(result.events.map((e: { id: string }) => e.id));
    for (const f of forms) expect(f.fields).toMatchObject({ out_trade_no: result.payment_ref, app_id: (sandbox.providers.alipay!.credentials as AlipayCreds).app_id, total_amount: '20.00' });
    if (name === 'TRADE_SUCCESS.partial_refund') expect(forms[1]!.fields.refund_fee).toBe('10.00');
    if (name === 'TRADE_CLOSED.full_refund') expect(forms[1]!.fields.refund_fee).toBe('20.00');
  });

  it('without --notify-url the notification reaches `paycli listen`, re-signed as Alipay signs it', async () => {
    const forwarder = new Forwarder({
      client: () => new SandboxClient(sandbox.url, sandbox.merchant.secret_key),
      forwardTo: `${receiver.url.replace(/\/webhooks$/, '')}/alipay/listen`,
      events: null,
      providers: await loadProviders(),
    });
    await forwarder.start(() => {});
    try {
      expect(await runTrigger('TRADE_SUCCESS', { json: true }, deps())).toBe(0);
      const result = lastJson();
      await waitFor(() => alipayForms().length === 1);
      const [form] = alipayForms();
      expect(form!.verified).toEqual([true, true]);
      expect(form!.fields).toMatchObject({ notify_id: result.events[0].id, trade_status: 'TRADE_SUCCESS', out_trade_no: result.payment_ref });
    } finally {
      await forwarder.stop();
    }
  });

  it('--amount sets the trade amount; --currency and --card do not apply', async () => {
    const notifyUrl = `${receiver.url.replace(/\/webhooks$/, '')}/alipay/notify`;
    expect(await runTrigger('TRADE_SUCCESS', { notifyUrl, amount: '1999', json: true }, deps())).toBe(0);
    await waitFor(() => alipayForms().length === 1);
    expect(alipayForms()[0]!.fields.total_amount).toBe('19.99');
    await expect(runTrigger('TRADE_SUCCESS', { currency: 'usd' }, deps())).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringContaining('--currency does not apply') });
    await expect(runTrigger('TRADE_CLOSED', { card: '4242424242424242' }, deps())).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringContaining('--card does not apply') });
  });

  it('prints the steps and the notifications', async () => {
    expect(await runTrigger('TRADE_SUCCESS', {}, deps())).toBe(0);
    const text = io.out();
    expect(text).toContain('Triggered TRADE_SUCCESS');
    expect(text).toContain('alipay.trade.precreate');
    expect(text).toMatch(/TRADE_SUCCESS\s+[0-9a-f]{32}/);
  });
});

describe('trigger with WeChat Pay notification types', () => {
  it.each(wechatpayTriggers.fixtures.map((f) => [f.name, f] as const))('%s: a real order, and encrypted signed notifications at --notify-url', async (name, fixture) => {
    const notifyUrl = `${receiver.url.replace(/\/webhooks$/, '')}/wechat/notify`;
    expect(await runTrigger(name, { notifyUrl, json: true }, deps())).toBe(0);
    const result = lastJson();
    expect(result).toMatchObject({ fixture: name, provider: 'wechatpay', timed_out: false });
    expect(result.events.map((e: { type: string }) => e.type)).toEqual(fixture.events);

    // A payment-code order has no notify_url (WeChat Pay answers it at once): only its refund is posted.
    const posted = name === 'REFUND.ABNORMAL' ? fixture.events.slice(1) : fixture.events;
    await waitFor(() => wechatNotifications().length === posted.length);
    const received = wechatNotifications();
    expect(received.map((n) => n.event_type)).toEqual(posted);
    for (const n of received) {
      expect(n.verified).toBe(true);
      expect(n.resource.out_trade_no).toBe(result.payment_ref);
    }
    expect(received.map((n) => n.id)).toEqual(result.events.slice(fixture.events.length - posted.length).map((e: { id: string }) => e.id));
    if (name === 'TRANSACTION.SUCCESS') expect(received[0]!.resource).toMatchObject({ trade_state: 'SUCCESS', amount: { total: 2000 } });
    if (name === 'REFUND.SUCCESS') expect(received[1]!.resource).toMatchObject({ refund_status: 'SUCCESS', amount: { refund: 2000 } });
    if (name === 'REFUND.ABNORMAL') expect(received[0]!.resource).toMatchObject({ refund_status: 'ABNORMAL' });
  });

  it('on a virtual clock a refund settles only when the clock moves: trigger says so instead of waiting', async () => {
    const clock = new FakeClock(Date.now());
    const virtual = await startSandbox({ port: 0, inMemory: true, providers: ['wechatpay'], clock });
    try {
      writeRuntimeFile(dir, virtual);
      const notifyUrl = `${receiver.url.replace(/\/webhooks$/, '')}/wechat/notify`;
      expect(await runTrigger('REFUND.SUCCESS', { notifyUrl, json: true }, deps())).toBe(0);
      const result = lastJson();
      expect(result.timed_out).toBe(true);
      expect(result.events.map((e: { type: string }) => e.type)).toEqual(['TRANSACTION.SUCCESS']);
      io.stdout.length = 0;
      await runTrigger('REFUND.SUCCESS', { notifyUrl }, deps());
      expect(io.out()).toContain('Still waiting for REFUND.SUCCESS');

      await clock.advance(60_000);
      io.stdout.length = 0;
      await runEventsList({ payment: result.payment_ref, type: 'REFUND.*', json: true }, deps());
      expect(lastJson().data.flatMap((e: { notifications: { type: string }[] }) => e.notifications.map((n) => n.type))).toEqual(['REFUND.SUCCESS']);
    } finally {
      await virtual.close();
    }
  });

  it('a Native order needs --notify-url, named in the error', async () => {
    await expect(runTrigger('TRANSACTION.SUCCESS', {}, deps())).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringContaining('--notify-url') });
    await expect(runTrigger('REFUND.SUCCESS', { notifyUrl: '3000', reason: 'x' }, deps())).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringContaining('--reason does not apply') });
  });
});

describe('events for Alipay and WeChat Pay payments', () => {
  it('Alipay: list (by provider, payment, notification type), show and resend by notify_id, signed as Alipay', async () => {
    const notifyUrl = `${receiver.url.replace(/\/webhooks$/, '')}/alipay/notify`;
    await runTrigger('TRADE_SUCCESS.partial_refund', { notifyUrl, json: true }, deps());
    const triggered = lastJson();
    await waitFor(() => alipayForms().length === 2);

    io.stdout.length = 0;
    expect(await runEventsList({ provider: 'alipay', payment: triggered.payment_ref, json: true }, deps())).toBe(0);
    const listed = lastJson().data as { id: string; type: string; provider: string; notifications: { id: string; type: string }[] }[];
    expect(listed.map((e) => e.type)).toEqual(['refund.succeeded', 'payment.succeeded', 'payment.pending', 'payment.created']);
    expect(listed.every((e) => e.provider === 'alipay')).toBe(true);
    expect(listed.flatMap((e) => e.notifications).reverse()).toEqual(triggered.events);

    io.stdout.length = 0;
    await runEventsList({ type: 'TRADE_SUCCESS', payment: triggered.payment_ref, json: true }, deps());
    expect(lastJson().data.map((e: { type: string }) => e.type)).toEqual(['refund.succeeded', 'payment.succeeded']);
    io.stdout.length = 0;
    await runEventsList({ provider: 'wechatpay', payment: triggered.payment_ref, json: true }, deps());
    expect(lastJson().data).toEqual([]);
    io.stdout.length = 0;
    await runEventsList({ payment: triggered.payment_ref }, deps());
    expect(io.out()).toMatch(/refund\.succeeded\s+re_\w+\s+succeeded\s+alipay TRADE_SUCCESS/);
    expect(io.out()).toMatch(/payment\.created\s+pay_\w+\s+\S+\s+alipay \(not notified\)/);
    await expect(runEventsList({ provider: 'alipy' }, deps())).rejects.toMatchObject({ code: 'invalid_usage' });

    const refundNotification = triggered.events[1] as { id: string; type: string };
    io.stdout.length = 0;
    expect(await runEventsShow(refundNotification.id, {}, deps())).toBe(0);
    expect(io.out()).toContain('refund.succeeded');
    expect(io.out()).toContain(`notification TRADE_SUCCESS  ${refundNotification.id}`);
    expect(io.out()).toMatch(new RegExp(`dlv_\\w+\\s+notify_url\\s+${notifyUrl}\\s+succeeded`));

    io.stdout.length = 0;
    expect(await runEventsResend(refundNotification.id, {}, deps())).toBe(0);
    const forms = alipayForms();
    expect(forms).toHaveLength(3);
    expect(forms[2]!.verified).toEqual([true, true]);
    expect(forms[2]!.fields).toMatchObject({ notify_id: refundNotification.id, trade_status: 'TRADE_SUCCESS', refund_fee: '10.00' });
  });

  it('WeChat Pay: list and show name WeChat event types; resend by notification id posts the same id, verifiable', async () => {
    const notifyUrl = `${receiver.url.replace(/\/webhooks$/, '')}/wechat/notify`;
    await runTrigger('TRANSACTION.SUCCESS', { notifyUrl, json: true }, deps());
    const triggered = lastJson();
    await waitFor(() => wechatNotifications().length === 1);

    io.stdout.length = 0;
    expect(await runEventsList({ provider: 'wechatpay', type: 'TRANSACTION.*', json: true }, deps())).toBe(0);
    const listed = lastJson().data as { id: string; type: string; notifications: { id: string; type: string }[] }[];
    expect(listed[0]).toMatchObject({ type: 'payment.succeeded', notifications: [triggered.events[0]] });

    io.stdout.length = 0;
    expect(await runEventsShow(triggered.events[0].id, { json: true }, deps())).toBe(0);
    const shown = lastJson();
    expect(shown.event).toMatchObject({ id: listed[0]!.id, provider: 'wechatpay', status: 'succeeded', amount: 2000, currency: 'CNY' });
    expect(shown.deliveries).toMatchObject([{ kind: 'notify_url', url: notifyUrl, status: 'succeeded' }]);

    io.stdout.length = 0;
    expect(await runEventsResend(triggered.events[0].id, {}, deps())).toBe(0);
    const received = wechatNotifications();
    expect(received).toHaveLength(2);
    expect(received[1]).toMatchObject({ id: triggered.events[0].id, event_type: 'TRANSACTION.SUCCESS', verified: true });
  });
});
