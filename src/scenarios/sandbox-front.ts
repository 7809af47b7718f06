/**
 * The address the app under test talks to during a scenario run. Each scenario gets a fresh in-process
 * sandbox on a free port; this small reverse proxy stays on one fixed port in front of whichever sandbox is
 * current, so the app is configured once (`PAYCLI_SANDBOX_URL=http://127.0.0.1:4242`). It also records
 * every request the app makes, which is how `app_requests` expectations see them: the runner's own calls
 * go to the sandbox directly and are never mixed in.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PaycliError } from '../errors.js';

/** One request the app made to the sandbox. */
export interface ObservedRequest {
  method: string;
  path: string;
  /** Query parameters; null when the sandbox cannot tell (a running sandbox's log has no queries). */
  query: Record<string, string> | null;
  /** The sandbox's answer; null when it gave none. */
  status: number | null;
}

export class SandboxFront {
  readonly url: string;
  readonly port: number;
  private target: number | null = null;
  private recorded: ObservedRequest[] = [];
  private inFlight = 0;
  private lastActivity = performance.now();
  private readonly agent = new Agent({ keepAlive: true });

  private constructor(
    private readonly server: Server,
    host: string,
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://${host}:${this.port}`;
  }

  /** Listens on `port` (0 for any free one). Throws `port_in_use` with a hint naming `flag` when it is taken. */
  static async start(port: number, host = '127.0.0.1', flag = '--port'): Promise<SandboxFront> {
    let front: SandboxFront | null = null;
    const server = createServer((req, res) => front!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'EADDRINUSE'
            ? new PaycliError('port_in_use', `Port ${port} is already in use, so the scenario sandbox cannot listen there.`, {
                hint: `Stop the other sandbox (\`paycli sandbox status\`), or pick another port with ${flag} and point your app at it.`,
              })
            : err,
        );
      });
      server.listen(port, host, () => resolve());
    });
    front = new SandboxFront(server, host);
    return front;
  }

  /** Routes requests to the sandbox on `port` (null: answer 503) and forgets what was recorded. */
  switchTo(port: number | null): void {
    this.target = port;
    this.recorded = [];
  }

  /** Requests the app made since the last switch, oldest first. */
  requests(): readonly ObservedRequest[] {
    return this.recorded;
  }

  /** Resolves once no request is in flight and none started for `quietMs` of real time. */
  async whenQuiet(quietMs: number): Promise<void> {
    for (;;) {
      const idleFor = performance.now() - this.lastActivity;
      if (this.inFlight === 0 && idleFor >= quietMs) return;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(5, quietMs - idleFor))));
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agent.destroy();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://front');
    const entry: ObservedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), status: null };
    // Requests made between scenarios are not part of either.
    const log = this.recorded;
    log.push(entry);
    this.inFlight++;
    this.lastActivity = performance.now();
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      this.inFlight--;
      this.lastActivity = performance.now();
    };
    if (this.target === null) {
      entry.status = 503;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', code: 'sandbox_unreachable', message: 'No scenario is running right now.' } }));
      done();
      return;
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: this.target, method: req.method, path: req.url, headers: req.headers, agent: this.agent },
      (up) => {
        entry.status = up.statusCode ?? null;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('end', done);
        up.on('error', done);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'api_error', code: 'sandbox_unreachable', message: `The scenario sandbox did not answer: ${err.message}` } }));
      } else res.destroy();
      done();
    });
    req.pipe(upstream);
  }
}
