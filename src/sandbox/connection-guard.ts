/**
 * Bounded under abuse: a flood of connections that never send a request (slowloris, or just a stuck
 * client) must not starve legitimate clients, nor run the process out of file descriptors (1,024 is a
 * common desktop limit, and at that limit every accept fails). So each server:
 *
 * - caps its open connections; when a new one arrives at the cap, the connection idle longest (no
 *   request under way: never sent one, or kept alive after its answer) is closed to make room, and only
 *   when every connection is busy is the newcomer refused. A client that connects and sends its request
 *   at once (every real one) is therefore served however many idle connections are open;
 * - gives a client a few seconds to send its request headers, checked every second.
 *
 * One call per HTTP server the sandbox runs: `createServer(serverOptions(), app)`, then `guardConnections(server)`.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections per server (default 512: well under a 1,024 file-descriptor limit). */
  maxConnections?: number;
  /** Time to receive a request's headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time to receive a whole request (default 30 s; a 1 MiB body needs a fraction of that). */
  requestTimeoutMs?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 512;
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Options for `http.createServer`: how often the header and request timeouts are checked. */
export function serverOptions(): ServerOptions {
  return { connectionsCheckingInterval: 1_000 };
}

/** Applies the connection cap and the timeouts to a server (before it listens). */
export function guardConnections(server: Server, limits: ConnectionLimits = {}): void {
  const max = limits.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  server.headersTimeout = limits.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  server.requestTimeout = Math.max(limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, server.headersTimeout);
  /** Connections with no request under way, the longest idle first (a Set keeps insertion order). */
  const idle = new Set<Socket>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', () => {
      open--;
      idle.delete(socket);
    });
    if (open > max) {
      const oldest = idle.values().next().value as Socket | undefined;
      if (oldest === undefined) {
        socket.destroy(); // every connection is busy with a request: this one waits its turn elsewhere
        return;
      }
      idle.delete(oldest);
      oldest.destroy();
    }
    idle.add(socket);
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    idle.delete(socket);
    res.once('close', () => {
      if (!socket.destroyed) idle.add(socket); // kept alive: idle (and newest) until its next request
    });
  });
}
