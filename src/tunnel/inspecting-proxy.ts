/**
 * The local inspecting proxy that sits between the ngrok tunnel and the developer's app. ngrok has no
 * request inspector in its library, so paycli records every request/response pair itself (for
 * `paycli tunnel requests` and `replay`). It forwards bytes, never parsed values: a provider's signature
 * over the raw body must still verify when the app checks it.
 *
 * It prints nothing: it emits one event per finished request, and the command renders it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SystemClock, type Clock } from '../clock.js';
import { appendRecord, newRequestId, type RecordedRequest } from './request-log.js';
import {
  describeUpstreamError,
  pairHeaders,
  parseTarget,
  sendUpstream,
  UpstreamTimeout,
  withoutHopByHop,
  type HeaderPairs,
  type UpstreamResponse,
} from './upstream.js';

/** One finished request, as the proxy emits it. */
export interface RequestEvent {
  record: RecordedRequest;
  /** Set when the record could not be written to the log (the caller got its answer regardless). */
  logError: string | null;
}

export interface InspectingProxyOptions {
  /** The app: a port (`3000`), `host:port`, or an http(s) URL. */
  target: string | URL;
  /** The JSON-lines request log to append to. */
  logFile: string;
  /** Time for record timestamps and latency (default: the system clock). */
  clock?: Clock;
  /** How long to wait for the app before answering 504 (default 30 s). */
  upstreamTimeoutMs?: number;
  /** Bodies above this many bytes are refused with 413 (default 10 MiB): the tunnel URL is public. */
  maxBodyBytes?: number;
}

export interface InspectingProxy {
  /** `http://127.0.0.1:<port>`: where ngrok (or a test) sends requests. */
  url: string;
  port: number;
  /** The app's base URL. */
  target: URL;
  /** Registers a listener for finished requests; returns a function that removes it. */
  onRequest(listener: (event: RequestEvent) => void): () => void;
  /** Stops listening, aborts requests still waiting for the app, and waits until their records are written. */
  close(): Promise<void>;
}

/**
 * Starts the proxy on 127.0.0.1 on a free port.
 *
 * @example
 * const proxy = await startInspectingProxy({ target: '3000', logFile: '.paycli/tunnel/requests.jsonl' });
 * proxy.onRequest(({ record }) => console.log(record.method, record.path, record.status));
 * // ... point ngrok at proxy.port ...
 * await proxy.close();
 */
export async function startInspectingProxy(options: InspectingProxyOptions): Promise<InspectingProxy> {
  const target = typeof options.target === 'string' ? parseTarget(options.target) : options.target;
  const clock = options.clock ?? new SystemClock();
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const listeners = new Set<(event: RequestEvent) => void>();
  const inFlight = new Set<Promise<void>>();
  const closing = new AbortController();

  const emit = (event: RequestEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A rendering listener must not break the proxy.
      }
    }
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = clock.now();
    const method = req.method ?? 'GET';
    const requestHeaders = pairHeaders(req.rawHeaders);
    const { body, tooLarge } = await readBody(req, maxBodyBytes);

    let answer: UpstreamResponse;
    let error: string | null = null;
    if (tooLarge) {
      error = `request body over ${maxBodyBytes} bytes; not forwarded`;
      answer = errorAnswer(413, 'body_too_large', error);
    } else {
      try {
        answer = await sendUpstream({
          target,
          method,
          path: req.url ?? '/',
          headers: requestHeaders,
          body,
          timeoutMs: options.upstreamTimeoutMs,
          signal: closing.signal,
        });
      } catch (err) {
        error = describeUpstreamError(err, target);
        answer = err instanceof UpstreamTimeout ? errorAnswer(504, 'app_timeout', error) : errorAnswer(502, 'app_unreachable', error);
      }
    }

    const record: RecordedRequest = {
      id: newRequestId(),
      object: 'tunnel_request',
      time: new Date(started).toISOString(),
      target: target.href,
      method,
      path: req.url ?? '/',
      request_headers: requestHeaders,
      request_body: (tooLarge ? Buffer.alloc(0) : body).toString('base64'),
      status: answer.status,
      response_headers: answer.headers,
      response_body: answer.body.toString('base64'),
      latency_ms: Math.max(0, clock.now() - started),
      error,
      replay_of: null,
    };
    // Written before answering, so whoever gets the answer can already list and replay the request.
    let logError: string | null = null;
    try {
      await appendRecord(options.logFile, record);
    } catch (err) {
      logError = (err as Error).message;
    }
    writeAnswer(res, method, answer);
    emit({ record, logError });
  };

  const server = http.createServer((req, res) => {
    const task = handle(req, res).catch(() => {
      // handle() catches the app's failures itself; what is left is a caller that went away mid-request.
      if (!res.headersSent) res.writeHead(500).end();
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    target,
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.allSettled([...inFlight]);
      await closed;
    },
  };
}

/** Buffers the body; past the limit it keeps draining the socket but drops the bytes. */
function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
    req.on('error', reject);
    // A caller that hangs up mid-body ends the request without 'end'; settle so close() never waits on it.
    req.on('close', () => {
      if (!req.complete) reject(new Error('the caller closed the connection before sending the whole body'));
    });
  });
}

/** The proxy's own answer when the app could not give one: JSON, so scripts and people can both read it. */
function errorAnswer(status: number, code: string, message: string): UpstreamResponse {
  const body = Buffer.from(
    JSON.stringify({
      error: {
        type: 'paycli_tunnel_error',
        code,
        message,
        hint: 'start your app, or check the port/URL given to `paycli tunnel`',
      },
    }) + '\n',
  );
  return {
    status,
    headers: [
      ['Content-Type', 'application/json; charset=utf-8'],
      ['X-Paycli-Tunnel-Error', code],
    ],
    body,
  };
}

/** Passes the app's answer back: its status, its headers minus hop-by-hop ones, its exact body bytes. */
function writeAnswer(res: http.ServerResponse, method: string, answer: UpstreamResponse): void {
  if (res.destroyed) return;
  const headers: HeaderPairs = withoutHopByHop(answer.headers);
  const bodiless = method.toUpperCase() === 'HEAD' || answer.status === 204 || answer.status === 304;
  const hasLength = headers.some(([name]) => name.toLowerCase() === 'content-length');
  // The app may have answered chunked; the body is buffered now, so state its length instead.
  if (!bodiless && !hasLength) headers.push(['Content-Length', String(answer.body.length)]);
  res.writeHead(answer.status, headers.flat());
  res.end(bodiless ? undefined : answer.body);
}
