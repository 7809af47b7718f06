/**
 * An Alipay query is not answered before what it shows is durable: alipay.trade.query reads, though it
 * is a POST to the gateway, so its answer waits for the write it would reveal, and when that write fails
 * the merchant is not told of a refund that was lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AlipaySdk } from 'alipay-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { HostTradeBackend } from '../../../src/providers/alipay/host-backend.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/sandbox.js';
import { enospc, holdNextAppend, nthCall } from '../../reliability/held-writes.js';
import { sdkConfig } from './sdk-flows.js';

const V = { validateSign: true } as const;
let dir: string;
let sandbox: Sandbox | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'paycli-alipay-durable-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await sandbox?.close();
  sandbox = undefined;
  await rm(dir, { recursive: true, force: true });
});

/**
 * A sandbox whose trade `outTradeNo` was paid 5.00 and is now being refunded in full, with the refund's
 * journal append held: memory shows the trade refunded, the files do not yet.
 */
async function refundWhileHeld(outTradeNo: string) {
  sandbox = await startSandbox({ port: 0, providers: ['alipay'], dataFile: path.join(dir, 'data.json') });
  const p = sandbox.providers.alipay!;
  const sdk = new AlipaySdk(sdkConfig({ gateway: String(p.description.gateway), endpoint: p.url, creds: p.credentials as AlipayCreds, settle: async () => {}, close: async () => {} }, 'pkcs1'));
  const paid = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo, scene: 'bar_code', authCode: '281234567890123456', totalAmount: '5.00', subject: 'held' } }, V);
  expect(paid).toMatchObject({ code: '10000' });
  const finds = vi.spyOn(HostTradeBackend.prototype, 'findTrade');
  const held = await holdNextAppend();
  const refund = sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo, refundAmount: '5.00', outRequestNo: 'r1' } }, V).catch((e: unknown) => e);
  return { sdk, finds, held, refund };
}

describe('Alipay answers wait for durability', () => {
  it('a query that showed a refund whose write then failed does not report it', async () => {
    const { sdk, finds, held, refund } = await refundWhileHeld('held-1');
    await held.entered; // the refund is staged: memory shows the trade refunded and closed
    const before = finds.mock.calls.length;
    const query = sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'held-1' } }, V).catch((e: unknown) => e);
    await nthCall(finds, before + 1);
    held.release(enospc()); // the held append fails, as on a full disk
    const [refunded, queried] = (await Promise.all([refund, query])) as [Record<string, unknown>, Record<string, unknown>];
    expect(refunded.code).not.toBe('10000');
    // Whatever the merchant gets, it is not the refund that was never saved.
    expect(queried.tradeStatus).not.toBe('TRADE_CLOSED');
    expect(queried.code).not.toBe('10000');
    const again = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'held-1' } }, V);
    expect(again).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS' });
  });

  it('a business error that showed a refund whose write then failed is not sent either', async () => {
    const { sdk, finds, held, refund } = await refundWhileHeld('held-2');
    await held.entered; // memory shows the trade fully refunded
    const before = finds.mock.calls.length;
    // A second refund is refused for what memory shows: a refund that is not durable yet.
    const second = sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: 'held-2', refundAmount: '1.00', outRequestNo: 'r2' } }, V).catch((e: unknown) => e);
    await nthCall(finds, before + 1);
    held.release(enospc());
    const [refunded, refused] = (await Promise.all([refund, second])) as [Record<string, unknown>, Record<string, unknown>];
    expect(refunded.code).not.toBe('10000');
    // Not the refusal computed from the lost refund: the gateway's retryable outage answer.
    expect(refused).toMatchObject({ code: '20000', subCode: 'ACQ.SYSTEM_ERROR' });
    const retried = await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: 'held-2', refundAmount: '1.00', outRequestNo: 'r2' } }, V);
    expect(retried).toMatchObject({ code: '10000', refundFee: '1.00' });
  });
});
