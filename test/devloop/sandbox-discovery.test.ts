/**
 * How the dev-loop commands find (or fail to find) the sandbox: a stopped sandbox or a wrong port is
 * reported as nothing answering at that URL, never as a missing API key; `--sandbox-url` takes a port or
 * host:port the way `--forward-to` does.
 */
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { runEventsList } from '../../src/commands/events.js';
import { runListen } from '../../src/commands/listen.js';
import { runLogsTail } from '../../src/commands/logs.js';
import { runTrigger } from '../../src/commands/trigger.js';
import { startTestSandbox, type Api } from '../helpers/sandbox.js';
import { captureOutput, tempDir, writeRuntimeFile, type Captured } from './helpers.js';

let io: Captured;
let dir: string;
let api: Api | null = null;

beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
});
afterEach(async () => {
  await api?.close();
  api = null;
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

/** A port on which nothing listens: taken, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('a sandbox that is not there', () => {
  it('after Ctrl-C (runtime file gone): trigger, events, logs and listen say nothing answers, with the fix', async () => {
    api = await startTestSandbox();
    const url = api.sandbox.url;
    writeRuntimeFile(dir, api.sandbox);
    await api.close();
    api = null;
    // What a stopped `sandbox start` leaves: no runtime file; the address comes from the environment here
    // so that no other sandbox on the default port can answer instead.
    await fs.rm(`${dir}/.paycli`, { recursive: true });
    const deps = { cwd: dir, env: { PAYCLI_SANDBOX_URL: url } };
    const expected = { code: 'sandbox_unreachable', message: expect.stringContaining(`Nothing answers at ${url}`), hint: expect.stringContaining('paycli sandbox start') };
    await expect(runTrigger('payment.succeeded', {}, deps)).rejects.toMatchObject(expected);
    await expect(runEventsList({}, deps)).rejects.toMatchObject(expected);
    await expect(runLogsTail({ follow: false }, deps)).rejects.toMatchObject(expected);
    await expect(runListen({ forwardTo: '3000' }, deps)).rejects.toMatchObject(expected);
    await expect(runListen({ printSecret: true }, deps)).rejects.toMatchObject(expected);
  });

  it('a wrong port through main(): exit 1 (not a usage error), "Nothing answers", not "No API key"', async () => {
    const port = await deadPort();
    for (const argv of [
      ['trigger', 'payment.succeeded'],
      ['events', 'list'],
      ['logs', 'tail', '--no-follow'],
      ['listen', '--forward-to', '3000'],
    ]) {
      io.stderr.length = 0;
      const code = await main(['node', 'paycli', ...argv, '--sandbox-url', String(port)]);
      expect(code, argv.join(' ')).toBe(1);
      expect(io.err()).toContain(`Nothing answers at http://127.0.0.1:${port}`);
      expect(io.err()).not.toContain('No API key');
      expect(io.err()).toContain('hint:');
    }
  });

  it('a sandbox that answers but no key was found still asks for the key', async () => {
    api = await startTestSandbox();
    await expect(runTrigger('payment.succeeded', { sandboxUrl: api.sandbox.url }, { cwd: dir, env: {} })).rejects.toMatchObject({
      code: 'invalid_usage',
      message: expect.stringContaining('No API key'),
    });
  });
});

describe('--sandbox-url forms', () => {
  it('a bare port and host:port work like --forward-to (and find the key in the runtime file)', async () => {
    api = await startTestSandbox();
    writeRuntimeFile(dir, api.sandbox);
    const port = new URL(api.sandbox.url).port;
    for (const sandboxUrl of [port, `localhost:${port}`, `127.0.0.1:${port}/`]) {
      io.stdout.length = 0;
      expect(await runTrigger('payment.succeeded', { sandboxUrl, json: true }, { cwd: dir, env: {} }), sandboxUrl).toBe(0);
      expect(JSON.parse(io.out().trim()).objects[0]).toMatchObject({ object: 'payment', status: 'succeeded' });
    }
    io.stdout.length = 0;
    const code = await main(['node', 'paycli', 'events', 'list', '--json', '--sandbox-url', `localhost:${port}`, '--api-key', api.sandbox.merchant.secret_key]);
    expect(code).toBe(0);
    expect(JSON.parse(io.out().trim()).data.length).toBeGreaterThan(0);
  });

  it('an invalid value is a usage error naming the flag', async () => {
    await expect(runTrigger('payment.succeeded', { sandboxUrl: 'ftp://x' }, { cwd: dir, env: {} })).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringContaining('--sandbox-url') });
  });
});
