import { execFile } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { runTunnel } from '../../src/commands/tunnel.js';
import type { TunnelConnector } from '../../src/tunnel/ngrok.js';
import { readRecords } from '../../src/tunnel/request-log.js';
import { rawRequest, startTestApp, type TestApp } from './helpers.js';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let dir: string;
let app: TestApp;
let stdout: string[];
let stderr: string[];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'paycli-tunnel-cmd-'));
  app = await startTestApp();
  stdout = [];
  stderr = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
  await app.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const out = () => stdout.join('');

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Stands in for ngrok's successful connection: the "public URL" is the proxy itself. */
function loopbackConnector(): TunnelConnector & { closed: number } {
  const connector = Object.assign(
    async (config: { addr: string }) => ({
      url: () => `http://${config.addr}`,
      close: async () => void connector.closed++,
    }),
    { closed: 0 },
  );
  return connector;
}

describe('paycli tunnel (with the connector double)', () => {
  it('prints the URL and the public warning, sends traffic through the proxy, prints one line per request, closes cleanly', async () => {
    const stop = deferred();
    const connector = loopbackConnector();
    const done = runTunnel(String(app.port), { log: 'reqs.jsonl' }, { cwd: dir, env: { NGROK_AUTHTOKEN: 'tok' }, connector, stop: stop.promise });

    await vi.waitFor(() => expect(out()).toContain('Tunnel open'));
    const publicUrl = /Tunnel open\s+(\S+)/.exec(out())![1]!;
    expect(publicUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out()).toMatch(new RegExp(`->\\s+http://127\\.0\\.0\\.1:${app.port}/`));
    expect(out()).toMatch(/This URL is public/);

    const body = Buffer.from('a=1+2&sign=x%2By');
    const res = await rawRequest(publicUrl, { method: 'POST', path: '/webhooks/alipay?v=1', headers: [['Content-Type', 'application/x-www-form-urlencoded']], body });
    expect(res.status).toBe(200);
    expect(app.received[0]!.body.equals(body)).toBe(true);
    await vi.waitFor(() => expect(out()).toMatch(/\d\d:\d\d:\d\d\s+POST\s+\/webhooks\/alipay\?v=1\s+200\s+\d+ ms\s+req_[0-9a-f]{16}/));

    stop.resolve();
    expect(await done).toBe(0);
    expect(connector.closed).toBe(1);
    expect(out()).toContain('Tunnel closed.');
    await expect(rawRequest(publicUrl, { method: 'GET', path: '/', headers: [] })).rejects.toThrow(/ECONNREFUSED/);
    expect(await readRecords(path.join(dir, 'reqs.jsonl'))).toHaveLength(1);
  });

  it('fails before opening anything when no token is set anywhere', async () => {
    const connector = vi.fn(loopbackConnector());
    const err = await runTunnel(app.url, {}, { cwd: dir, env: {}, connector }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'tunnel_failed', details: { reason: 'no_authtoken' } });
    expect(connector).not.toHaveBeenCalled();
    expect(out()).toBe('');
  });

  it('--json prints one JSON line per event', async () => {
    const stop2 = deferred();
    const done2 = runTunnel(app.url, { json: true, authtoken: 'tok' }, { cwd: dir, env: {}, connector: loopbackConnector(), stop: stop2.promise });
    await vi.waitFor(() => expect(out()).toContain('tunnel_open'));
    const open = JSON.parse(out().split('\n')[0]!) as { event: string; url: string; warning: string; log: string };
    expect(open).toMatchObject({ event: 'tunnel_open', target: `${app.url}/`, log: path.join(dir, '.paycli', 'tunnel', 'requests.jsonl') });
    expect(open.warning).toMatch(/public/);
    await rawRequest(open.url, { method: 'GET', path: '/ping', headers: [] });
    await vi.waitFor(() => expect(out()).toContain('"event":"request"'));
    stop2.resolve();
    expect(await done2).toBe(0);
    const events = out().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual(['tunnel_open', 'request', 'tunnel_closed']);
    expect(events[1]).toMatchObject({ method: 'GET', path: '/ping', status: 200, error: null });
  });
});

describe('paycli tunnel through main()', () => {
  async function seedLog(logFile: string): Promise<string> {
    const stop = deferred();
    const done = runTunnel(String(app.port), { log: logFile, json: true }, { cwd: dir, env: { NGROK_AUTHTOKEN: 't' }, connector: loopbackConnector(), stop: stop.promise });
    await vi.waitFor(() => expect(out()).toContain('tunnel_open'));
    const { url } = JSON.parse(out().split('\n')[0]!) as { url: string };
    await rawRequest(url, { method: 'POST', path: '/one', headers: [], body: Buffer.from([1, 2, 3, 0xff]) });
    await rawRequest(url, { method: 'POST', path: '/two', headers: [], body: Buffer.from('second') });
    stop.resolve();
    await done;
    stdout.length = 0;
    return (await readRecords(logFile))[0]!.id;
  }

  it('parses `tunnel requests` and `tunnel replay <id>` with their flags', async () => {
    const logFile = path.join(dir, 'log.jsonl');
    const firstId = await seedLog(logFile);

    expect(await main(['node', 'paycli', 'tunnel', 'requests', '--json', '--log', logFile])).toBe(0);
    const listed = out().trim().split('\n').map((l) => JSON.parse(l) as { id: string; path: string });
    expect(listed.map((r) => r.path)).toEqual(['/one', '/two']);
    expect(listed[0]!.id).toBe(firstId);

    stdout.length = 0;
    expect(await main(['node', 'paycli', 'tunnel', 'requests', '--limit', '1', '--log', logFile])).toBe(0);
    expect(out()).toMatch(/POST\s+\/two\s+200/);
    expect(out()).not.toContain('/one');

    stdout.length = 0;
    const other = await startTestApp();
    try {
      expect(await main(['node', 'paycli', 'tunnel', 'replay', firstId, '--to', String(other.port), '--log', logFile])).toBe(0);
      expect(other.received[0]!.body.equals(Buffer.from([1, 2, 3, 0xff]))).toBe(true);
      expect(out()).toMatch(new RegExp(`POST\\s+/one\\s+200 .*\\(replay of ${firstId}\\)`));
    } finally {
      await other.close();
    }
    expect((await readRecords(logFile)).at(-1)!.replay_of).toBe(firstId);
  });

  it('reports an unknown id, a missing target and bad flags as user errors without a stack', async () => {
    expect(await main(['node', 'paycli', 'tunnel', 'replay', 'req_x', '--log', path.join(dir, 'none.jsonl')])).toBe(1);
    expect(stderr.join('')).toMatch(/no recorded request req_x[\s\S]*hint: run `paycli tunnel requests`/);
    expect(await main(['node', 'paycli', 'tunnel'])).toBe(2);
    expect(await main(['node', 'paycli', 'tunnel', '3000', '--basic-auth', 'nopass'])).toBe(2);
    expect(await main(['node', 'paycli', 'tunnel', '3000', '--allow-cidr', '10.0.0.0/8', 'bogus'])).toBe(2);
    expect(stderr.join('')).not.toMatch(/\n\s+at /);
  });

  it('without a token fails at once with the fix, in-process', async () => {
    vi.spyOn(process, 'cwd').mockReturnValue(dir);
    vi.stubEnv('NGROK_AUTHTOKEN', '');
    // "At once": without a token nothing is attempted, so this returns before any ngrok timeout could run.
    expect(await main(['node', 'paycli', 'tunnel', String(app.port)])).toBe(1);
    const err = stderr.join('');
    expect(err).toContain('no ngrok authtoken is set [tunnel_failed]');
    expect(err).toMatch(/hint: get one at https:\/\/dashboard\.ngrok\.com\/get-started\/your-authtoken, then set NGROK_AUTHTOKEN, pass --authtoken/);
    expect(err).not.toMatch(/\n\s+at |hit a bug/);
  });
});

describe('node bin/paycli.js tunnel (built by the global setup)', () => {
  it('exits non-zero with the message and hint, no stack trace', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.NGROK_AUTHTOKEN;
    const result = await run('node', [path.join(repo, 'bin', 'paycli.js'), 'tunnel', '3000'], { cwd: dir, env, timeout: 20_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error no ngrok authtoken is set [tunnel_failed]\n' +
        'hint: get one at https://dashboard.ngrok.com/get-started/your-authtoken, then set NGROK_AUTHTOKEN, pass --authtoken, or put "ngrokAuthtoken" in paycli.config.json\n',
    );
  }, 30_000);
});
