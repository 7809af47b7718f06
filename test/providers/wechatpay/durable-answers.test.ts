/**
 * A WeChat Pay read is not answered before what it shows is durable, and when the write it showed then
 * fails, the answer is the sandbox's 503, signed like every WeChat Pay answer, so wechatpay-axios-plugin
 * verifies it and the merchant reads the error rather than a signature failure or an order that was lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HostBook } from '../../../src/providers/wechatpay/host-book.js';
import { enospc, holdNextAppend, nthCall } from '../../reliability/held-writes.js';
import { axiosClient, merchantCerts, startHarness, type Harness } from './harness.js';

let dir: string;
let h: Harness | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'paycli-wx-durable-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await h?.close();
  h = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('WeChat Pay answers wait for durability', () => {
  it('a query that showed an order whose write then failed is a signed 503, verified by the plugin', async () => {
    h = await startHarness('public-key', { inMemory: false, dataFile: path.join(dir, 'data.json') });
    const wxpay = axiosClient(h, 'public-key');
    const outTradeNo = `DA${Date.now()}`;
    const reads = vi.spyOn(HostBook.prototype, 'byOutTradeNo');
    const held = await holdNextAppend();
    const create = wxpay.v3.pay.transactions.native.post(
      { appid: h.creds.appid, mchid: h.creds.mchid, description: 'held', out_trade_no: outTradeNo, notify_url: 'https://shop.example/n', amount: { total: 100 } },
      { validateStatus: () => true },
    );
    await held.entered;
    const query = wxpay.v3.pay.transactions.outTradeNo[`{out_trade_no}`].get({ params: { mchid: h.creds.mchid }, out_trade_no: outTradeNo, validateStatus: () => true });
    await nthCall(reads, 1);
    held.release(enospc()); // the held append fails, as on a full disk
    const [created, read] = await Promise.all([create, query]);
    expect([created.status, created.data.code]).toEqual([503, 'SYSTEM_ERROR']);
    expect(read.status).toBe(503);
    expect(read.headers['wechatpay-serial']).toBe(Object.keys(merchantCerts(h.creds, 'public-key'))[0]);
    // The order was never kept.
    const again = await wxpay.v3.pay.transactions.outTradeNo[`{out_trade_no}`].get({ params: { mchid: h.creds.mchid }, out_trade_no: outTradeNo, validateStatus: () => true });
    expect([again.status, again.data.code]).toEqual([404, 'ORDER_NOT_EXIST']);
  });
});
