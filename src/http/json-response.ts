/**
 * Answers a POST with JSON exactly as express's `res.status(status).json(body)` would in this app (etag
 * off, no JSON replacer/spaces/escape settings): `Content-Type: application/json; charset=utf-8` and
 * `Content-Length`, then the body. It skips what `res.send` does per call that cannot apply to a POST
 * answered 200/201 (settings lookups, freshness check, HEAD/204/304 handling), and it hands Node the body
 * as a string (express turns bodies over 1,000 characters, a payment, into a Buffer), so Node joins
 * status line, headers and body into one chunk. test/api/json-response.test.ts pins the equivalence.
 */
import type { Response } from 'express';

/** Sends `body` as JSON with `status`; for POST handlers (a GET may be answered 304 by express, so it uses res.json). */
export function sendPostJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  if (text === undefined || status === 204 || status === 205 || status === 304 || res.hasHeader('Content-Type') || res.hasHeader('Transfer-Encoding')) {
    // Cases where express's send does more than the plain write below; none occur on the API's POSTs.
    res.status(status).json(body);
    return;
  }
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
