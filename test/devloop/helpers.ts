/**
 * Shared fixtures for the dev-loop command tests: captured stdout/stderr, a temp directory with a runtime
 * file pointing at a real sandbox (what `paycli sandbox start` leaves behind), and a stop switch for the
 * long-running commands.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import { RUNTIME_FILE } from '../../src/config.js';
import type { RuntimeInfo } from '../../src/sandbox/client.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';

export interface Captured {
  stdout: string[];
  stderr: string[];
  out(): string;
  err(): string;
  /** The stdout lines parsed as JSON (for --json). */
  json(): any[];
}

/** Captures what the commands print; restore with vi.restoreAllMocks(). */
export function captureOutput(): Captured {
  const captured: Captured = {
    stdout: [],
    stderr: [],
    out: () => captured.stdout.join(''),
    err: () => captured.stderr.join(''),
    json: () =>
      captured
        .out()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l)),
  };
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (captured.stdout.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (captured.stderr.push(String(chunk)), true));
  return captured;
}

export async function tempDir(prefix = 'paycli-devloop-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Writes the runtime file a `paycli sandbox start` in `cwd` would write. */
export function writeRuntimeFile(cwd: string, sandbox: Sandbox): void {
  const info: RuntimeInfo = {
    url: sandbox.url,
    pid: process.pid,
    merchant_id: sandbox.merchant.id,
    secret_key: sandbox.merchant.secret_key,
    webhook_secret: sandbox.merchant.webhook_secret,
    data_file: sandbox.dataFile,
    started_at: new Date().toISOString(),
  };
  mkdirSync(path.join(cwd, '.paycli'), { recursive: true });
  writeFileSync(path.join(cwd, RUNTIME_FILE), JSON.stringify(info));
}

export interface StopSwitch {
  promise: Promise<void>;
  stop(): void;
}

export function stopSwitch(): StopSwitch {
  let stop!: () => void;
  const promise = new Promise<void>((r) => (stop = r));
  return { promise, stop };
}
