/**
 * Holds or fails the file store's journal appends in this process (FileHandle.appendFile is where every
 * commit goes), to put requests exactly in the window where a change is visible in memory but not yet
 * durable, or to make the disk "full".
 */
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { vi, type MockInstance } from 'vitest';

type AppendFile = (this: unknown, data: string | Uint8Array, options?: unknown) => Promise<void>;

async function fileHandleProto(): Promise<{ appendFile: AppendFile }> {
  const probePath = path.join(tmpdir(), `paycli-probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const probe = await open(probePath, 'w');
  const proto = Object.getPrototypeOf(probe) as { appendFile: AppendFile };
  await probe.close();
  await rm(probePath, { force: true });
  return proto;
}

export interface HeldAppend {
  /** Resolves once the held append has started (its change is staged and visible). */
  entered: Promise<void>;
  /** Lets the append go on, or fail with `error` (as a full disk would). */
  release(error?: Error): void;
}

/** Holds the next journal append until `release()`. */
export async function holdNextAppend(): Promise<HeldAppend> {
  const proto = await fileHandleProto();
  const original = proto.appendFile;
  let release!: (error?: Error) => void;
  let entered!: () => void;
  const gate = new Promise<Error | undefined>((resolve) => (release = resolve));
  const enteredP = new Promise<void>((resolve) => (entered = resolve));
  vi.spyOn(proto, 'appendFile').mockImplementationOnce(async function (this: unknown, ...args: Parameters<AppendFile>) {
    entered();
    const error = await gate;
    if (error) throw error;
    return original.apply(this, args);
  });
  return { entered: enteredP, release };
}

export const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/** Every journal append fails with ENOSPC until the returned spy is restored. */
export async function failEveryAppend(): Promise<MockInstance> {
  const proto = await fileHandleProto();
  return vi.spyOn(proto, 'appendFile').mockImplementation(async () => {
    throw enospc();
  });
}

/** A promise with a synchronous view of whether it has settled. */
export function tracked<T>(p: Promise<T>): { promise: Promise<T>; readonly settled: boolean } {
  const state = { settled: false };
  const promise = p.finally(() => {
    state.settled = true;
  });
  return {
    promise,
    get settled() {
      return state.settled;
    },
  };
}

/** Resolves on the `n`-th call of a spied method (counting from when the spy was made). */
export function nthCall(spy: MockInstance, n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (spy.mock.calls.length >= n ? resolve() : setImmediate(check));
    check();
  });
}
