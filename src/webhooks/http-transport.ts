/**
 * The default transport: a POST over node:http / node:https with keep-alive agents, so thousands of
 * notifications a second to one receiver reuse a small pool of connections.
 */
import http from 'node:http';
import https from 'node:https';
import type { Transport, TransportRequest, TransportResponse } from './delivery.js';

/** Response bodies are kept only up to this size: enough for any acknowledgement and the 500-char excerpt. */
const MAX_BODY_CHARS = 64 * 1024;

/** A failed send; `code` is `timeout` or Node's error code (`ECONNREFUSED`, `ECONNRESET`, …). */
export class TransportError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface HttpTransport {
  send: Transport;
  /** Closes pooled connections. */
  close(): void;
}

interface NodeNetError extends Error {
  code?: string;
  address?: string;
  port?: number;
}

function toTransportError(err: unknown): TransportError {
  if (err instanceof TransportError) return err;
  const e = err as NodeNetError;
  const code = e?.code ?? 'ERROR';
  // `ECONNREFUSED 127.0.0.1:4000` reads better than Node's `connect ECONNREFUSED 127.0.0.1:4000`.
  const where = e?.address !== undefined ? `${e.address}${e.port !== undefined ? `:${e.port}` : ''}` : null;
  const message = where ? `${code} ${where}` : e?.message && e.message !== code ? `${code} ${e.message}` : code;
  return new TransportError(code, message);
}

/**
 * Creates a keep-alive HTTP(S) transport.
 *
 * @example
 * const t = createHttpTransport();
 * const res = await t.send({ url, headers, body, timeoutMs: 10_000 });
 * t.close();
 */
export function createHttpTransport(opts: { maxSockets?: number } = {}): HttpTransport {
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 128, scheduling: 'lifo' as const };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const urls = new Map<string, URL>();

  function parse(url: string): URL {
    let parsed = urls.get(url);
    if (!parsed) {
      if (urls.size >= 1_000) urls.clear();
      parsed = new URL(url);
      urls.set(url, parsed);
    }
    return parsed;
  }

  function once(req: TransportRequest, url: URL): Promise<TransportResponse & { reusedSocket?: boolean }> {
    return new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') {
        reject(new TransportError('EPROTO', `unsupported protocol ${url.protocol}`));
        return;
      }
      const headers: Record<string, string | number> = { ...req.headers, 'content-length': Buffer.byteLength(req.body) };
      const request = (secure ? https : http).request(url, { method: 'POST', headers, agent: secure ? httpsAgent : httpAgent });
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      // A deadline for the whole exchange (queueing, connect, response), not just socket idleness.
      const timer = setTimeout(() => {
        finish(() => reject(new TransportError('timeout', 'timeout')));
        request.destroy();
      }, req.timeoutMs);
      request.on('error', (err) => finish(() => reject(Object.assign(toTransportError(err), { reusedSocket: request.reusedSocket }))));
      request.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length >= MAX_BODY_CHARS) {
            // Enough to judge the answer: stop reading. A receiver that streams forever would otherwise
            // keep this attempt (and a CPU) busy until the timeout.
            finish(() => resolve({ status: res.statusCode ?? 0, body: body.slice(0, MAX_BODY_CHARS) }));
            request.destroy();
          }
        });
        res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, body: body.slice(0, MAX_BODY_CHARS) })));
        res.on('error', (err) => finish(() => reject(toTransportError(err))));
      });
      request.end(req.body);
    });
  }

  return {
    async send(req: TransportRequest): Promise<TransportResponse> {
      const url = parse(req.url);
      try {
        return await once(req, url);
      } catch (err) {
        // A server may close an idle keep-alive connection just as we reuse it; such a request was almost
        // certainly never read, so it gets one immediate retry on a fresh connection (what Node's docs advise)
        // instead of costing the receiver a scheduled retry.
        const e = err as TransportError & { reusedSocket?: boolean };
        if (e.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return once(req, url);
        throw err;
      }
    },
    close(): void {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
