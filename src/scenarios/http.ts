/** The runner's HTTP calls, to the sandbox and to the app: JSON in, status and parsed body out. */

export interface HttpResult {
  status: number;
  /** The parsed JSON body, or null when the body is empty or not JSON. */
  json: unknown;
  text: string;
}

/** No answer at all (refused, reset, timed out). */
export class HttpUnreachable extends Error {
  constructor(
    readonly url: string,
    readonly code: string,
  ) {
    super(`no answer from ${url} (${code})`);
  }
}

/**
 * Sends one request (`body` as JSON, or `form` already encoded as application/x-www-form-urlencoded); a
 * non-2xx answer is a result, not an error. Throws HttpUnreachable when nothing answers.
 */
export async function httpJson(
  method: string,
  url: string,
  opts: { body?: unknown; form?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
  if (opts.form !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  else if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: opts.form ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw new HttpUnreachable(url, e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.message));
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

/** `refund_exceeds_captured` from a paycli error body, if it is one. */
export function errorCode(json: unknown): string | null {
  const e = (json as { error?: { code?: unknown } } | null)?.error;
  return e && typeof e.code === 'string' ? e.code : null;
}
