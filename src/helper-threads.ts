/**
 * The sandbox's event loop is the one thread every request passes through; the process's other threads
 * (libuv's pool, which signs the Alipay and WeChat Pay answers and appends to the data file, and V8's
 * helpers) only work for it. When they compete for a core, Linux shares it evenly, and a thread the event
 * loop has just woken (to sign an answer, to append a journal line) tends to take the core from it on the
 * spot: the event loop, which every other request is waiting for, then waits itself. With those threads a
 * few steps less important, the core stays with the event loop and they run on what is left, which on a
 * 2-core machine raised the signed answers per second by about half (docs/performance.md).
 *
 * Linux only: there a thread id is listed in /proc/self/task and setpriority() takes it. Elsewhere nothing
 * changes.
 */
import { randomFill } from 'node:crypto';
import { readdirSync } from 'node:fs';
import os from 'node:os';

/** Priority (nice value) of the helper threads: 10, as `nice` gives by default. */
export const HELPER_THREAD_NICE = 10;

/**
 * Lowers the priority of every thread of this process but the main one (call it from the main thread).
 * Returns how many threads it lowered.
 */
export async function lowerHelperThreadPriority(nice = HELPER_THREAD_NICE): Promise<number> {
  if (process.platform !== 'linux') return 0;
  // libuv starts its pool on first use, and a new thread takes its creator's priority: start it now, so
  // its threads exist to be lowered.
  await new Promise<void>((resolve) => randomFill(Buffer.alloc(1), () => resolve()));
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  let lowered = 0;
  for (const entry of tids) {
    const tid = Number(entry);
    if (!Number.isInteger(tid) || tid === process.pid) continue;
    try {
      if (os.getPriority(tid) < nice) {
        os.setPriority(tid, nice);
        lowered++;
      }
    } catch {
      // The thread ended meanwhile, or the system refuses: it keeps its priority.
    }
  }
  return lowered;
}
