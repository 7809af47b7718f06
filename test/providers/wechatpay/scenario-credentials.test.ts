/**
 * The fixed WeChat Pay credentials of scenario runs (builtin/credentials/wechatpay.json): the shape the
 * provider mints, key pairs that belong together, certificates valid for 20 years, and a sandbox whose store
 * holds them serving them, driven by wechatpay-axios-plugin verifying every response in both signing modes.
 */
import { createPublicKey, createSign, createVerify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../../src/clock.js';
import type { CredentialsDoc } from '../../../src/core/credentials.js';
import { cryptoRandom } from '../../../src/core/ids.js';
import { DEFAULT_FEES } from '../../../src/engine/settlement.js';
import type { Merchant } from '../../../src/engine/types.js';
import { mintWechatpayCredentials, SIGNING_MODES, type WechatpayCredentials } from '../../../src/providers/wechatpay/credentials.js';
import { createWechatpayProvider } from '../../../src/providers/wechatpay/index.js';
import { loadProviders } from '../../../src/providers/registry.js';
import { startSandbox } from '../../../src/sandbox/sandbox.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { axiosClient } from './harness.js';

const file = path.resolve(import.meta.dirname, '../../../builtin/credentials/wechatpay.json');
const { _comment: comment, ...fixed } = JSON.parse(readFileSync(file, 'utf8')) as WechatpayCredentials & { _comment: string };

const pairs = (privateKey: string, publicPem: string) => {
  const sig = createSign('RSA-SHA256').update('paycli').sign(privateKey, 'base64');
  return createVerify('RSA-SHA256').update('paycli').verify(createPublicKey(publicPem), sig, 'base64');
};

describe('the fixed WeChat Pay credentials of scenario runs', () => {
  it('are what the provider mints, say they are public and test-only, and hold together for 20 years', async () => {
    expect(comment).toMatch(/public, test-only/);
    const minted = await mintWechatpayCredentials({ random: cryptoRandom, nowMs: Date.now() });
    expect(Object.keys(fixed).sort()).toEqual(Object.keys(minted).sort());
    expect(fixed.mchid).toMatch(/^19\d{8}$/);
    expect(fixed.apiv3_key).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(pairs(fixed.merchant_private_key, fixed.merchant_cert)).toBe(true);
    expect(pairs(fixed.platform_private_key, fixed.platform_cert)).toBe(true);
    expect(pairs(fixed.public_key_private_key, fixed.public_key)).toBe(true);
    expect(pairs(fixed.merchant_private_key, fixed.platform_cert)).toBe(false);
    for (const [pem, serial] of [
      [fixed.merchant_cert, fixed.merchant_serial],
      [fixed.platform_cert, fixed.platform_serial],
    ] as const) {
      const cert = new X509Certificate(pem);
      expect(cert.serialNumber.toUpperCase()).toBe(serial);
      expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(Date.parse('2025-01-01T00:00:00Z'));
      expect(Date.parse(cert.validTo)).toBeGreaterThanOrEqual(Date.parse('2044-12-31T00:00:00Z'));
    }
  });

  it.each(SIGNING_MODES)('are served by a sandbox whose store holds them, and wechatpay-axios-plugin verifies every answer (%s)', async (signing) => {
    const store = new MemoryStore();
    const merchant: Merchant = {
      id: 'mch_fixedcreds',
      name: 'Scenario merchant',
      fees: DEFAULT_FEES,
      risk_max_amount: null,
      created: 1_767_225_600,
    };
    store.put('merchants', merchant);
    store.put<CredentialsDoc>('provider_credentials', { id: `wechatpay:${merchant.id}`, provider: 'wechatpay', merchant_id: merchant.id, creds: fixed, created: 1_767_225_600_000 });
    const registry = { ...(await loadProviders()), wechatpay: createWechatpayProvider({ signing }) };
    const sandbox = await startSandbox({ port: 0, store, registry, providers: ['paycli', 'wechatpay'], signatureClock: new SystemClock() });
    try {
      const served = sandbox.providers.wechatpay!;
      expect(served.credentials).toEqual(fixed);
      const wx = axiosClient({ url: served.url, creds: fixed }, signing);
      const placed = await wx.v3.pay.transactions.native.post({
        appid: fixed.appid,
        mchid: fixed.mchid,
        description: '固定凭据',
        out_trade_no: `fixed-${signing}`,
        notify_url: 'http://127.0.0.1:9/wechatpay/notify',
        amount: { total: 100, currency: 'CNY' },
      });
      expect(placed.status).toBe(200);
      expect(placed.data.code_url).toMatch(/^weixin:\/\//);
      const queried = await wx.v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: fixed.mchid }, out_trade_no: `fixed-${signing}` });
      expect(queried.data).toMatchObject({ trade_state: 'NOTPAY', amount: { total: 100 } });
      const closed = await wx.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ mchid: fixed.mchid }, { out_trade_no: `fixed-${signing}` });
      expect(closed.status).toBe(204);
      // The plugin refuses an answer it cannot verify: with the other mode's key configured, the same query fails.
      const other = SIGNING_MODES.find((m) => m !== signing)!;
      await expect(axiosClient({ url: served.url, creds: fixed }, other).v3.pay.transactions.outTradeNo._out_trade_no_.get({ params: { mchid: fixed.mchid }, out_trade_no: `fixed-${signing}` })).rejects.toThrow();
    } finally {
      await sandbox.close();
    }
  });
});
