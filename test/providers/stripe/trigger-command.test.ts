/** `paycli trigger <Stripe event name>` through the Stripe emulation of the sandbox found in the directory. */
import { promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runTrigger } from '../../../src/commands/trigger.js';
import { captureOutput, tempDir, writeRuntimeFile, type Captured } from '../../devloop/helpers.js';
import { startStripeSandbox, type StripeSandbox } from './stripe-sandbox.js';

let io: Captured;
let dir: string;
let psp: StripeSandbox;

beforeEach(async () => {
  io = captureOutput();
  dir = await tempDir();
  psp = await startStripeSandbox();
});
afterEach(async () => {
  await psp.close();
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

const deps = () => ({ cwd: dir, env: {} });
const lastJson = () => JSON.parse(io.out().trim().split('\n').at(-1)!);

describe('paycli trigger with Stripe event names', () => {
  it('runs payment_intent.succeeded against the Stripe port named in the runtime file', async () => {
    writeRuntimeFile(dir, psp.sandbox);
    expect(await runTrigger('payment_intent.succeeded', { json: true }, deps())).toBe(0);
    const result = lastJson();
    expect(result.provider).toBe('stripe');
    expect(result.steps[0].id).toMatch(/^pi_/);
    expect(result.events.map((e: { type: string }) => e.type)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
  });

  it('lists the Stripe names with --list, and says so when no sandbox here serves Stripe', async () => {
    writeRuntimeFile(dir, psp.sandbox);
    expect(await runTrigger(undefined, { list: true, json: true }, deps())).toBe(0);
    const listed = lastJson() as { name: string; provider?: string }[];
    expect(listed.filter((f) => f.provider === 'stripe').map((f) => f.name)).toContain('checkout.session.completed');

    await fs.rm(dir, { recursive: true, force: true });
    dir = await tempDir();
    await expect(runTrigger('charge.refunded', {}, deps())).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringContaining('no sandbox serving Stripe') });
    await expect(runTrigger('charge.refunded', { amount: '5' }, deps())).rejects.toMatchObject({ code: 'invalid_usage', message: expect.stringContaining('--amount does not apply') });
  });
});
