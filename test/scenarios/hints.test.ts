/**
 * Failures that come from the setup, not from the app's logic, name the real cause: an app that accepts
 * the connection but never answers (with --app-timeout to stop waiting 30 s), an app holding another API
 * key, an app verifying with another webhook secret.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import type { RunningApp } from '../fixtures/app-server.js';
import { startReferenceApp } from '../fixtures/reference-app.js';
import { ROOT } from './harness.js';

const KEY = 'sk_test_scenario_hints_key';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

let stdout = '';
const cleanup: (() => Promise<void>)[] = [];

beforeEach(() => {
  stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  vi.spyOn(process, 'cwd').mockReturnValue(mkdtempSync(path.join(os.tmpdir(), 'paycli-hints-')));
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const scenario = path.join(ROOT, 'scenarios', 'card-success.yaml');
const run = (...args: string[]) => main(['node', 'paycli', 'scenario', 'run', scenario, ...args]);

async function referenceApp(config: { secretKey: string; webhookSecret: string }): Promise<{ app: RunningApp; port: number }> {
  const port = await freePort();
  const app = await startReferenceApp({ sandboxUrl: `http://127.0.0.1:${port}`, ...config });
  cleanup.push(() => app.close());
  return { app, port };
}

describe('scenario run names the real cause', () => {
  it('an app that accepts but never answers: says it hangs (not "start the app"), and --app-timeout bounds the wait', async () => {
    const hung: Server = createServer(() => {
      // Reads the request, never answers.
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => (hung.closeAllConnections(), hung.close(() => r()))));
    const url = `http://127.0.0.1:${(hung.address() as { port: number }).port}`;
    expect(await run('--port', '0', '--app-url', url, '--app-timeout', '300ms')).toBe(1);
    expect(stdout).toContain(`the app accepted POST /checkout at ${url} but did not answer within 300ms`);
    expect(stdout).toMatch(/hint: The app is running but a handler never responds.*--app-timeout/);
    expect(stdout).not.toContain('Start the app');
    expect(await run('--port', '0', '--app-url', url, '--app-timeout', 'soon')).toBe(2);
  });

  it('an app holding another API key: says the sandbox refused its key, and which key to use', async () => {
    const { app, port } = await referenceApp({ secretKey: 'sk_test_not_the_sandbox_key', webhookSecret: SECRET });
    expect(await run('--port', String(port), '--api-key', KEY, '--webhook-secret', SECRET, '--app-url', app.url)).toBe(1);
    expect(stdout).toMatch(/note: the sandbox refused \d+ of the app's requests with 401 \(e\.g\. POST \/v1\/payments\): the app's API key is not the sandbox's/);
    expect(stdout).toContain(`hint: Configure the app with the secret key printed at the start of the run (${KEY}`);
  });

  it('an app verifying with another webhook secret: says so, instead of "answer 2xx fast"', async () => {
    const { app, port } = await referenceApp({ secretKey: KEY, webhookSecret: OTHER_SECRET });
    expect(await run('--port', String(port), '--api-key', KEY, '--webhook-secret', SECRET, '--app-url', app.url)).toBe(1);
    expect(stdout).toMatch(/note: the app refused every correctly signed notification \(400[^)]*\): it verifies signatures with another webhook secret/);
    expect(stdout).toContain(`Configure the app with the webhook secret printed at the start of the run (${SECRET}`);
    expect(stdout).toContain('The app refused a correctly signed notification, as it would a bad signature');
    expect(stdout).not.toContain('Answer 2xx as soon as');
  });
});
