/**
 * End to end, as a developer meets it: one sandbox per data file (a second start is refused in one line
 * naming the first; a lock left by `kill -9` is taken over), each sandbox removes only its own runtime
 * file, the runtime file is private and never written through a link, an emptied data file is refused,
 * and a sandbox stopped on a full disk says so in one line and exits non-zero.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, rmSync, openSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'paycli.js');
const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const fn of cleanups.splice(0).reverse()) fn();
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], cwd: string): Run {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

/** Starts `sandbox start --json` and waits for its readiness line. */
async function start(cwd: string, extra: string[] = []): Promise<Run & { ready: { url: string; pid: number; data_file: string } }> {
  const r = run(['sandbox', 'start', '--port', '0', '--json', '--quiet', ...extra], cwd);
  const line = await new Promise<string>((resolve, reject) => {
    r.child.stdout!.on('data', () => {
      const i = r.stdout().indexOf('\n');
      if (i >= 0) resolve(r.stdout().slice(0, i));
    });
    r.child.on('exit', (code) => reject(new Error(`exited ${code} before it was ready: ${r.stderr()}`)));
  });
  return { ...r, ready: JSON.parse(line) };
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'paycli-safety-'));
const runtimeFile = (dir: string) => path.join(dir, '.paycli', 'sandbox.runtime.json');
const modeOf = (p: string) => lstatSync(p).mode & 0o777;

describe('one sandbox per data file', () => {
  test('a second start on the same data exits 1 with one line naming the first (pid, URL) and the way out', async () => {
    const dir = tmp();
    const first = await start(dir);
    const second = run(['sandbox', 'start', '--port', '0'], dir);
    expect(await second.exit).toBe(1);
    const lines = second.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`pid ${first.child.pid}`);
    expect(lines[0]).toContain(first.ready.url);
    for (const way of ['--data', '--in-memory', 'paycli sandbox status']) expect(lines[0]).toContain(way);
    // The first is untouched: still answering, its runtime file still its own.
    expect((await fetch(`${first.ready.url}/_sandbox/health`)).status).toBe(200);
    expect(JSON.parse(readFileSync(runtimeFile(dir), 'utf8')).url).toBe(first.ready.url);
  });

  test('a lock left by kill -9 is taken over at once', async () => {
    const dir = tmp();
    const first = await start(dir);
    first.child.kill('SIGKILL');
    await first.exit;
    expect(existsSync(path.join(dir, '.paycli', 'sandbox.json.lock'))).toBe(true);
    const second = await start(dir);
    expect((await fetch(`${second.ready.url}/_sandbox/health`)).status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
    expect(existsSync(path.join(dir, '.paycli', 'sandbox.json.lock'))).toBe(false);
  });

  test('stopping one sandbox leaves the runtime file of another (same folder, other data) alone', async () => {
    const dir = tmp();
    const a = await start(dir, ['--data', 'a.json']);
    const b = await start(dir, ['--data', 'b.json']);
    expect(JSON.parse(readFileSync(runtimeFile(dir), 'utf8')).url).toBe(b.ready.url);
    a.child.kill('SIGTERM');
    expect(await a.exit).toBe(0);
    expect(JSON.parse(readFileSync(runtimeFile(dir), 'utf8')).url).toBe(b.ready.url);
    b.child.kill('SIGTERM');
    expect(await b.exit).toBe(0);
    expect(existsSync(runtimeFile(dir))).toBe(false);
  });
});

describe('files it writes are private and its own', () => {
  test('the runtime file is 0600 in a 0700 folder, even when an older 0644 one was there', async () => {
    const dir = tmp();
    execFileSync('mkdir', ['-p', '-m', '0755', path.join(dir, '.paycli')]);
    writeFileSync(runtimeFile(dir), '{}', { mode: 0o644 });
    chmodSync(runtimeFile(dir), 0o644);
    const s = await start(dir);
    expect(modeOf(runtimeFile(dir))).toBe(0o600);
    expect(modeOf(path.join(dir, '.paycli'))).toBe(0o700);
    expect(modeOf(s.ready.data_file)).toBe(0o600);
    expect(modeOf(`${s.ready.data_file}.journal`)).toBe(0o600);
  });

  test('a runtime file that is a symbolic link is refused, and its target left as it was', async () => {
    const dir = tmp();
    execFileSync('mkdir', ['-p', path.join(dir, '.paycli')]);
    const target = path.join(dir, 'precious.txt');
    writeFileSync(target, 'precious');
    symlinkSync(target, runtimeFile(dir));
    const r = run(['sandbox', 'start', '--port', '0'], dir);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toContain('symbolic link');
    expect(readFileSync(target, 'utf8')).toBe('precious');
    // It stopped what it had started: the data file's lock is free again.
    expect(existsSync(path.join(dir, '.paycli', 'sandbox.json.lock'))).toBe(false);
  });

  test('an empty data file is refused with a hint, never replaced by a fresh sandbox', async () => {
    const dir = tmp();
    execFileSync('mkdir', ['-p', path.join(dir, '.paycli')]);
    writeFileSync(path.join(dir, '.paycli', 'sandbox.json'), '');
    const r = run(['sandbox', 'start', '--port', '0'], dir);
    expect(await r.exit).toBe(1);
    expect(r.stderr()).toMatch(/empty \(0 bytes\)/);
    expect(r.stderr()).toMatch(/hint:.*backup/);
    expect(readFileSync(path.join(dir, '.paycli', 'sandbox.json'), 'utf8')).toBe('');
  });
});

describe.skipIf(process.getuid?.() !== 0)('shutdown on a full disk (needs root to mount a small tmpfs; skipped otherwise)', () => {
  test('prints one error line, no stack trace, and exits non-zero', async () => {
    const dir = tmp();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    cleanups.push(() => execFileSync('umount', ['-l', dir]));
    const s = await start(dir);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${s.ready.url}/v1/payments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${(JSON.parse(readFileSync(runtimeFile(dir), 'utf8')) as { secret_key: string }).secret_key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 1000, currency: 'eur', merchant_order_id: `full-${i}`, payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2040 } } }),
      });
      expect(res.status).toBe(201);
    }
    // Fill the file system to the last byte.
    const fd = openSync(path.join(dir, 'filler'), 'a');
    for (let size = 64 * 1024; size >= 1; ) {
      try {
        writeSync(fd, Buffer.alloc(size));
      } catch {
        size = Math.floor(size / 2);
      }
    }
    closeSync(fd);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(1);
    const errors = s.stdout().split('\n').filter((l) => l.includes('"event":"error"'));
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0]!)).toMatchObject({ code: 'data_file_unwritable' });
    expect(s.stderr()).not.toMatch(/\n\s+at /);
    rmSync(path.join(dir, 'filler'));
  });
});
