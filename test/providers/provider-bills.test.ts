/**
 * Each provider's own bill in the dashboard's reconciliation: a trade paid through alipay-sdk appears in
 * Alipay's zip of GBK CSVs, an order paid through wechatpay-axios-plugin in WeChat Pay's trade bill, both
 * downloaded from the dashboard for the day; a provider without bills, an unknown one and a bad day are 4xx.
 */
import { AlipaySdk } from 'alipay-sdk';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlipayCreds } from '../../src/providers/alipay/credentials.js';
import { chinaDate } from '../../src/providers/alipay/format.js';
import type { WechatpayCredentials } from '../../src/providers/wechatpay/credentials.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { sdkConfig } from './alipay/sdk-flows.js';
import { axiosClient } from './wechatpay/harness.js';

const API = '/_dashboard/api';
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['alipay', 'wechatpay'] });
});
afterAll(() => sandbox?.close());

const errorParam = async (res: Response) => ((await res.json()) as { error: { param: string } }).error.param;

const buyerPays = async (ref: string) => {
  const res = await fetch(`${sandbox.url}/_sandbox/buyer/${encodeURIComponent(ref)}/complete`, { method: 'POST' });
  expect(res.status).toBe(200);
};

describe("the provider's own bill for a day", () => {
  it("offers Alipay's and WeChat Pay's native bills beside the settlement report", async () => {
    const ali = sandbox.providers.alipay!;
    const sdk = new AlipaySdk(sdkConfig({ gateway: String(ali.description.gateway), endpoint: ali.url, creds: ali.credentials as AlipayCreds, settle: async () => {}, close: async () => {} }, 'pkcs8'));
    const outTradeNo = `BILL${Date.now()}`;
    const created = await sdk.exec('alipay.trade.create', { bizContent: { outTradeNo, totalAmount: '12.34', subject: '对账测试', buyerId: '2088000000000009' } }, { validateSign: true });
    expect(created.code).toBe('10000');
    await buyerPays(String(created.tradeNo));

    const wx = sandbox.providers.wechatpay!;
    const creds = wx.credentials as WechatpayCredentials;
    const wxpay = axiosClient({ url: wx.url, creds }, 'public-key');
    const outNo = `WXBILL${Date.now()}`;
    await wxpay.v3.pay.transactions.native.post({ appid: creds.appid, mchid: creds.mchid, description: '杯子', out_trade_no: outNo, notify_url: 'http://127.0.0.1:9/notify', amount: { total: 1999 } });
    await buyerPays(outNo);

    // Both providers' days run on China time; the settlement report only checks the date.
    const day = chinaDate(Date.now());
    const report = (await (await fetch(`${sandbox.url}${API}/settlements/${day}?provider=alipay`)).json()) as { provider_bill_url: string | null };
    expect(report.provider_bill_url).toBe(`${API}/settlements/${day}/bill?provider=alipay`);
    const native = (await (await fetch(`${sandbox.url}${API}/settlements/${day}?provider=paycli`)).json()) as { provider_bill_url: string | null };
    expect(native.provider_bill_url).toBeNull();

    const zip = await fetch(`${sandbox.url}${report.provider_bill_url}`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect(zip.headers.get('content-disposition')).toMatch(/^attachment; filename="[\w.-]+\.csv\.zip"$/);
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    const detail = Object.entries(files).find(([name]) => !name.includes('汇总'));
    expect(Object.keys(files)).toHaveLength(2);
    const detailCsv = iconv.decode(Buffer.from(detail![1]), 'gbk');
    expect(detailCsv).toContain(String(created.tradeNo));
    expect(detailCsv).toContain(outTradeNo);
    expect(detailCsv).toContain('12.34');

    const bill = await fetch(`${sandbox.url}${API}/settlements/${day}/bill?provider=wechatpay`);
    expect(bill.status).toBe(200);
    expect(bill.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(bill.headers.get('content-disposition')).toBe(`attachment; filename="tradebill-${creds.mchid}-${day}.csv"`);
    const csv = await bill.text();
    expect(csv.split('\r\n')[0]).toMatch(/^交易时间,公众账号ID,商户号/);
    expect(csv).toContain(`\`${outNo}`);
    expect(csv).toContain('`19.99');
  });

  it('refuses a provider without bills, an unknown provider and a bad day, naming the field', async () => {
    const none = await fetch(`${sandbox.url}${API}/settlements/2026-11-30/bill?provider=paycli`);
    expect([none.status, await errorParam(none)]).toEqual([404, 'provider']);
    const unknown = await fetch(`${sandbox.url}${API}/settlements/2026-11-30/bill?provider=nope`);
    expect([unknown.status, await errorParam(unknown)]).toEqual([404, 'provider']);
    const missing = await fetch(`${sandbox.url}${API}/settlements/2026-11-30/bill`);
    expect([missing.status, await errorParam(missing)]).toEqual([400, 'provider']);
    const badDay = await fetch(`${sandbox.url}${API}/settlements/2026-02-30/bill?provider=alipay`);
    expect([badDay.status, await errorParam(badDay)]).toEqual([400, 'date']);
  });
});
