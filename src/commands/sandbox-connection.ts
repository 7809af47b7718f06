/**
 * How the dev-loop commands (listen, trigger, events, logs, sandbox status/reset) find the running sandbox:
 * `--sandbox-url`/`--api-key` > PAYCLI_* env > paycli.config.json > the runtime file `paycli sandbox start`
 * leaves in the directory it runs in.
 */
import type { Clock } from '../clock.js';
import { resolveConfig } from '../config.js';
import { PaycliError } from '../errors.js';
import { connectSandbox, readRuntimeInfo, type SandboxClient } from '../sandbox/client.js';

export interface SandboxFlags {
  sandboxUrl?: string;
  apiKey?: string;
}

/** What a command takes from its surroundings; tests pass their own. */
export interface CommandDeps {
  cwd: string;
  env: Record<string, string | undefined>;
}

/** What a command that follows the sandbox's stream (listen, logs tail) also takes; tests pass their own. */
export interface StreamingDeps extends CommandDeps {
  /** Resolves when following should stop; default: Ctrl-C (SIGINT) or SIGTERM. */
  stop?: Promise<unknown>;
  clock?: Clock;
  heartbeatMs?: number;
  backoffMs?: readonly number[];
}

/** The process's own surroundings. */
export function processDeps(): CommandDeps {
  return { cwd: process.cwd(), env: process.env };
}

/**
 * Returns a function that resolves the sandbox afresh on each call: a long-running command (listen, logs
 * tail) calls it on every reconnect, so a sandbox restarted with new keys is found through its new runtime
 * file. While a stopped sandbox's runtime file is gone, it keeps the last address rather than falling back
 * to the default one, where some other sandbox may be running.
 */
export function sandboxResolver(flags: SandboxFlags, deps: CommandDeps): () => SandboxClient {
  // Resolving once up front makes a broken config file an error now, not on a later reconnect.
  resolveConfig(flags, deps.env, deps.cwd);
  let last: SandboxClient | null = null;
  return () => {
    const config = resolveConfig(flags, deps.env, deps.cwd);
    if (last && !config.sandboxUrl && !readRuntimeInfo(deps.cwd)) return last;
    last = connectSandbox(config, deps.cwd);
    return last;
  };
}

/** The sandbox client, which must have an API key (every route but health needs one). */
export async function keyedSandbox(flags: SandboxFlags, deps: CommandDeps): Promise<SandboxClient> {
  return requireKey(sandboxResolver(flags, deps)());
}

/**
 * Fails with a hint when no API key was found for the sandbox. A missing key is most often a sandbox that
 * is not running (its runtime file goes when it stops) or a wrong address, so it first checks that
 * something answers there: "nothing answers" is the true cause, and asking for a key would mislead.
 */
export async function requireKey(client: SandboxClient): Promise<SandboxClient> {
  if (client.apiKey) return client;
  await client.probe();
  throw new PaycliError('invalid_usage', `No API key for the sandbox at ${client.url}.`, {
    hint: 'Run this in the directory where `paycli sandbox start` runs, or pass --api-key (env PAYCLI_API_KEY) with the key it printed.',
  });
}
