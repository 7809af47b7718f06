/**
 * Shared fixtures for the dev-loop command tests: captured stdout/stderr, a temp directory with a runtime
 * file pointing at a real sandbox (what `paycli sandbox start` leaves behind), and a stop switch for the
 * long-running commands.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, vi } from 'vitest';
import { runtimeInfoOf, writeRuntimeInfo } from '../../src/sandbox/client.js';
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

/**
 * Per test of a file of command tests: output captured and a fresh temp directory (`use` hands both to
 * the file); afterwards the file's `cleanup` runs, newest first, then the directory goes and the mocks and
 * exit code are reset.
 */
export function eachCommandTest(prefix: string, cleanup: (() => Promise<unknown>)[], use: (io: Captured, dir: string) => void): void {
  beforeEach(async () => {
    const dir = await tempDir(prefix);
    cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
    use(captureOutput(), dir);
  });
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
}

/** Writes the runtime file a `paycli sandbox start` in `cwd` would write. */
export function writeRuntimeFile(cwd: string, sandbox: Sandbox): void {
  writeRuntimeInfo(cwd, runtimeInfoOf(sandbox, process.pid));
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

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/paycli.js');

/**
 * Runs `node bin/paycli.js <args>` in `cwd` as a user would (no colour, no sandbox URL or key from the
 * environment, so the runtime file decides); `cleanup` gets a kill for a child still running when the test ends.
 */
export async function runPaycli(args: string[], cwd: string, cleanup: (() => Promise<unknown> | void)[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', PAYCLI_SANDBOX_URL: '', PAYCLI_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  cleanup.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}
