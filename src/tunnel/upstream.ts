/**
 * Sending one buffered request to the developer's app, for the inspecting proxy and for replay. The body
 * goes out exactly as it came in (never parsed or re-serialised) so that provider signatures computed over
 * the raw bytes still verify; headers keep their order, case and duplicates.
 */
import http from 'node:http';
import https from 'node:https';
import { parseHttpTarget } from '../http-target.js';

/** A header list in wire order, like `IncomingMessage.rawHeaders` but paired. */
export type HeaderPairs = Array<[string, string]>;

/** What the app answered. */
export interface UpstreamResponse {
  status: number;
  headers: HeaderPairs;
  body: Buffer;
}

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1); a proxy must not pass them on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Parses `3000`, `localhost:3000` or a full http(s) URL into the app's base URL.
 *
 * @example
 * parseTarget('3000').href; // 'http://127.0.0.1:3000/'
 */
export function parseTarget(target: string): URL {
  return parseHttpTarget(target, 'target');
}

/** Pairs up a `rawHeaders` array. */
export function pairHeaders(raw: string[]): HeaderPairs {
  const pairs: HeaderPairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

/** Drops hop-by-hop headers, including any the Connection header names. */
export function withoutHopByHop(headers: HeaderPairs): HeaderPairs {
  const named = new Set(HOP_BY_HOP);
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'connection') {
      for (const token of value.split(',')) if (token.trim()) named.add(token.trim().toLowerCase());
    }
  }
  return headers.filter(([name]) => !named.has(name.toLowerCase()));
}

/**
 * The headers to send to the app: hop-by-hop headers dropped, Host set to the app's own host (dev servers
 * and virtual hosts check it) with the public host kept in X-Forwarded-Host, and Content-Length set to the
 * buffered body's length (the body may have arrived chunked).
 */
export function upstreamHeaders(headers: HeaderPairs, target: URL, bodyLength: number): HeaderPairs {
  const kept = withoutHopByHop(headers);
  const out: HeaderPairs = [];
  let originalHost: string | undefined;
  for (const [name, value] of kept) {
    const lower = name.toLowerCase();
    if (lower === 'host') {
      originalHost ??= value;
      continue;
    }
    // The body is buffered already, so the length is ours to state and a 100-continue handshake is moot.
    if (lower === 'content-length' || lower === 'expect') continue;
    out.push([name, value]);
  }
  out.unshift(['Host', target.host]);
  if (originalHost !== undefined && originalHost !== target.host && !has(kept, 'x-forwarded-host')) {
    out.push(['X-Forwarded-Host', originalHost]);
  }
  // A request that came without a body and without framing headers (a plain GET) goes on without them too.
  const hadFraming = has(headers, 'content-length') || has(headers, 'transfer-encoding');
  if (bodyLength > 0 || hadFraming) {
    out.push(['Content-Length', String(bodyLength)]);
  }
  return out;
}

function has(headers: HeaderPairs, lowerName: string): boolean {
  return headers.some(([name]) => name.toLowerCase() === lowerName);
}

/** Joins the target's base path and the request's path+query. */
export function upstreamPath(target: URL, pathAndQuery: string): string {
  const base = target.pathname.replace(/\/+$/, '');
  const rest = pathAndQuery.startsWith('/') ? pathAndQuery : `/${pathAndQuery}`;
  return base + rest;
}

export interface SendUpstreamOptions {
  target: URL;
  method: string;
  /** Path and query as the caller sent them, e.g. `/notify?a=1`. */
  path: string;
  headers: HeaderPairs;
  body: Buffer;
  /** Gives up on an app that does not answer (default 30 s). */
  timeoutMs?: number;
  /** Aborts the request (the proxy is closing). */
  signal?: AbortSignal;
}

/** Sends the request to the app and buffers the whole answer. Rejects on connection errors and timeouts. */
export function sendUpstream(opts: SendUpstreamOptions): Promise<UpstreamResponse> {
  const { target, method, body } = opts;
  const client = target.protocol === 'https:' ? https : http;
  const flat = upstreamHeaders(opts.headers, target, body.length).flat();
  return new Promise((resolve, reject) => {
    const req = client.request(
      {
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || undefined,
        method,
        path: upstreamPath(target, opts.path),
        // The array form keeps the caller's header case, order and duplicates.
        headers: flat,
        // One connection per request: nothing lingers after the proxy closes.
        agent: false,
        timeout: opts.timeoutMs ?? 30_000,
        signal: opts.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: pairHeaders(res.rawHeaders), body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new UpstreamTimeout(opts.timeoutMs ?? 30_000)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The app accepted the connection but did not answer in time. */
export class UpstreamTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the app did not answer within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeout';
  }
}

/** A short, human explanation of why the app could not be reached. */
export function describeUpstreamError(err: unknown, target: URL): string {
  if (err instanceof UpstreamTimeout) return `${target.origin} did not answer within ${err.timeoutMs} ms`;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ABORT_ERR') return 'the proxy closed before the app answered';
  if (code === 'ECONNREFUSED') return `nothing is listening at ${target.origin} (connection refused)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve host ${target.hostname}`;
  if (code === 'ECONNRESET') return `${target.origin} closed the connection without answering`;
  const message = err instanceof Error ? err.message : String(err);
  return `cannot reach ${target.origin}: ${code ? `${code} ` : ''}${message}`.trim();
}
