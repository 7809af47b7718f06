/**
 * What keeps a web page the developer happens to open from using the sandbox behind their back:
 *
 * - Cross-site request forgery: the buyer's actions need no API key (the buyer has none), so a form on
 *   any page could complete a 3-D Secure payment. State-changing requests that come from a browser page
 *   of another origin are refused: the `Origin` header (sent by browsers with every cross-origin POST)
 *   must name the sandbox itself, and failing that `Sec-Fetch-Site` must say same-origin (or `none`:
 *   typed in the address bar). Scripts, SDKs and curl send neither header and keep working.
 * - Framing (clickjacking): no page may embed the sandbox's pages (`frame-ancestors 'none'`,
 *   `X-Frame-Options: DENY`), and no answer is content-sniffed into HTML (`nosniff`).
 *
 * Functions the host applies to each app it serves: `app.use(sameOriginWrites(), securityHeaders())`.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PaycliError } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether an `Origin` header names the same origin the request was sent to (its `Host`), or one of `allowed`. */
function isSameOrigin(origin: string, host: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.includes(origin)) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && host !== undefined && url.host === host.toLowerCase();
}

export interface SameOriginOptions {
  /** Other origins whose pages may post here (e.g. the sandbox's other ports), as `http://host:port`. */
  allowedOrigins?: () => readonly string[];
  /**
   * Paths that other sites' pages post to by design, as on the real PSP (Alipay's cashier entry, where the
   * merchant's page auto-submits a form the merchant's key signed).
   */
  crossSitePaths?: readonly string[];
}

/** Refuses (403 `cross_origin_refused`) state-changing requests made by another origin's web page. */
export function sameOriginWrites(options: SameOriginOptions = {}): RequestHandler {
  const crossSite = new Set(options.crossSitePaths ?? []);
  return (req: Request, _res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method) || crossSite.has(req.path)) return next();
    const origin = req.headers.origin;
    const site = req.headers['sec-fetch-site'];
    let refused: string | null = null;
    if (origin !== undefined) {
      if (!isSameOrigin(origin, req.headers.host, options.allowedOrigins?.() ?? [])) refused = `a page of ${origin === 'null' ? 'an opaque origin' : origin}`;
    } else if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      refused = `a ${site} page`;
    }
    if (refused === null) return next();
    next(
      new PaycliError('cross_origin_refused', `This ${req.method} comes from ${refused}; the sandbox accepts changes only from its own pages and from scripts.`, {
        param: 'Origin',
        hint: 'Call the API from your server or a script (no Origin header), or use the buyer page the sandbox serves.',
      }),
    );
  };
}

/** Headers on every answer: nothing frames the sandbox's pages, nothing is sniffed into HTML. */
export function securityHeaders(): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', "frame-ancestors 'none'");
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  };
}
