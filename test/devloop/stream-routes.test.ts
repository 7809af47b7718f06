/**
 * GET /_sandbox/stream and GET /_sandbox/webhook_secret against a real sandbox: authentication, the ready
 * message, live events and activity, heartbeats, replay after a reconnect, and a sandbox that closes
 * promptly with streams open.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SseParser, type SseMessage } from '../../src/listen/sse-parser.js';
import { eventsToReplay, type StreamReady } from '../../src/sandbox/stream-routes.js';
import { paymentBody, startTestSandbox, type Api } from '../helpers/sandbox.js';

let api: Api | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

interface OpenStream {
  messages: SseMessage[];
  raw: string[];
  ended: Promise<void>;
  abort(): void;
}

async function openStream(a: Api, query = '', headers: Record<string, string> = {}): Promise<OpenStream> {
  const controller = new AbortController();
  const res = await fetch(`${a.sandbox.url}/_sandbox/stream${query}`, {
    headers: { authorization: `Bearer ${a.sandbox.merchant.secret_key}`, ...headers },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const stream: OpenStream = { messages: [], raw: [], ended: Promise.resolve(), abort: () => controller.abort() };
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  stream.ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const text = decoder.decode(value, { stream: true });
        stream.raw.push(text);
        stream.messages.push(...parser.feed(text));
      }
    } catch {
      // aborted or cut off: the stream has ended either way
    }
  })();
  return stream;
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const named = (s: OpenStream, name: string) => s.messages.filter((m) => m.event === name);

describe('GET /_sandbox/stream', () => {
  it('needs the secret key', async () => {
    api = await startTestSandbox();
    const res = await fetch(`${api.sandbox.url}/_sandbox/stream`);
    expect(res.status).toBe(401);
    const bad = await fetch(`${api.sandbox.url}/_sandbox/stream`, { headers: { authorization: 'Bearer sk_test_nope' } });
    expect(bad.status).toBe(401);
  });

  it('rejects a bad query with a 400 naming the parameter', async () => {
    api = await startTestSandbox();
    const res = await api.call('GET', '/_sandbox/stream?include=everything');
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('include');
  });

  it('sends ready, then every new event with its id, and activity when asked', async () => {
    api = await startTestSandbox();
    const s = await openStream(api, '?include=events,activity');
    await until(() => named(s, 'ready').length === 1);
    const ready = JSON.parse(named(s, 'ready')[0]!.data) as StreamReady;
    expect(ready.merchant_id).toBe(api.sandbox.merchant.id);
    expect(ready.webhook_secret).toBe(api.sandbox.merchant.webhook_secret);
    expect(ready.heartbeat_ms).toBe(15_000);

    const created = await api.call('POST', '/v1/payments', paymentBody());
    expect(created.status).toBe(201);
    await until(() => named(s, 'event').length === 2);
    const events = named(s, 'event').map((m) => ({ id: m.id, event: JSON.parse(m.data) }));
    expect(events.map((e) => e.event.type)).toEqual(['payment.created', 'payment.succeeded']);
    for (const e of events) expect(e.id).toBe(e.event.id);
    expect(events[1]!.event.data.object.id).toBe(created.body.id);

    await until(() => named(s, 'activity').some((m) => JSON.parse(m.data).path === '/v1/payments'));
    const activity = named(s, 'activity').map((m) => JSON.parse(m.data));
    // The stream's own request is not logged.
    expect(activity.some((a) => a.path === '/_sandbox/stream')).toBe(false);
    s.abort();
  });

  it('streams only events by default', async () => {
    api = await startTestSandbox();
    const s = await openStream(api);
    await until(() => named(s, 'ready').length === 1);
    await api.call('POST', '/v1/payments', paymentBody());
    await until(() => named(s, 'event').length === 2);
    expect(named(s, 'activity')).toEqual([]);
    s.abort();
  });

  it('sends heartbeats at the asked interval', async () => {
    api = await startTestSandbox();
    const s = await openStream(api, '?heartbeat_ms=50');
    await until(() => s.raw.join('').split(': heartbeat').length > 3, 3000);
    s.abort();
  });

  it('replays the events a reconnecting client missed (since_event), and none without it', async () => {
    api = await startTestSandbox();
    const first = await openStream(api);
    await until(() => named(first, 'ready').length === 1);
    const ready = JSON.parse(named(first, 'ready')[0]!.data) as StreamReady;
    await api.call('POST', '/v1/payments', paymentBody());
    await until(() => named(first, 'event').length === 2);
    const lastSeen = named(first, 'event')[1]!.id!;
    first.abort();

    // Missed while disconnected.
    await api.call('POST', '/v1/payments', paymentBody({ payment_method: { type: 'wallet', wallet: 'alipay' } }));

    const again = await openStream(api, `?since_event=${lastSeen}&instance=${ready.instance}`);
    await until(() => named(again, 'event').length === 2);
    expect(named(again, 'event').map((m) => JSON.parse(m.data).type)).toEqual(['payment.created', 'payment.pending']);
    // Last-Event-ID works the same way (what a browser's EventSource sends).
    const viaHeader = await openStream(api, `?instance=${ready.instance}`, { 'last-event-id': lastSeen });
    await until(() => named(viaHeader, 'event').length === 2);
    const fresh = await openStream(api);
    await until(() => named(fresh, 'ready').length === 1);
    // A sentinel payment after connecting: a fresh stream gets its events and nothing replayed before them.
    const sentinel = (await api.call('POST', '/v1/payments', paymentBody())).body;
    await until(() => named(fresh, 'event').length >= 2);
    expect(named(fresh, 'event').map((m) => JSON.parse(m.data).data.object.id)).toEqual([sentinel.id, sentinel.id]);
    for (const s of [again, viaHeader, fresh]) s.abort();
  });

  it('lets sandbox.close() finish promptly with streams open, ending them', async () => {
    api = await startTestSandbox();
    const streams = await Promise.all([openStream(api), openStream(api, '?include=activity')]);
    await until(() => streams.every((s) => named(s, 'ready').length === 1));
    // Open streams must not hold close() up: were they to, the test would time out (no wall-clock bound).
    await api.close();
    api = null;
    await Promise.all(streams.map((s) => s.ended));
  });
});

describe('GET /_sandbox/webhook_secret', () => {
  it("returns the merchant's webhook secret, to the secret key only", async () => {
    api = await startTestSandbox();
    const res = await api.call('GET', '/_sandbox/webhook_secret');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ object: 'webhook_secret', merchant_id: api.sandbox.merchant.id, secret: api.sandbox.merchant.webhook_secret });
    expect((await api.call('GET', '/_sandbox/webhook_secret', undefined, { key: null })).status).toBe(401);
  });
});

describe('eventsToReplay', () => {
  const ev = (id: string, created: number, merchant_id = 'mch_1') => ({ id, created, merchant_id }) as never;
  const all = [ev('evt_1', 100), ev('evt_2', 200), ev('evt_x', 250, 'mch_2'), ev('evt_3', 300)];
  it('replays after the last seen event, for this merchant only', () => {
    expect(eventsToReplay(all, 'mch_1', 'evt_1', 'this', 0).map((e: { id: string }) => e.id)).toEqual(['evt_2', 'evt_3']);
    expect(eventsToReplay(all, 'mch_1', 'evt_1', 'none', 0).map((e: { id: string }) => e.id)).toEqual(['evt_2', 'evt_3']);
  });
  it('after a restart with an unknown (or no) last event: what the new process created', () => {
    expect(eventsToReplay(all, 'mch_1', 'evt_gone', 'other', 200_500).map((e: { id: string }) => e.id)).toEqual(['evt_2', 'evt_3']);
    expect(eventsToReplay(all, 'mch_1', undefined, 'other', 250_000).map((e: { id: string }) => e.id)).toEqual(['evt_3']);
  });
  it('nothing on a first connection or an unknown event in the same process', () => {
    expect(eventsToReplay(all, 'mch_1', undefined, 'none', 0)).toEqual([]);
    expect(eventsToReplay(all, 'mch_1', 'evt_gone', 'this', 0)).toEqual([]);
  });
});
