/**
 * What the sandbox answers on the v2 gateway outside Alipay's routes (a foreign Host refused, a body over
 * the limit, a held answer whose write failed, a bug) is the gateway's own answer: HTTP 200, the failure
 * inside `"<method>_response"`, signed with the Alipay key, so alipay-sdk's `exec` with `validateSign`
 * returns the error's code and sub_code instead of an HTTP error or a signature failure. On v3 the host's
 * answers keep the v3 shape and status.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AlipaySdk, ProxyAgent, type AlipaySdkConfig } from 'alipay-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { HostTradeBackend } from '../../../src/providers/alipay/host-backend.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/sandbox.js';
import { enospc, holdNextAppend, nthCall } from '../../reliability/held-writes.js';
import { sdkConfig, type KeyMode } from './sdk-flows.js';

const V = { validateSign: true } as const;
const BODY_LIMIT = 64 * 1024;
/** A name the sandbox is not known by (a container's or a proxy's name for it). */
const FOREIGN = 'sandbox.example';

let dir: string;
let sandbox: Sandbox;
let proxy: Server;
const bugs: string[] = [];
const alipay = () => sandbox.providers.alipay!;
const creds = () => alipay().credentials as AlipayCreds;
const port = () => alipay().port;

/**
 * An HTTP proxy that tunnels every CONNECT to the sandbox on 127.0.0.1, whatever name it was asked for: an
 * app pointed at `http://sandbox.example:<port>/gateway.do` through it sends `Host: sandbox.example:<port>`,
 * exactly as one reaching the sandbox by a name the sandbox does not answer to.
 */
function startTunnelProxy(): Promise<Server> {
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client, head) => {
    const target = Number(new URL(`http://${req.url ?? ''}`).port);
    const upstream = connect(target, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function target(gatewayHost: string) {
  return { gateway: `http://${gatewayHost}:${port()}/gateway.do`, endpoint: `http://${gatewayHost}:${port()}`, creds: creds(), settle: async () => {}, close: async () => {} };
}

/** The merchant's SDK, talking to the sandbox directly. */
function directSdk(mode: KeyMode = 'pkcs1'): AlipaySdk {
  return new AlipaySdk(sdkConfig(target('127.0.0.1'), mode));
}

/** The merchant's SDK, reaching the sandbox by a name it does not answer to. */
function foreignSdk(mode: KeyMode): AlipaySdk {
  const config: AlipaySdkConfig = { ...sdkConfig(target(FOREIGN), mode), proxyAgent: new ProxyAgent(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`) };
  return new AlipaySdk(config);
}

/** A raw request to the sandbox's Alipay port with a `Host` of our choosing. */
function raw(method: string, pathAndQuery: string, headers: Record<string, string>, body = ''): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: port(), method, path: pathAndQuery, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'paycli-alipay-host-answers-'));
  sandbox = await startSandbox({ port: 0, providers: ['alipay'], dataFile: path.join(dir, 'data.json'), bodyLimitBytes: BODY_LIMIT, onError: (err) => bugs.push(String((err as Error).message)) });
  proxy = await startTunnelProxy();
});
afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('Alipay v2 gateway: the host\'s answers are the gateway\'s', () => {
  it.each<KeyMode>(['pkcs1', 'cert-content'])('a foreign Host (%s): exec with validateSign returns 40002 host_not_allowed, and nothing is made', async (mode) => {
    const outTradeNo = `foreign-${mode}`;
    const refused = await foreignSdk(mode).exec('alipay.trade.precreate', { bizContent: { outTradeNo, totalAmount: '1.00', subject: 's' } }, V);
    expect(refused).toMatchObject({ code: '40002', msg: 'Invalid Arguments', subCode: 'host_not_allowed' });
    expect(refused.subMsg).toContain(FOREIGN);
    expect(refused.traceId).toMatch(/^[0-9a-f]{32}$/);
    const query = await directSdk().exec('alipay.trade.query', { bizContent: { outTradeNo } }, V);
    expect(query).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });
  });

  it('a foreign Host on v3: curl still gets the v3 403 {code, message}', async () => {
    const err = (await foreignSdk('pkcs1')
      .curl('POST', '/v3/alipay/trade/precreate', { body: { out_trade_no: 'foreign-v3', total_amount: '1.00', subject: 's' } })
      .catch((e: unknown) => e)) as { name: string; code: string; responseHttpStatus: number; message: string };
    expect([err.name, err.responseHttpStatus, err.code]).toEqual(['AlipayRequestError', 403, 'host_not_allowed']);
    expect(err.message).toContain(FOREIGN);
  });

  it('the answer\'s bytes: response key first, alipay_cert_sn in certificate mode, sign last over the emitted bytes', async () => {
    const sdk = directSdk('cert-content');
    const query = new URLSearchParams({ app_id: creds().app_id, method: 'alipay.trade.query', sign_type: 'RSA2', app_cert_sn: creds().app_cert_sn });
    const res = await raw('POST', `/gateway.do?${query}`, { host: `${FOREIGN}:${port()}`, 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, 'biz_content=%7B%7D');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const m = /^\{"alipay_trade_query_response":(\{.*\}),"alipay_cert_sn":"([^"]+)","sign":"([^"]+)"\}$/.exec(res.text);
    expect(m, res.text).not.toBeNull();
    expect(m![2]).toBe(creds().alipay_cert_sn);
    // The SDK's own check (it throws on a bad signature).
    expect(() => sdk.checkResponseSign(res.text, 'alipay_trade_query_response', m![3]!, '')).not.toThrow();
    expect(JSON.parse(m![1]!)).toMatchObject({ code: '40002', sub_code: 'host_not_allowed' });
  });

  it('an unknown app is answered signed with the sandbox\'s Alipay key; no method at all under error_response', async () => {
    const sdk = directSdk();
    const unknown = await raw('GET', `/gateway.do?${new URLSearchParams({ app_id: '2021000000000000', method: 'alipay.trade.close' })}`, { host: FOREIGN });
    const m = /^\{"alipay_trade_close_response":(\{.*\}),"sign":"([^"]+)"\}$/.exec(unknown.text);
    expect([unknown.status, m !== null], unknown.text).toEqual([200, true]);
    expect(() => sdk.checkResponseSign(unknown.text, 'alipay_trade_close_response', m![2]!, '')).not.toThrow();
    const none = await raw('GET', '/gateway.do', { host: FOREIGN });
    const e = /^\{"error_response":(\{.*\}),"sign":"([^"]+)"\}$/.exec(none.text);
    expect([none.status, e !== null], none.text).toEqual([200, true]);
    expect(() => sdk.checkResponseSign(none.text, 'error_response', e![2]!, '')).not.toThrow();
    expect(JSON.parse(e![1]!)).toMatchObject({ code: '40002', sub_code: 'host_not_allowed' });
  });

  it('the method from the form body when the routes had read it; from the query string only when refused before', async () => {
    const form = `method=alipay.trade.refund&app_id=${creds().app_id}`;
    const refused = await raw('POST', '/gateway.do', { host: FOREIGN, 'content-type': 'application/x-www-form-urlencoded' }, form);
    expect(refused.text.startsWith('{"error_response":'), refused.text).toBe(true);
    // A bug met once the routes had read the body.
    vi.spyOn(HostTradeBackend.prototype, 'merchantByAppId').mockImplementation(() => {
      throw new TypeError('boom in merchantByAppId');
    });
    const res = await raw('POST', '/gateway.do', { 'content-type': 'application/x-www-form-urlencoded' }, form);
    const m = /^\{"alipay_trade_refund_response":(\{.*\}),"sign":"([^"]+)"\}$/.exec(res.text);
    expect([res.status, m !== null], res.text).toEqual([200, true]);
    expect(() => directSdk().checkResponseSign(res.text, 'alipay_trade_refund_response', m![2]!, '')).not.toThrow();
    expect(JSON.parse(m![1]!)).toMatchObject({ code: '20000', sub_code: 'ACQ.SYSTEM_ERROR' });
  });

  it('a cross-site POST: let through on the gateway (merchants\' pages post page-pay forms); on another spelling of its path, refused in the gateway\'s shape', async () => {
    const query = new URLSearchParams({ app_id: creds().app_id, method: 'alipay.trade.close', sign_type: 'RSA2' });
    const headers = { origin: 'https://shop.example', 'content-type': 'application/x-www-form-urlencoded' };
    const allowed = await raw('POST', `/gateway.do?${query}`, headers, 'biz_content=%7B%7D');
    expect(JSON.parse(allowed.text).alipay_trade_close_response).toMatchObject({ sub_code: 'isv.missing-signature' });
    const refused = await raw('POST', `/GATEWAY.DO?${query}`, headers, 'biz_content=%7B%7D');
    const m = /^\{"alipay_trade_close_response":(\{.*\}),"sign":"([^"]+)"\}$/.exec(refused.text);
    expect([refused.status, m !== null], refused.text).toEqual([200, true]);
    expect(() => directSdk().checkResponseSign(refused.text, 'alipay_trade_close_response', m![2]!, '')).not.toThrow();
    expect(JSON.parse(m![1]!)).toMatchObject({ code: '40002', sub_code: 'cross_origin_refused' });
  });

  it('a body over the limit: exec with validateSign returns 40002 isv.invalid-parameter', async () => {
    const big = await directSdk('cert-content').exec('alipay.trade.precreate', { bizContent: { outTradeNo: 'big-1', totalAmount: '1.00', subject: 's', body: 'x'.repeat(BODY_LIMIT) } }, V);
    expect(big).toMatchObject({ code: '40002', msg: 'Invalid Arguments', subCode: 'isv.invalid-parameter' });
  });

  it('a query held while its write fails: exec with validateSign returns the retryable 20000 ACQ.SYSTEM_ERROR, then the truth', async () => {
    const sdk = directSdk();
    const paid = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo: 'held-1', scene: 'bar_code', authCode: '281234567890123456', totalAmount: '5.00', subject: 'held' } }, V);
    expect(paid).toMatchObject({ code: '10000' });
    const finds = vi.spyOn(HostTradeBackend.prototype, 'findTrade');
    const held = await holdNextAppend();
    const refund = sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: 'held-1', refundAmount: '5.00', outRequestNo: 'r1' } }, V);
    await held.entered;
    const before = finds.mock.calls.length;
    const query = sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'held-1' } }, V);
    await nthCall(finds, before + 1);
    held.release(enospc());
    const unavailable = { code: '20000', msg: 'Service Currently Unavailable', subCode: 'ACQ.SYSTEM_ERROR' };
    // The refund's own write failed (answered by the routes); the query showed it and was held (answered by the host).
    expect(await refund).toMatchObject(unavailable);
    const queried = await query;
    expect(queried).toMatchObject(unavailable);
    expect(queried.subMsg).toContain('data file');
    expect(await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: 'held-1' } }, V)).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS' });
  });

  it('a bug: exec with validateSign returns 20000 ACQ.SYSTEM_ERROR, and the bug is reported', async () => {
    vi.spyOn(HostTradeBackend.prototype, 'findTrade').mockImplementation(() => {
      throw new TypeError('boom in findTrade');
    });
    const res = await directSdk().exec('alipay.trade.query', { bizContent: { outTradeNo: 'bug-1' } }, V);
    expect(res).toMatchObject({ code: '20000', msg: 'Service Currently Unavailable', subCode: 'ACQ.SYSTEM_ERROR' });
    expect(bugs.some((m) => m.includes('boom in findTrade'))).toBe(true);
  });
});
