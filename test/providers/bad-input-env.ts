/**
 * What the providers' bad-input tests share: one real sandbox on port 0 serving Stripe, Alipay and WeChat
 * Pay (in memory), the bugs it reports (an unexpected 500 reaches `onError`), and a fingerprint of the state
 * a bad request must leave as it was: the control API's counts and events, and every document of the store.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, expect } from 'vitest';
import { FakeClock, SystemClock } from '../../src/clock.js';
import { COLLECTIONS as STRIPE } from '../../src/providers/stripe/stripe-state.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { COLLECTIONS as CORE, type CollectionName } from '../../src/store/store.js';

const PROVIDER_COLLECTIONS = [...Object.values(STRIPE), 'alipay_trades', 'alipay_refunds', 'wechatpay_orders', 'wechatpay_order_numbers', 'wechatpay_refunds'];

export interface BadInputEnv {
  sandbox: Sandbox;
  /** Bugs the sandbox reported (each answered 500): none may appear. */
  bugs: unknown[];
}

/** Starts the sandbox before the file's tests and closes it after; the returned object is filled in then. */
export function badInputSandbox(): BadInputEnv {
  const env = { bugs: [] } as unknown as BadInputEnv;
  beforeAll(async () => {
    // A clock that stands still: no expiry or refund settling changes the state while a request is checked.
    const clock = new FakeClock(Date.now());
    env.sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['stripe', 'alipay', 'wechatpay'], clock, signatureClock: new SystemClock(), retryScheduleMs: [60_000], onError: (err) => env.bugs.push(err) });
  }, 60_000);
  afterAll(async () => {
    await env.sandbox?.close();
  });
  return env;
}

/**
 * The state a refused request must not change: `/_sandbox/health` counts and the event ids of
 * `/_sandbox/events` (the control API, as a merchant sees it), and a digest of every store document.
 */
export async function stateOf(s: Sandbox): Promise<string> {
  const auth = { authorization: `Bearer ${s.merchant.secret_key}` };
  const health = (await (await fetch(`${s.url}/_sandbox/health`)).json()) as { counts: Record<string, number> };
  const events = (await (await fetch(`${s.url}/_sandbox/events?limit=100`, { headers: auth })).json()) as { data: { id: string }[] };
  const hash = createHash('sha256');
  for (const name of [...CORE, ...PROVIDER_COLLECTIONS] as CollectionName[]) {
    if (name === 'deliveries') continue; // attempts of earlier notifications move on their own schedule
    hash.update(`${name}:${JSON.stringify(s.store.list(name))}\n`);
  }
  return JSON.stringify({ counts: health.counts, events: events.data.map((e) => e.id), store: hash.digest('hex') });
}

/** A body that leaks internals: a stack frame, a file path, an express error page. */
export function expectNoLeak(text: string, what: string): void {
  expect(text, `${what}: leaks a stack trace`).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\/src\/|\.ts:\d+|<pre>|TypeError|ReferenceError|RangeError|SyntaxError: /);
}

/** `s` cut for a failure message. */
/** An answer as the tests read it: status, body text, the body parsed when it is JSON (else null), headers. */
export interface Answer {
  status: number;
  text: string;
  json: any;
  headers: Headers;
}

/** Reads a fetch response whole, parsing JSON when the body is JSON. */
export async function readAnswer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the caller checks whether it had to be
  }
  return { status: res.status, text, json, headers: res.headers };
}

export const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…(${s.length})` : s);

/** A request with headers fetch will not send (`Host`): node:http, answered as text. */
export function rawRequest(url: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A foreign Host, and a POST from another site's page: what the host refuses for every provider. */
export const HOST_REFUSALS: [string, Record<string, string>][] = [
  ['a foreign Host', { host: 'evil.example', 'content-type': 'application/json' }],
  ['a cross-site form POST', { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }],
];
