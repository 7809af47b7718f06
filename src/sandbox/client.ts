/**
 * How commands talk to a running sandbox: over HTTP, never through its data file (the sandbox process is
 * the only writer). The sandbox is found from --sandbox-url/--api-key, PAYCLI_SANDBOX_URL/PAYCLI_API_KEY,
 * the config file, or the runtime file a sandbox started in the current directory leaves behind.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RUNTIME_FILE, type ResolvedConfig } from '../config.js';
import { ERROR_CODES, PaycliError, type ErrorCode } from '../errors.js';
import { writePrivateFileSync } from '../private-files.js';
import type { Sandbox } from './sandbox.js';

/** What `sandbox start` writes to `.paycli/sandbox.runtime.json` while it runs. */
export interface RuntimeInfo {
  url: string;
  pid: number;
  merchant_id: string;
  secret_key: string;
  webhook_secret: string;
  data_file: string | null;
  started_at: string;
  /** What each provider beside the native one says about itself (URL, keys), as in the readiness line. */
  providers?: Record<string, Record<string, unknown>>;
}

/** What a running sandbox tells other commands about itself. */
export function runtimeInfoOf(sandbox: Pick<Sandbox, 'url' | 'merchant' | 'dataFile' | 'clock'> & Partial<Pick<Sandbox, 'providers'>>, pid: number): RuntimeInfo {
  const providers = Object.values(sandbox.providers ?? {}).filter((p) => p.name !== 'paycli');
  return {
    url: sandbox.url,
    pid,
    merchant_id: sandbox.merchant.id,
    secret_key: sandbox.merchant.secret_key,
    webhook_secret: sandbox.merchant.webhook_secret,
    data_file: sandbox.dataFile,
    started_at: new Date(sandbox.clock.now()).toISOString(),
    ...(providers.length > 0 ? { providers: Object.fromEntries(providers.map((p) => [p.name, p.description])) } : {}),
  };
}

/**
 * Writes `.paycli/sandbox.runtime.json` under `cwd`; it holds the sandbox's test key, so only this user
 * reads it: written 0600 (in a 0700 folder) and renamed into place, so an older looser file is replaced
 * rather than kept. A runtime file that is a symbolic link is refused (`invalid_usage`), never followed.
 */
export function writeRuntimeInfo(cwd: string, info: RuntimeInfo): string {
  const file = path.join(cwd, RUNTIME_FILE);
  try {
    writePrivateFileSync(file, JSON.stringify(info, null, 2) + '\n');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    throw new PaycliError('invalid_usage', `${file} is a symbolic link; paycli does not write through links.`, {
      hint: `Remove it (rm "${file}") and start again.`,
    });
  }
  return file;
}

export function readRuntimeInfo(cwd: string): RuntimeInfo | null {
  try {
    return JSON.parse(readFileSync(path.join(cwd, RUNTIME_FILE), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
}

export class SandboxClient {
  constructor(
    readonly url: string,
    readonly apiKey: string | null,
  ) {}

  /**
   * Calls the sandbox; returns the parsed JSON body. A non-2xx answer becomes a PaycliError with the
   * sandbox's own code and message; no answer becomes `sandbox_unreachable` with a hint.
   */
  async request<T = any>(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await this.fetch(method, pathname, body, headers);
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    if (!res.ok) {
      const e = json?.error;
      // Keep the sandbox's own code when paycli knows it; an unknown one (a newer sandbox) keeps its message.
      const known = typeof e?.code === 'string' && e.code in ERROR_CODES;
      const code: ErrorCode = known ? (e.code as ErrorCode) : res.status >= 500 ? 'internal_error' : 'parameter_invalid';
      throw new PaycliError(code, e?.message ?? `The sandbox answered ${res.status}.`, { param: e?.param, hint: e?.hint });
    }
    return json as T;
  }

  /** The raw response (for CSV, streams). */
  async fetch(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    const h: Record<string, string> = { ...headers };
    if (this.apiKey) h.authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    try {
      return await fetch(this.url + pathname, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new PaycliError('sandbox_unreachable', `No sandbox answered at ${this.url} (${(err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message}).`, {
        hint: 'Start one with `paycli sandbox start`, or point to it with --sandbox-url / PAYCLI_SANDBOX_URL.',
      });
    }
  }
}

/** Finds the sandbox to talk to, in the precedence order of the config, then the runtime file. */
export function connectSandbox(config: Pick<ResolvedConfig, 'sandboxUrl' | 'apiKey'>, cwd: string): SandboxClient {
  const runtime = readRuntimeInfo(cwd);
  const url = (config.sandboxUrl ?? runtime?.url ?? 'http://127.0.0.1:4242').replace(/\/+$/, '');
  const key = config.apiKey ?? (runtime && (!config.sandboxUrl || config.sandboxUrl.replace(/\/+$/, '') === runtime.url) ? runtime.secret_key : null);
  return new SandboxClient(url, key);
}
