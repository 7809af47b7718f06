/**
 * Helpers for the reliability tests: the compiled sandbox in a child process (so it can be SIGKILLed),
 * and a local receiver that can be taken down and brought back.
 *
 * The child runs dist/ (JavaScript, built once by test/global-setup.ts), not the TypeScript sources.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = (file: string) => pathToFileURL(path.join(repo, 'dist', file)).href;

/** Options the child passes on to startSandbox (plus a file store with a small compaction threshold). */
export interface ChildOptions {
  virtualClock?: boolean;
  /** Compact the journal after this many lines, so kills also land during compactions. */
  compactAfterLines?: number;
  retryScheduleMs?: number[];
  /** Each journal append waits this long first: a slow disk, which widens the window between a change being visible and durable. */
  slowAppendMs?: number;
}

const CHILD = `
const [dataFile, optionsJson] = process.argv.slice(2);
const options = JSON.parse(optionsJson);
if (options.slowAppendMs) {
  const fs = await import('node:fs/promises');
  const probe = await fs.open(dataFile + '.probe', 'w');
  const proto = Object.getPrototypeOf(probe);
  await probe.close();
  await fs.rm(dataFile + '.probe');
  const appendFile = proto.appendFile;
  proto.appendFile = async function (...args) {
    await new Promise((resolve) => setTimeout(resolve, options.slowAppendMs));
    return appendFile.apply(this, args);
  };
}
const { startSandbox } = await import(${JSON.stringify(dist('sandbox/sandbox.js'))});
const { FileStore } = await import(${JSON.stringify(dist('store/file-store.js'))});
const store = options.compactAfterLines ? new FileStore(dataFile, { compactAfterLines: options.compactAfterLines }) : undefined;
const sandbox = await startSandbox({ port: 0, dataFile, store, virtualClock: options.virtualClock, retryScheduleMs: options.retryScheduleMs });
process.stdout.write(JSON.stringify({ url: sandbox.url, key: sandbox.merchant.secret_key }) + '\\n');
`;

export interface ChildSandbox {
  url: string;
  key: string;
  child: ChildProcess;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** A request with the merchant's key; JSON in and out. Rejects when the connection fails. */
  call(method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

/** Starts and kills compiled sandboxes in child processes; `cleanup()` kills what is left. */
export class ChildSandboxes {
  private dir = '';
  private script = '';
  private readonly children = new Set<ChildProcess>();

  async setup(): Promise<void> {
    const compiled = fileURLToPath(dist('sandbox/sandbox.js'));
    await access(compiled).catch(() => {
      throw new Error(`${compiled} is missing: test/global-setup.ts builds it; run the suite with the repo's vitest config`);
    });
    this.dir = await mkdtemp(path.join(tmpdir(), 'paycli-reliability-'));
    this.script = path.join(this.dir, 'child.mjs');
    await writeFile(this.script, CHILD);
  }

  async cleanup(): Promise<void> {
    for (const c of this.children) c.kill('SIGKILL');
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /** Starts the sandbox on `dataFile` and waits for its readiness line. */
  start(dataFile: string, options: ChildOptions = {}): Promise<ChildSandbox> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [this.script, dataFile, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.add(child);
      child.on('exit', () => this.children.delete(child));
      let out = '';
      let err = '';
      const guard = setTimeout(() => reject(new Error(`the sandbox child did not start: ${err}`)), 30_000);
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        out += chunk;
        if (!out.includes('\n')) return;
        clearTimeout(guard);
        const { url, key } = JSON.parse(out.split('\n')[0]!) as { url: string; key: string };
        resolve({ url, key, child, kill: () => killChild(child), call: (m, p, b, h) => call(url, key, m, p, b, h) });
      });
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      child.on('exit', (code, signal) => {
        clearTimeout(guard);
        reject(new Error(`the sandbox child exited (${code ?? signal}) before it was ready: ${err}`));
      });
    });
  }
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function call(url: string, key: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url + p, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

export interface ReceivedNotification {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SwitchableReceiver {
  url: string;
  /** While false, every connection is reset before a response: the sender sees no answer at all. */
  up: boolean;
  /** Notifications answered 200 while up. */
  received: ReceivedNotification[];
  /** Connections refused while down. */
  refused: number;
  close(): Promise<void>;
}

/**
 * A local notification receiver that can be down (connections reset at once, as when the app is not
 * running behind a proxy) and up (records the request, answers 200). It keeps its port throughout.
 */
export async function startSwitchableReceiver(): Promise<SwitchableReceiver> {
  const sockets = new Set<Socket>();
  const state = { up: false, received: [] as ReceivedNotification[], refused: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.on('connection', (socket: Socket) => {
    if (!state.up) {
      state.refused++;
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    get up() {
      return state.up;
    },
    set up(value: boolean) {
      state.up = value;
      // Going down also drops kept-alive connections, or the sender would still get through.
      if (!value) for (const s of sockets) s.destroy();
    },
    received: state.received,
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
