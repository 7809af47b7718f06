/**
 * DNS rebinding: a web page on `evil.example` whose name is made to resolve to 127.0.0.1 gets the
 * browser to talk to the sandbox as if it were its own origin, and could read the API's answers. The
 * browser still sends `Host: evil.example`, so the sandbox answers only requests addressed to a name it
 * is known by: a loopback name or address, the `--host` it was bound to, an `--allow-host` the user
 * listed, or (when bound to every interface) this machine's own addresses. An IP address in `Host`
 * cannot be a rebinding (the page's origin would then be that address), but only the machine's own are
 * accepted, to keep the rule simple to state.
 *
 * One function per HTTP server the sandbox runs: `app.use(hostCheck(policy))`.
 */
import { networkInterfaces } from 'node:os';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PaycliError } from '../errors.js';

export interface HostPolicy {
  /** The interface the server is bound to (`--host`). */
  host: string;
  /** Extra names the sandbox may be reached by (`--allow-host`), e.g. a name in /etc/hosts or a tunnel's. */
  allowHosts?: readonly string[];
}

/** The host name of a `Host` header, lowercased, without port, brackets or a trailing dot. */
export function hostNameOf(header: string): string {
  let name = header.trim().toLowerCase();
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']') < 0 ? undefined : name.indexOf(']'));
  else if (name.indexOf(':') === name.lastIndexOf(':')) name = name.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

/** Whether a host name is this machine only: localhost, *.localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(name) || name === '::1' || name === '0:0:0:0:0:0:0:1';
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** The names a server with this policy answers to (beyond loopback ones); computed once per server. */
function allowedNames(policy: HostPolicy): Set<string> {
  const names = new Set<string>();
  const bound = hostNameOf(policy.host);
  if (WILDCARDS.has(bound)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase());
  } else {
    names.add(bound);
  }
  for (const h of policy.allowHosts ?? []) names.add(hostNameOf(h));
  return names;
}

/** Whether a request with this `Host` header may be answered (no header at all: not a browser). */
export function isAllowedHost(header: string | undefined, policy: HostPolicy, names = allowedNames(policy)): boolean {
  if (header === undefined) return true;
  const name = hostNameOf(header);
  return isLoopbackName(name) || names.has(name);
}

/** Refuses (403 `host_not_allowed`) requests addressed to a name the sandbox is not known by. */
export function hostCheck(policy: HostPolicy): RequestHandler {
  const names = allowedNames(policy);
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.host;
    if (isAllowedHost(header, policy, names)) return next();
    next(
      new PaycliError('host_not_allowed', `Requests to "${hostNameOf(header ?? '')}" are refused: the sandbox answers only to localhost, its --host and the names given with --allow-host.`, {
        param: 'Host',
        hint: `If you reach the sandbox by this name on purpose, start it with --allow-host ${hostNameOf(header ?? '')}.`,
      }),
    );
  };
}
