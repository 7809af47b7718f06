/**
 * Help and flags as a new user meets them: `sandbox start --help` shows the defaults, `sandbox reset` says
 * what it deletes, `tunnel requests --help` lists only its own options, and `tunnel --timeout` takes a
 * duration like every other flag.
 */
import { promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { runTunnel } from '../../src/commands/tunnel.js';
import { captureOutput, tempDir, type Captured } from './helpers.js';

let io: Captured;
let dir: string;
beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
});
afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

const help = async (...args: string[]) => {
  io.stdout.length = 0;
  expect(await main(['node', 'paycli', ...args, '--help'])).toBe(0);
  return io.out();
};

describe('help a new user reads', () => {
  it('sandbox start --help shows every default', async () => {
    const text = (await help('sandbox', 'start')).replace(/\s+/g, ' ');
    for (const d of ['default 4242', 'default 127.0.0.1', 'default .paycli/sandbox.json', 'default "1s,5s,30s,2m,10m,1h,3h,6h,12h,24h"', '--virtual-clock']) expect(text).toContain(d);
  });

  it('sandbox reset --help says what it deletes and what it keeps', async () => {
    expect((await help('sandbox', 'reset')).replace(/\s+/g, ' ')).toContain('delete every payment, refund, event, delivery record, webhook endpoint and chaos rule (keeps the merchant and its keys)');
  });

  it('tunnel requests|replay --help list their own options only', async () => {
    for (const sub of ['requests', 'replay']) {
      const text = await help('tunnel', sub);
      expect(text).toContain('--log <file>');
      expect(text).toContain('--json');
      for (const tunnelOnly of ['--authtoken', '--basic-auth', '--allow-cidr', '--timeout']) expect(text, `${sub}: ${tunnelOnly}`).not.toContain(tunnelOnly);
    }
    expect(await help('tunnel')).toContain('--authtoken');
  });

  it('tunnel --timeout takes 10s, 1m or seconds; nonsense is a usage error naming it', async () => {
    // No authtoken here: getting as far as asking for one proves the timeout was accepted.
    for (const timeout of ['10s', '1m', '15', '2.5']) {
      await expect(runTunnel('3000', { timeout }, { cwd: dir, env: {} }), timeout).rejects.not.toMatchObject({ param: 'timeout' });
    }
    await expect(runTunnel('3000', { timeout: 'soon' }, { cwd: dir, env: {} })).rejects.toMatchObject({ code: 'invalid_usage', param: 'timeout' });
  });
});
