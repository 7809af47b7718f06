/** Where a command sends HTTP: the app on this machine by port, or any http(s) URL. */
import { PaycliError } from './errors.js';
import { isHttpUrl } from './http-url.js';

/**
 * Turns `3000`, `3000/hooks`, `localhost:3000/hooks` or `http://127.0.0.1:3000/hooks` into an http(s) URL; a
 * bare port means the app on this machine, at `/` or at the path after it. Anything else is a usage error
 * naming `flag`.
 *
 * @example
 * parseHttpTarget('3000', '--forward-to').href; // 'http://127.0.0.1:3000/'
 */
export function parseHttpTarget(value: string, flag: string): URL {
  const v = value.trim();
  const usage = () =>
    new PaycliError('invalid_usage', `Invalid ${flag} "${value}": use a port (3000) or an http(s) URL (http://localhost:3000/webhooks).`, {
      param: flag.replace(/^--/, ''),
      hint: `e.g. ${flag.startsWith('--') ? `${flag} ` : ''}3000, or ${flag.startsWith('--') ? `${flag} ` : ''}http://localhost:3000/webhooks`,
    });
  // A port with a path (`3000/webhooks`) is the app on this machine too: read as a host, `3000` would be
  // the IPv4 address 0.0.11.184.
  const portAndPath = /^(\d+)(\/.*)?$/.exec(v);
  if (portAndPath) {
    const port = Number(portAndPath[1]);
    if (port < 1 || port > 65535) throw usage();
    try {
      return new URL(`http://127.0.0.1:${port}${portAndPath[2] ?? '/'}`);
    } catch {
      throw usage();
    }
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw usage();
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' || !isHttpUrl(withScheme)) throw usage();
  return url;
}

/**
 * A base URL as people type it (`4242`, `localhost:4242`, `http://127.0.0.1:4242/`): the same forms
 * `--forward-to` accepts, without the trailing slash, so paths can be appended.
 *
 * @example
 * normalizeSandboxUrl('localhost:4242', '--sandbox-url'); // 'http://localhost:4242'
 */
export function normalizeSandboxUrl(value: string, flag: string): string {
  const url = parseHttpTarget(value, flag);
  return (url.origin + url.pathname).replace(/\/+$/, '');
}
