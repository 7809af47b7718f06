/**
 * Test harness for generated apps: scaffold one with the real CLI (bin/paycli.js, built by the global
 * setup), install its dependencies from the npm registry, run its own scripts, and start it as a child
 * process on a free port against a sandbox.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'paycli.js');

/** The environment for child processes: no npm_* variables inherited from the outer `npm test`/`npx`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('npm_')) env[k] = v;
  return { ...env, NO_COLOR: '1', NEXT_TELEMETRY_DISABLED: '1', ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (no shell), with a time limit. */
export function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${opts.timeoutMs} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `paycli <args>` from this repository's build. */
export function paycli(args: string[], cwd: string, timeoutMs = 60_000): Promise<RunResult> {
  return run(process.execPath, [BIN, ...args], { cwd, timeoutMs });
}

/** Fails with the output when a step did not exit 0. */
export function ok(step: string, r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`${step} exited ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
  return r;
}

export const tempDir = (prefix = 'paycli-scaffold-') => mkdtempSync(path.join(os.tmpdir(), prefix));

/**
 * Scaffolds a template with `paycli init` into a new temp directory and installs its dependencies. The
 * generated package.json names `paycli` as a devDependency for its own CI; here the scenarios run from this
 * repository's build instead, so that entry is removed before installing (the app never imports paycli).
 */
export async function scaffoldAndInstall(framework: string, language: string): Promise<string> {
  const dir = path.join(tempDir(), 'app');
  ok('paycli init', await paycli(['init', '--framework', framework, '--language', language, '--dir', dir, '--ci', '--yes'], ROOT));
  const pkgFile = path.join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { devDependencies: Record<string, string> };
  delete pkg.devDependencies.paycli;
  writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
  ok('npm install', await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], dir, 300_000));
  return dir;
}

export function npm(args: string[], cwd: string, timeoutMs = 180_000): Promise<RunResult> {
  return run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, timeoutMs });
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningApp {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the generated app (`npm start`-style command) and waits until GET /health answers. */
export async function startApp(dir: string, command: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(command[0]!, command.slice(1), {
    cwd: dir,
    env: childEnv({ ...env, PORT: String(port), APP_BASE_URL: url }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // The whole process group: `next start` runs the server in a child of its own.
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5_000);
    await exited;
    clearTimeout(killer);
  };
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode} before answering\n${output}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) {
      await stop();
      throw new Error(`the app did not answer GET /health within ${timeoutMs} ms\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, output: () => output, stop };
}
