/**
 * Opening the public ngrok tunnel. The only module that imports @ngrok/ngrok, and only when a tunnel is
 * actually opened (the native library is not loaded for any other command).
 *
 * ngrok fails in a handful of ways people can fix (no token, a bad or revoked token, too many sessions, no
 * network); `mapNgrokError` turns each into a `tunnel_failed` error with a hint. On a slow network
 * `forward()` can hang, so it runs under a timeout.
 */
import net from 'node:net';
import { SystemClock, type Clock } from '../clock.js';
import { PaycliError } from '../errors.js';

/** What paycli needs from an open ngrok listener. */
export interface TunnelListener {
  url(): string | null;
  close(): Promise<void>;
}

/** The settings handed to ngrok's `forward()`. */
export interface ConnectConfig {
  /** `127.0.0.1:<port>` of the inspecting proxy. */
  addr: string;
  authtoken: string;
  basic_auth?: string[];
  ip_restriction_allow_cidrs?: string[];
}

/** Opens the listener. Production uses ngrok; tests pass a double for the successful connection. */
export type TunnelConnector = (config: ConnectConfig) => Promise<TunnelListener>;

export interface OpenTunnelOptions {
  /** The local port ngrok forwards to (the inspecting proxy's). */
  port: number;
  /** The resolved authtoken; undefined fails at once, without calling ngrok. */
  authtoken: string | undefined;
  /** `user:pass`: ngrok then asks every visitor for these credentials. */
  basicAuth?: string;
  /** Only these CIDRs may reach the URL (ngrok's IP restriction). */
  allowCidrs?: string[];
  /** How long to wait for ngrok (default 15 s). */
  timeoutMs?: number;
  /** Stands in for ngrok's connection in tests; the default calls `ngrok.forward()`. */
  connector?: TunnelConnector;
  clock?: Clock;
}

/** An open tunnel. */
export interface Tunnel {
  /** The public URL, e.g. `https://abcd-1-2-3-4.ngrok-free.app`. */
  url: string;
  close(): Promise<void>;
}

/** Why the tunnel failed, for scripts and tests (in `details.reason`). */
export type TunnelFailure =
  | 'no_authtoken'
  | 'invalid_authtoken'
  | 'revoked_authtoken'
  | 'too_many_sessions'
  | 'offline'
  | 'timeout'
  | 'library_unavailable'
  | 'ngrok_error';

export const DEFAULT_TUNNEL_TIMEOUT_MS = 15_000;

const TOKEN_PAGE = 'https://dashboard.ngrok.com/get-started/your-authtoken';
const SET_TOKEN = 'set NGROK_AUTHTOKEN, pass --authtoken, or put "ngrokAuthtoken" in paycli.config.json';

function failure(reason: TunnelFailure, message: string, hint: string, extra: Record<string, unknown> = {}, cause?: unknown): PaycliError {
  return new PaycliError('tunnel_failed', message, { hint, details: { reason, ...extra }, cause });
}

/** The error for "no authtoken anywhere". */
export function missingAuthtokenError(): PaycliError {
  return failure('no_authtoken', 'no ngrok authtoken is set', `get one at ${TOKEN_PAGE}, then ${SET_TOKEN}`);
}

/** `forward()` did not settle within the timeout. */
export class TunnelTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`ngrok did not answer within ${timeoutMs} ms`);
    this.name = 'TunnelTimeout';
  }
}

/** The native library could not be loaded (e.g. no binary for this platform). */
export class NgrokUnavailable extends Error {
  constructor(cause: unknown) {
    super(`the ngrok library could not be loaded: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'NgrokUnavailable';
  }
}

const NETWORK_PATTERNS = [
  /failed to connect session/i,
  /failed to establish tcp connection/i,
  /dns|resolve|lookup/i,
  /connection (refused|reset|closed)/i,
  /network is unreachable|no route to host/i,
  /tls|handshake|certificate/i,
  /timed? ?out/i,
  /E(CONNREFUSED|CONNRESET|NOTFOUND|AI_AGAIN|NETUNREACH|HOSTUNREACH|TIMEDOUT)/,
];

/**
 * Turns whatever ngrok threw into a `tunnel_failed` PaycliError with a hint. Pure. The authtoken, if
 * given, is removed from any text taken over from ngrok (its messages can quote it).
 *
 * @example
 * mapNgrokError(Object.assign(new Error('... error_code: ERR_NGROK_105'), { errorCode: 'ERR_NGROK_105' })).details;
 * // { reason: 'invalid_authtoken', ngrok_code: 'ERR_NGROK_105' }
 */
export function mapNgrokError(err: unknown, context: { authtoken?: string } = {}): PaycliError {
  if (err instanceof PaycliError) return err;
  if (err instanceof TunnelTimeout) {
    return failure(
      'timeout',
      `ngrok did not answer within ${Math.round(err.timeoutMs / 1000)} s`,
      'check your internet connection (and any proxy or firewall blocking outbound connections to ngrok), then try again',
      {},
      err,
    );
  }
  if (err instanceof NgrokUnavailable) {
    return failure('library_unavailable', err.message, 'reinstall paycli (npm install) on a platform @ngrok/ngrok supports', {}, err);
  }
  const raw = err instanceof Error ? err.message : String(err);
  const code =
    (typeof (err as { errorCode?: unknown })?.errorCode === 'string' ? (err as { errorCode: string }).errorCode : undefined) ??
    /ERR_NGROK_\d+/.exec(raw)?.[0];
  const detail = cleanMessage(raw, context.authtoken);
  const extra = code ? { ngrok_code: code } : {};
  switch (code) {
    case 'ERR_NGROK_4018':
      return failure('no_authtoken', 'ngrok needs a verified account and an authtoken', `get one at ${TOKEN_PAGE}, then ${SET_TOKEN}`, extra, err);
    case 'ERR_NGROK_105':
      return failure(
        'invalid_authtoken',
        'ngrok rejected the authtoken: it is not a valid ngrok authtoken',
        `copy your authtoken again from ${TOKEN_PAGE}, then ${SET_TOKEN}`,
        extra,
        err,
      );
    case 'ERR_NGROK_107':
      return failure(
        'revoked_authtoken',
        'ngrok rejected the authtoken: it has been revoked or reset',
        `copy your current authtoken from ${TOKEN_PAGE}, then ${SET_TOKEN}`,
        extra,
        err,
      );
    case 'ERR_NGROK_108':
      return failure(
        'too_many_sessions',
        'your ngrok account already has as many agent sessions as its plan allows',
        'stop the other ngrok agent (another `paycli tunnel` or `ngrok` process) or end it at https://dashboard.ngrok.com/agents, then try again',
        extra,
        err,
      );
  }
  if (code) {
    return failure('ngrok_error', `ngrok refused the tunnel: ${detail}`, `see https://ngrok.com/docs/errors/${code.toLowerCase()}`, extra, err);
  }
  if (NETWORK_PATTERNS.some((p) => p.test(raw))) {
    return failure(
      'offline',
      `cannot reach the ngrok service (${detail})`,
      'check your internet connection; ngrok needs outbound access to connect.ngrok-agent.com:443',
      {},
      err,
    );
  }
  return failure('ngrok_error', `ngrok could not open the tunnel: ${detail}`, 'try again; if it keeps failing, see https://status.ngrok.com', {}, err);
}

/** First meaningful text of an ngrok message, without its error-code suffix and without the token. */
function cleanMessage(message: string, authtoken: string | undefined): string {
  let text = message.replace(/\s*error_code:\s*ERR_NGROK_\d+\s*$/, '').replace(/^failed to connect session:\s*/i, '');
  if (authtoken) text = text.split(authtoken).join('[authtoken]');
  const first = text.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? message.trim();
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}

/** Checks `--basic-auth` and `--allow-cidr` before anything goes over the network. */
export function validateAccessOptions(basicAuth: string | undefined, allowCidrs: string[] | undefined): void {
  if (basicAuth !== undefined) {
    const i = basicAuth.indexOf(':');
    if (i <= 0 || i === basicAuth.length - 1) {
      throw new PaycliError('invalid_usage', '--basic-auth must be user:password', {
        param: 'basic-auth',
        hint: 'e.g. --basic-auth dev:a-long-password',
      });
    }
  }
  for (const cidr of allowCidrs ?? []) {
    if (!isCidr(cidr)) {
      throw new PaycliError('invalid_usage', `--allow-cidr "${cidr}" is not a CIDR`, {
        param: 'allow-cidr',
        hint: 'e.g. --allow-cidr 203.0.113.0/24 or --allow-cidr 2001:db8::/32 (a single address: 203.0.113.7/32)',
      });
    }
  }
}

function isCidr(value: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(value.trim());
  if (!m) return false;
  const family = net.isIP(m[1]!);
  const bits = Number(m[2]);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

/** The production connector: ngrok's own `forward()`, loaded on first use. */
const ngrokConnector: TunnelConnector = async (config) => {
  let ngrok: typeof import('@ngrok/ngrok');
  try {
    const mod = (await import('@ngrok/ngrok')) as typeof import('@ngrok/ngrok') & { default?: typeof import('@ngrok/ngrok') };
    ngrok = mod.default ?? mod;
  } catch (err) {
    throw new NgrokUnavailable(err);
  }
  // authtoken_from_env stays off: the token was resolved (flag > env > config) by paycli already.
  return ngrok.forward({ ...config, authtoken_from_env: false });
};

/**
 * Opens a public ngrok URL that forwards to `127.0.0.1:<port>`. Fails with `tunnel_failed` (and a hint)
 * at once when there is no authtoken, and within `timeoutMs` for anything else.
 *
 * @example
 * const tunnel = await openTunnel({ port: proxy.port, authtoken: process.env.NGROK_AUTHTOKEN });
 * console.log(tunnel.url);
 * await tunnel.close();
 */
export async function openTunnel(options: OpenTunnelOptions): Promise<Tunnel> {
  if (!options.authtoken) throw missingAuthtokenError();
  validateAccessOptions(options.basicAuth, options.allowCidrs);
  const clock = options.clock ?? new SystemClock();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TUNNEL_TIMEOUT_MS;
  const connect = options.connector ?? ngrokConnector;
  const config: ConnectConfig = {
    addr: `127.0.0.1:${options.port}`,
    authtoken: options.authtoken,
    ...(options.basicAuth !== undefined ? { basic_auth: [options.basicAuth] } : {}),
    ...(options.allowCidrs?.length ? { ip_restriction_allow_cidrs: options.allowCidrs } : {}),
  };

  let timedOut = false;
  let timer: ReturnType<Clock['setTimer']> | undefined;
  const pending = Promise.resolve().then(() => connect(config));
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimer(timeoutMs, () => {
      timedOut = true;
      reject(new TunnelTimeout(timeoutMs));
    });
  });
  // A connection that arrives after we gave up must not stay open behind the user's back.
  pending.then((late) => (timedOut ? late.close().catch(() => undefined) : undefined)).catch(() => undefined);

  let listener: TunnelListener;
  try {
    listener = await Promise.race([pending, timeout]);
  } catch (err) {
    throw mapNgrokError(err, { authtoken: options.authtoken });
  } finally {
    if (timer) clock.clearTimer(timer);
  }
  const url = listener.url();
  if (!url) {
    await listener.close().catch(() => undefined);
    throw failure('ngrok_error', 'ngrok opened the tunnel but reported no URL', 'try again; if it keeps failing, see https://status.ngrok.com');
  }
  let closed = false;
  return {
    url,
    async close() {
      if (closed) return;
      closed = true;
      await listener.close();
    },
  };
}
