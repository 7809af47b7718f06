/**
 * What counts as a notification or endpoint URL: an absolute http(s) URL with a host, and nothing a
 * parser would quietly fix up. WHATWG URL parsing strips a leading space and tabs/newlines anywhere, and
 * reads `http:///x` as `http://x/`; a URL stored like that is not what the merchant sent, and CR/LF in a
 * URL is how header injection starts. So the text itself is checked before it is parsed.
 */

/** Whitespace (Unicode too) and control characters (C0, DEL, C1). */
const FORBIDDEN = /[\s\u0000-\u001f\u007f-\u009f]/u;

/** Why `text` is not an absolute http(s) URL with a host, or null when it is. */
export function httpUrlProblem(text: string): string | null {
  if (FORBIDDEN.test(text)) return 'must not contain spaces or control characters';
  const m = /^(https?):\/\/([^/?#]*)/i.exec(text);
  if (!m) return 'must be an absolute http(s) URL (http://… or https://…)';
  const authority = m[2]!.slice(m[2]!.lastIndexOf('@') + 1);
  const host = authority.startsWith('[') ? authority.slice(1, authority.indexOf(']')) : authority.replace(/:\d*$/, '');
  if (host === '') return 'must name a host (http://host/…)';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a valid URL';
  }
  if (url.hostname === '') return 'must name a host (http://host/…)';
  return null;
}

export function isHttpUrl(text: string): boolean {
  return httpUrlProblem(text) === null;
}
