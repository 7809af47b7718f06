/**
 * Starting, stopping and watching the bench's child processes (bench/server-child.js).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server-child.js');
const running = new Set();

/** Forks a bench child and waits for its first message (`ready` or `result`); rejects on `error` or exit. */
export async function child(mode, ...args) {
  const c = fork(script, [mode, ...args.map(String)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  running.add(c);
  c.once('exit', () => running.delete(c));
  const [msg] = await Promise.race([
    once(c, 'message'),
    once(c, 'exit').then(([code, signal]) => [{ type: 'error', message: `bench child "${mode}" exited (${code ?? signal}) before reporting` }]),
  ]);
  if (msg.type === 'error') {
    await stop(c);
    throw new Error(msg.message);
  }
  return { proc: c, msg };
}

/** Stops a child: it exits when its IPC channel closes; SIGKILL if it has not after 30 s. */
export async function stop(c) {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = once(c, 'exit');
  if (c.connected) c.disconnect();
  else c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** Ends a child at once (SIGKILL): a sandbox then skips its shutdown compaction. */
export async function kill(c) {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = once(c, 'exit');
  c.kill('SIGKILL');
  await exited;
}

/** Stops every child still running (on the way out, also after a failure). */
export function stopAll() {
  return Promise.all([...running].map(stop));
}

/** Resident set size of a process, from /proc (Linux), in MB; NaN elsewhere. */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuSeconds(pid) {
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of those.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}
