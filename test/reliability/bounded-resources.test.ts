/**
 * Bounded under abuse, with legitimate requests still served:
 * - a notification receiver that answers 200 and then streams a body forever: the attempt reads a small
 *   prefix, is recorded as acknowledged and closes the connection (before, it ran until the delivery
 *   timeout, reading all the while, and was recorded as a timeout);
 * - 1,100 connections that never finish their request headers, against a sandbox limited to 1,024 open
 *   files (a common desktop default): legitimate requests are all answered (before, every one failed).
 * Both are bounded in connections and time, and target 127.0.0.1 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/webhooks/delivery.js';
import { paymentBody, startTestSandbox, type Api } from '../helpers/sandbox.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('a receiver that streams its answer forever', () => {
  it('is read only up to a small cap: the attempt ends acknowledged, the connection is closed, the API stays responsive', async () => {
    const streams = new Set<ServerResponse>();
    let closedByClient = 0;
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        streams.add(res);
        const chunk = 'x'.repeat(16 * 1024);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        res.on('close', () => {
          streams.delete(res);
          closedByClient++;
        });
        pump();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of streams) s.destroy();
          receiver.closeAllConnections();
          receiver.close(() => resolve());
        }),
    );
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`;
    // A timeout long enough that only reading-to-the-end could make an attempt last that long.
    const api: Api = await startTestSandbox({ deliveryTimeoutMs: 20_000 });
    cleanup.push(() => api.close());

    const created = await api.call('POST', '/v1/payments', paymentBody({ notify_url: url }));
    expect(created.status).toBe(201);
    // Legitimate requests are answered while the notifications are under way.
    for (let i = 0; i < 20; i++) expect((await api.call('GET', `/v1/payments/${created.body.id}`)).status).toBe(200);
    await api.sandbox.dispatcher.whenIdle();
    const deliveries = api.sandbox.store.list<Delivery>('deliveries');
    expect(deliveries).toHaveLength(2);
    for (const d of deliveries) {
      expect(d.status).toBe('succeeded');
      expect(d.attempts).toHaveLength(1);
      expect(d.attempts[0]).toMatchObject({ status: 200, acknowledged: true, error: null });
      expect(d.attempts[0]!.response_excerpt).toBe('x'.repeat(500));
    }
    expect(closedByClient).toBe(2);
  });
});

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FLOOD = 1_100;

describe('a flood of half-open connections under a 1,024 open-file limit', () => {
  it('does not starve legitimate clients', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'paycli-slowloris-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const script = path.join(dir, 'child.mjs');
    await writeFile(
      script,
      `const { startSandbox } = await import(${JSON.stringify(pathToFileURL(path.join(repo, 'dist/sandbox/sandbox.js')).href)});
const sandbox = await startSandbox({ port: 0, inMemory: true });
process.stdout.write(JSON.stringify({ url: sandbox.url, key: sandbox.merchant.secret_key }) + '\\n');
`,
    );
    // The shell lowers the limit, then becomes the sandbox (exec), so the limit is the sandbox's.
    const child: ChildProcess = spawn('/bin/sh', ['-c', `ulimit -n 1024 && exec "${process.execPath}" "${script}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const { url, key } = await new Promise<{ url: string; key: string }>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
      });
      child.on('exit', (code) => reject(new Error(`the sandbox exited (${code})`)));
    });
    const { port } = new URL(url);

    const sockets: Socket[] = [];
    cleanup.push(() => sockets.forEach((s) => s.destroy()));
    await Promise.all(
      Array.from(
        { length: FLOOD },
        () =>
          new Promise<void>((resolve) => {
            const s = connect({ host: '127.0.0.1', port: Number(port) }, () => {
              s.write('GET /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // and never the end of the headers
              resolve();
            });
            s.on('error', () => resolve());
            s.on('close', () => resolve());
            sockets.push(s);
          }),
      ),
    );

    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${url}/v1/payments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify(paymentBody()),
      });
      expect(res.status).toBe(201);
    }
  });
});
