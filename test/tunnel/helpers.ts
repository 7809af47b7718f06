/**
 * Shared test fixtures for the tunnel tests: a real local "app" that records exactly what it received, and
 * a raw HTTP client that sends exactly the headers and bytes it is given.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pairHeaders, type HeaderPairs } from '../../src/tunnel/upstream.js';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: HeaderPairs;
  body: Buffer;
}

export interface AppReply {
  status: number;
  headers: HeaderPairs;
  body: Buffer;
}

export interface TestApp {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** What the app answers; change it per test. `null`: never answer (the socket stays open). */
  reply: (req: ReceivedRequest) => AppReply | null;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0 that records every request byte for byte. */
export async function startTestApp(): Promise<TestApp> {
  const app: TestApp = {
    url: '',
    port: 0,
    received: [],
    reply: () => ({ status: 200, headers: [['Content-Type', 'text/plain']], body: Buffer.from('ok') }),
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: pairHeaders(req.rawHeaders), body: Buffer.concat(chunks) };
      app.received.push(got);
      const answer = app.reply(got);
      if (!answer) return;
      res.writeHead(answer.status, answer.headers.flat());
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  app.port = (server.address() as AddressInfo).port;
  app.url = `http://127.0.0.1:${app.port}`;
  app.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return app;
}

export interface RawResponse {
  status: number;
  headers: HeaderPairs;
  body: Buffer;
}

/** Sends exactly these headers (order, case, duplicates) and bytes. `chunked` omits Content-Length. */
export function rawRequest(
  baseUrl: string,
  opts: { method: string; path: string; headers: HeaderPairs; body?: Buffer; chunked?: boolean },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  // With array headers Node adds no Host of its own, and HTTP/1.1 servers answer 400 without one.
  const headers = headerValues(opts.headers, 'host').length ? opts.headers : [['Host', url.host] as [string, string], ...opts.headers];
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname: url.hostname, port: url.port, method: opts.method, path: opts.path, headers: headers.flat(), agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: pairHeaders(res.rawHeaders), body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body && opts.chunked) {
      // Two writes without a Content-Length make Node send the body chunked.
      const mid = Math.floor(opts.body.length / 2);
      req.write(opts.body.subarray(0, mid));
      req.end(opts.body.subarray(mid));
    } else {
      req.end(opts.body);
    }
  });
}

/** Values of one header (case-insensitive), in order. */
export function headerValues(headers: HeaderPairs, name: string): string[] {
  return headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
