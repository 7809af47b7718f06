import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startInspectingProxy, type InspectingProxy, type RequestEvent } from '../../src/tunnel/inspecting-proxy.js';
import { replayRequest } from '../../src/tunnel/replay.js';
import { findRecord, readRecords, recentRecords } from '../../src/tunnel/request-log.js';
import { parseTarget, type HeaderPairs } from '../../src/tunnel/upstream.js';
import { closedPort, headerValues, rawRequest, startTestApp, type TestApp } from './helpers.js';

let dir: string;
let logFile: string;
let app: TestApp;
let proxy: InspectingProxy | undefined;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paycli-tunnel-'));
  logFile = path.join(dir, '.paycli', 'tunnel', 'requests.jsonl');
  app = await startTestApp();
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await app.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Alipay-style notification: + for spaces, %2B inside the base64 signature, UTF-8 and GBK bytes raw. */
const formBody = Buffer.concat([
  Buffer.from('notify_time=2026-01-01+12%3A00%3A00&subject='),
  Buffer.from('测试商品 café', 'utf8'),
  Buffer.from('&gbk_subject='),
  Buffer.from([0xb2, 0xe2, 0xca, 0xd4]), // "测试" in GBK: not valid UTF-8
  Buffer.from('&total_amount=88.88&sign=abc%2Bdef%2F%3D%3D+tail&sign_type=RSA2'),
]);

/** The headers the app must see unchanged, in order: all but Host (+X-Forwarded-Host), Content-Length and hop-by-hop ones. */
function endToEnd(headers: HeaderPairs): HeaderPairs {
  const hop = new Set(['host', 'x-forwarded-host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'x-hop']);
  return headers.filter(([n]) => !hop.has(n.toLowerCase()));
}

describe('inspecting proxy', () => {
  it.each([
    ['JSON', 'application/json', Buffer.from(JSON.stringify({ id: 'evt_1', amount: 1999, note: 'naïve \u2603', nested: { a: [1, 2] } }))],
    ['form-encoded (Alipay-style)', 'application/x-www-form-urlencoded; charset=utf-8', formBody],
    ['binary (random bytes, invalid UTF-8)', 'application/octet-stream', Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]), randomBytes(4096)])],
  ])('forwards a %s body byte for byte, with headers intact, and returns the app answer', async (_name, contentType, body) => {
    proxy = await startInspectingProxy({ target: String(app.port), logFile, clock: new FakeClock(Date.UTC(2026, 0, 1)) });
    const events: RequestEvent[] = [];
    proxy.onRequest((e) => events.push(e));
    const responseBody = randomBytes(2048);
    app.reply = () => ({
      status: 201,
      headers: [
        ['Content-Type', 'application/octet-stream'],
        ['X-App', 'yes'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
      ],
      body: responseBody,
    });

    const sent: HeaderPairs = [
      ['Host', 'abcd.ngrok-free.app'],
      ['Content-Type', contentType],
      ['X-Signature', 't=1700000000,v1=5f2b+/=='],
      ['X-Dup', 'one'],
      ['x-dup', 'two'],
      ['Authorization', 'Bearer sk_test_123'],
      ['Connection', 'keep-alive, X-Hop'],
      ['X-Hop', 'must not pass'],
      ['Content-Length', String(body.length)],
    ];
    const res = await rawRequest(proxy.url, { method: 'POST', path: '/notify/alipay?charset=utf-8&sign=a%2Bb+c', headers: sent, body });

    // The app got the same bytes, path and end-to-end headers.
    expect(app.received).toHaveLength(1);
    const got = app.received[0]!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/notify/alipay?charset=utf-8&sign=a%2Bb+c');
    expect(got.body.equals(body)).toBe(true);
    expect(endToEnd(got.headers)).toEqual(endToEnd(sent));
    expect(headerValues(got.headers, 'host')).toEqual([`127.0.0.1:${app.port}`]);
    expect(headerValues(got.headers, 'x-forwarded-host')).toEqual(['abcd.ngrok-free.app']);
    expect(headerValues(got.headers, 'content-length')).toEqual([String(body.length)]);
    expect(headerValues(got.headers, 'x-hop')).toEqual([]);

    // The caller got the app's status, headers and bytes.
    expect(res.status).toBe(201);
    expect(res.body.equals(responseBody)).toBe(true);
    expect(headerValues(res.headers, 'x-app')).toEqual(['yes']);
    expect(headerValues(res.headers, 'set-cookie')).toEqual(['a=1', 'b=2']);
    expect(headerValues(res.headers, 'content-type')).toEqual(['application/octet-stream']);

    // One line in the log, complete, written before the answer arrived.
    const [record] = await readRecords(logFile);
    expect(record).toMatchObject({
      object: 'tunnel_request',
      time: '2026-01-01T00:00:00.000Z',
      method: 'POST',
      path: '/notify/alipay?charset=utf-8&sign=a%2Bb+c',
      status: 201,
      latency_ms: 0,
      error: null,
      replay_of: null,
      target: `http://127.0.0.1:${app.port}/`,
    });
    expect(record!.id).toMatch(/^req_[0-9a-f]{16}$/);
    expect(record!.request_headers).toEqual(sent);
    expect(Buffer.from(record!.request_body, 'base64').equals(body)).toBe(true);
    expect(Buffer.from(record!.response_body, 'base64').equals(responseBody)).toBe(true);
    expect(headerValues(record!.response_headers, 'set-cookie')).toEqual(['a=1', 'b=2']);
    expect(events.map((e) => e.record.id)).toEqual([record!.id]);
    expect(events[0]!.logError).toBeNull();
  });

  it('forwards a chunked request body as the same bytes with a Content-Length', async () => {
    proxy = await startInspectingProxy({ target: app.url, logFile });
    const body = randomBytes(10_000);
    const res = await rawRequest(proxy.url, { method: 'PUT', path: '/upload', headers: [['Content-Type', 'application/octet-stream']], body, chunked: true });
    expect(res.status).toBe(200);
    const got = app.received[0]!;
    expect(got.body.equals(body)).toBe(true);
    expect(headerValues(got.headers, 'content-length')).toEqual([String(body.length)]);
    expect(headerValues(got.headers, 'transfer-encoding')).toEqual([]);
  });

  it('passes a GET without a body through without inventing one, and keeps the target base path', async () => {
    proxy = await startInspectingProxy({ target: `${app.url}/base/`, logFile });
    const res = await rawRequest(proxy.url, { method: 'GET', path: '/return?out_trade_no=42', headers: [['Accept', 'text/html']] });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('ok');
    expect(app.received[0]!.url).toBe('/base/return?out_trade_no=42');
    expect(headerValues(app.received[0]!.headers, 'content-length')).toEqual([]);
    expect(app.received[0]!.body.length).toBe(0);
  });

  it('answers 502 with a clear JSON body and records the error when the app is unreachable', async () => {
    const port = await closedPort();
    proxy = await startInspectingProxy({ target: String(port), logFile });
    const res = await rawRequest(proxy.url, { method: 'POST', path: '/hook', headers: [['Content-Type', 'application/json']], body: Buffer.from('{}') });
    expect(res.status).toBe(502);
    const json = JSON.parse(res.body.toString()) as { error: { code: string; message: string; hint: string } };
    expect(json.error.code).toBe('app_unreachable');
    expect(json.error.message).toContain(`127.0.0.1:${port}`);
    expect(json.error.hint).toMatch(/start your app/);
    const [record] = await readRecords(logFile);
    expect(record!.status).toBe(502);
    expect(record!.error).toMatch(/connection refused/);
    expect(Buffer.from(record!.request_body, 'base64').toString()).toBe('{}');
  });

  it('answers 504 and records it when the app does not answer in time', async () => {
    app.reply = () => null;
    proxy = await startInspectingProxy({ target: app.url, logFile, upstreamTimeoutMs: 200 });
    const res = await rawRequest(proxy.url, { method: 'POST', path: '/slow', headers: [], body: Buffer.from('x') });
    expect(res.status).toBe(504);
    expect((await readRecords(logFile))[0]!.error).toMatch(/did not answer within 200 ms/);
  });

  it('closes promptly while a caller is stuck half-way through its body', async () => {
    proxy = await startInspectingProxy({ target: app.url, logFile });
    const socket = net.connect(proxy.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /partial HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten..');
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the proxy start reading
    await proxy.close();
    proxy = undefined;
    socket.destroy();
    expect(app.received).toHaveLength(0);
  });

  it('refuses bodies over the limit with 413 and does not forward them', async () => {
    proxy = await startInspectingProxy({ target: app.url, logFile, maxBodyBytes: 100 });
    const res = await rawRequest(proxy.url, { method: 'POST', path: '/big', headers: [], body: Buffer.alloc(1000, 1) });
    expect(res.status).toBe(413);
    expect(app.received).toHaveLength(0);
    expect((await readRecords(logFile))[0]!.status).toBe(413);
  });
});

describe('request log, listing and replay', () => {
  it('lists recent records oldest first and replays one byte for byte, recording the replay', async () => {
    proxy = await startInspectingProxy({ target: String(app.port), logFile });
    for (const [i, body] of [Buffer.from('first'), formBody, Buffer.from('third')].entries()) {
      await rawRequest(proxy.url, {
        method: 'POST',
        path: `/n/${i}?sign=x%2By`,
        headers: [['Content-Type', 'application/x-www-form-urlencoded'], ['X-Sig', `s${i}`]],
        body,
      });
    }
    const all = await readRecords(logFile);
    expect(all.map((r) => r.path)).toEqual(['/n/0?sign=x%2By', '/n/1?sign=x%2By', '/n/2?sign=x%2By']);
    expect((await recentRecords(logFile, 2)).map((r) => r.path)).toEqual(['/n/1?sign=x%2By', '/n/2?sign=x%2By']);

    const original = await findRecord(logFile, all[1]!.id);
    app.reply = () => ({ status: 202, headers: [], body: Buffer.from('again') });
    const replayed = await replayRequest({ record: original, logFile, clock: new FakeClock(Date.UTC(2026, 5, 1)) });

    const got = app.received.at(-1)!;
    expect(got.body.equals(formBody)).toBe(true);
    expect(got.url).toBe('/n/1?sign=x%2By');
    expect(headerValues(got.headers, 'x-sig')).toEqual(['s1']);
    expect(replayed).toMatchObject({ status: 202, replay_of: original.id, error: null, time: '2026-06-01T00:00:00.000Z' });
    expect(replayed.id).not.toBe(original.id);
    expect(Buffer.from(replayed.response_body, 'base64').toString()).toBe('again');
    expect((await readRecords(logFile)).at(-1)).toEqual(replayed);
  });

  it('replays to another target, and records an unreachable one with its error', async () => {
    proxy = await startInspectingProxy({ target: app.url, logFile });
    await rawRequest(proxy.url, { method: 'POST', path: '/x', headers: [], body: Buffer.from([0, 1, 2, 255]) });
    const [original] = await readRecords(logFile);
    const other = await startTestApp();
    try {
      const viaPort = await replayRequest({ record: original!, to: String(other.port), logFile });
      expect(viaPort.status).toBe(200);
      expect(viaPort.target).toBe(`http://127.0.0.1:${other.port}/`);
      expect(other.received[0]!.body.equals(Buffer.from([0, 1, 2, 255]))).toBe(true);
    } finally {
      await other.close();
    }
    const dead = await replayRequest({ record: original!, to: `http://127.0.0.1:${await closedPort()}`, logFile });
    expect(dead.status).toBe(502);
    expect(dead.error).toMatch(/connection refused/);
    expect(await readRecords(logFile)).toHaveLength(3);
  });

  it('finds nothing for an unknown id with a resource_missing error and a hint', async () => {
    await expect(findRecord(logFile, 'req_nope')).rejects.toMatchObject({ code: 'resource_missing', hint: expect.stringContaining('paycli tunnel requests') });
  });

  it('skips a torn last line instead of failing the whole log', async () => {
    proxy = await startInspectingProxy({ target: app.url, logFile });
    await rawRequest(proxy.url, { method: 'GET', path: '/', headers: [] });
    await fs.appendFile(logFile, '{"id":"req_torn","meth');
    expect(await readRecords(logFile)).toHaveLength(1);
  });
});

describe('parseTarget', () => {
  it.each([
    ['3000', 'http://127.0.0.1:3000/'],
    ['localhost:8080', 'http://localhost:8080/'],
    ['https://example.test/base', 'https://example.test/base'],
  ])('%s → %s', (input, href) => {
    expect(parseTarget(input).href).toBe(href);
  });

  it.each(['0', '70000', 'ftp://x', 'http://'])('rejects %s as invalid usage', (input) => {
    expect(() => parseTarget(input)).toThrow(expect.objectContaining({ code: 'invalid_usage' }));
  });
});
