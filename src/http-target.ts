/** Where a command sends HTTP: the app on this machine by port, or any http(s) URL. */
import { PaycliError } from './errors.js';
import { isHttpUrl } from './http-url.js';

/**
 * Turns `3000`, `localhost:3000/hooks` or `http://127.0.0.1:3000/hooks` into an http(s) URL; a bare port
 * means the app on this machine, at `/`. Anything else is a usage error naming `flag`.
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
  if (/^\d+$/.test(v)) {
    const port = Number(v);
    if (port < 1 || port > 65535) throw usage();
    return new URL(`http://127.0.0.1:${port}/`);
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
