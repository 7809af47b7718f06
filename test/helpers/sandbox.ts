/**
 * Test helpers: a real sandbox on port 0 and a real local HTTP receiver. Shared by the integration tests.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox.js';

export interface Api {
  sandbox: Sandbox;
  /** Calls the sandbox with the merchant's key (unless `key` says otherwise). */
  call(method: string, path: string, body?: unknown, opts?: { key?: string | null; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestSandbox(options: SandboxOptions = {}): Promise<Api> {
  const sandbox = await startSandbox({ port: 0, inMemory: true, ...options });
  return {
    sandbox,
    async call(method, path, body, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      const key = opts.key === undefined ? sandbox.merchant.secret_key : opts.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let payload: string | undefined = opts.raw;
      if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
      if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      const res = await fetch(sandbox.url + path, { method, headers, body: payload });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (e.g. CSV)
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    close: () => sandbox.close(),
  };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on port 0 that records every request and answers with `respond(request, index)`
 * (default 200 "ok").
 */
export async function startReceiver(respond: (req: ReceivedRequest, index: number) => { status: number; body?: string } = () => ({ status: 200 })): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      const out = respond(r, requests.length - 1);
      res.writeHead(out.status, { 'content-type': 'text/plain' });
      res.end(out.body ?? 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const card = (number: string, exp_year = 2034, exp_month = 12) => ({ type: 'card', card: { number, exp_month, exp_year, cvc: '123' } });

let orderSeq = 0;
/** A valid create-payment body; override any field. */
export function paymentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { amount: 2000, currency: 'usd', merchant_order_id: `order_${++orderSeq}_${Math.random().toString(36).slice(2, 8)}`, payment_method: card('4242424242424242'), ...overrides };
}

/** Polls `check` until it returns true (real-time waits only for real network I/O). */
export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Sandboxes and receivers that close themselves after each test of the file that calls this (at the top
 * level of a test file).
 */
export function closedAfterEach(): {
  sandbox(options?: SandboxOptions): Promise<Api>;
  receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver>;
} {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
  });
  return {
    async sandbox(options = {}) {
      const api = await startTestSandbox(options);
      cleanup.push(() => api.close());
      return api;
    },
    async receiver(...args) {
      const r = await startReceiver(...args);
      cleanup.push(() => r.close());
      return r;
    },
  };
}
