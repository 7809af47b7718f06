/**
 * An injected API fault reaches alipay-sdk as Alipay answers an outage: on the v2 gateway a signed
 * `<method>_response` with `20000 Service Currently Unavailable` / `ACQ.SYSTEM_ERROR` (HTTP 200), so `exec`
 * with validateSign returns a business error rather than failing the signature; on v3 the fault's status with
 * `{code: 'ACQ.SYSTEM_ERROR'}`, an AlipayRequestError. The next request is answered normally.
 */
import { AlipayRequestError, AlipaySdk } from 'alipay-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/sandbox.js';
import { sdkConfig, type AlipayTarget, type KeyMode } from './sdk-flows.js';

const V = { validateSign: true } as const;

let sandbox: Sandbox;
let target: AlipayTarget;
beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['alipay'] });
  const p = sandbox.providers.alipay!;
  target = { gateway: String(p.description.gateway), endpoint: p.url, creds: p.credentials as AlipayCreds, settle: async () => {}, close: () => sandbox.close() };
});
afterAll(() => sandbox.close());

async function arm(rule: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sandbox.merchant.secret_key}` },
    body: JSON.stringify({ provider: 'alipay', ...rule }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

let seq = 0;
const outTradeNo = () => `fault-${++seq}`;

describe.each<KeyMode>(['pkcs1', 'cert-content'])('Alipay API faults through alipay-sdk, %s', (mode) => {
  it.each(['500', '503', '429'] as const)('v2 %s: exec (validateSign) returns the signed 20000 ACQ.SYSTEM_ERROR; then the call succeeds', async (fault) => {
    const sdk = new AlipaySdk(sdkConfig(target, mode));
    const rule = await arm({ path: '/gateway.do', fault, times: 1 });
    const biz = { bizContent: { outTradeNo: outTradeNo(), totalAmount: '1.00', subject: 'fault' } };
    const failed = await sdk.exec('alipay.trade.precreate', biz, V);
    expect(failed).toMatchObject({ code: '20000', msg: 'Service Currently Unavailable', subCode: 'ACQ.SYSTEM_ERROR', subMsg: expect.stringContaining(rule) });
    expect(failed.traceId).toMatch(/^[0-9a-f]{32}$/);
    const ok = await sdk.exec('alipay.trade.precreate', biz, V);
    expect(ok).toMatchObject({ code: '10000', qrCode: expect.any(String) });
  });

  it.each(['500', '503', '429'] as const)('v3 %s: curl throws AlipayRequestError with ACQ.SYSTEM_ERROR and the status; then the call succeeds', async (fault) => {
    const sdk = new AlipaySdk(sdkConfig(target, mode));
    const rule = await arm({ method: 'POST', path: '/v3/alipay/trade/precreate', fault, times: 1 });
    const body = { out_trade_no: outTradeNo(), total_amount: '2.00', subject: 'v3 fault' };
    const err = await sdk.curl('POST', '/v3/alipay/trade/precreate', { body }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlipayRequestError);
    expect(err).toMatchObject({ code: 'ACQ.SYSTEM_ERROR', responseHttpStatus: Number(fault), message: expect.stringContaining(rule) });
    if (fault === '429') expect((err as AlipayRequestError).responseHttpHeaders?.['retry-after']).toBe('1');
    const ok = await sdk.curl('POST', '/v3/alipay/trade/precreate', { body });
    expect(ok).toMatchObject({ responseHttpStatus: 200, data: { out_trade_no: body.out_trade_no, qr_code: expect.any(String) } });
  });
});
