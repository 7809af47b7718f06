import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpTransport, TransportError } from '../../src/webhooks/http-transport.js';
import { freePort } from './fixtures.js';

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(handler: http.RequestListener): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const s = http.createServer(handler);
  s.on('connection', () => connections++);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => (s.closeAllConnections(), s.close(() => resolve()))));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/in`, connections: () => connections };
}

function transport() {
  const t = createHttpTransport();
  cleanup.push(() => t.close());
  return t;
}

const req = (url: string, timeoutMs = 2_000) => ({ url, headers: { 'content-type': 'application/json' }, body: '{"a":"é"}', timeoutMs });

describe('http transport', () => {
  it('POSTs the body with its byte length and returns status and body', async () => {
    let seen: { method?: string; length?: string; body: string } = { body: '' };
    const s = await server((rq, rs) => {
      let body = '';
      rq.setEncoding('utf8').on('data', (c: string) => (body += c));
      rq.on('end', () => {
        seen = { method: rq.method, length: rq.headers['content-length'], body };
        rs.writeHead(202).end('accepted');
      });
    });
    await expect(transport().send(req(s.url))).resolves.toEqual({ status: 202, body: 'accepted' });
    expect(seen).toEqual({ method: 'POST', length: '10', body: '{"a":"é"}' });
  });

  it('reuses keep-alive connections', async () => {
    const s = await server((rq, rs) => rq.resume().on('end', () => rs.end('ok')));
    const t = transport();
    for (let i = 0; i < 20; i++) await t.send(req(s.url));
    expect(s.connections()).toBe(1);
  });

  it.each([
    { name: 'timeout', url: async () => (await server(() => {})).url, code: 'timeout', message: 'timeout' },
    { name: 'refused', url: async () => `http://127.0.0.1:${await freePort()}/`, code: 'ECONNREFUSED', message: /^ECONNREFUSED 127\.0\.0\.1:\d+$/ },
    { name: 'unsupported protocol', url: async () => 'ftp://127.0.0.1/x', code: 'EPROTO', message: /ftp/ },
  ])('rejects with a TransportError on $name', async ({ url, code, message }) => {
    const err = await transport().send(req(await url(), 50)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe(code);
    expect((err as TransportError).message).toMatch(message);
  });

  it('caps a huge response body', async () => {
    const s = await server((rq, rs) => rq.resume().on('end', () => rs.end('y'.repeat(1_000_000))));
    const res = await transport().send(req(s.url));
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(64 * 1024);
  });
});
