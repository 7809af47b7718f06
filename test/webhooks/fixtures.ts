/**
 * Shared pieces of the webhook delivery tests: a real local HTTP receiver, a small Map-based Store, an
 * event factory and a wired-up dispatcher on a FakeClock.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock } from '../../src/clock.js';
import type { Payment, PaycliEvent } from '../../src/engine/types.js';
import { paycliNotificationPayload, paycliNotifications } from '../../src/providers/paycli/notifications.js';
import type { CollectionName, Store, StoredDoc } from '../../src/store/store.js';
import {
  WebhookDispatcher,
  type Delivery,
  type DeliveryChaos,
  type DeliverySigner,
  type DeliveryTarget,
  type DeliveryUpdate,
  type StoredNotification,
  type WebhookDispatcherOptions,
} from '../../src/webhooks/dispatcher.js';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface Reply {
  status: number;
  body?: string;
  /** Never answer (to provoke a timeout). */
  hang?: boolean;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Decides each answer; defaults to 200 `ok`. */
  reply: (req: ReceivedRequest, index: number) => Reply;
  close(): Promise<void>;
}

/** Starts a real HTTP receiver on 127.0.0.1, port 0. */
export async function startReceiver(reply: Receiver['reply'] = () => ({ status: 200, body: 'ok' })): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const receiver: Receiver = { url: '', requests, reply, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const received = { method: req.method ?? '', url: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(received);
      const answer = receiver.reply(received, requests.length - 1);
      if (answer.hang) return;
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The smallest Store: a Map per collection, with commits counted. */
export class MapStore implements Store {
  readonly kind = 'memory' as const;
  readonly path = null;
  commits = 0;
  /** Each delivery's signing secret, as the test chose it (the sandbox looks credentials up instead). */
  readonly secrets = new Map<string, string>();
  private readonly maps = new Map<CollectionName, Map<string, StoredDoc>>();

  async open(): Promise<void> {}
  private map(c: CollectionName): Map<string, StoredDoc> {
    let m = this.maps.get(c);
    if (!m) this.maps.set(c, (m = new Map()));
    return m;
  }
  get<T extends StoredDoc>(c: CollectionName, id: string): T | undefined {
    return this.map(c).get(id) as T | undefined;
  }
  list<T extends StoredDoc>(c: CollectionName): readonly T[] {
    return [...this.map(c).values()] as T[];
  }
  live<T extends StoredDoc>(c: CollectionName): readonly T[] {
    return this.list<T>(c);
  }
  count(c: CollectionName): number {
    return this.map(c).size;
  }
  put<T extends StoredDoc>(c: CollectionName, doc: T): void {
    this.map(c).set(doc.id, doc);
  }
  remove(c: CollectionName, id: string): void {
    this.map(c).delete(id);
  }
  async commit(): Promise<void> {
    this.commits++;
  }
  async clear(): Promise<void> {
    this.maps.clear();
  }
  async close(): Promise<void> {}
}

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** Sequential ids per prefix: `dlv_1`, `evt_1`, … */
export function idFactory(): (prefix: string) => string {
  const counters = new Map<string, number>();
  return (prefix) => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}_${n}`;
  };
}

let eventSeq = 0;
/**
 * A payment.succeeded event with a minimal payment snapshot. The snapshot holds the two wire fields the
 * native serializer always writes (`next_action`, `livemode`), as payments stored by earlier versions do,
 * so its native notification payload carries exactly this snapshot.
 */
export function makeEvent(createdSec: number): PaycliEvent {
  eventSeq++;
  const payment = {
    id: `pay_${eventSeq}`,
    object: 'payment',
    merchant_id: 'mch_1',
    merchant_order_id: `order-${eventSeq}`,
    amount: 1999,
    currency: 'EUR',
    status: 'succeeded',
    next_action: null,
    created: createdSec,
    livemode: false,
  } as unknown as Payment;
  return { id: `evt_test_${eventSeq}`, object: 'event', merchant_id: 'mch_1', type: 'payment.succeeded', created: createdSec, data: { object: payment } };
}

/** A destination as the tests pick it: with the secret the receiver verifies with. */
export type TestTarget = DeliveryTarget & { secret: string };

/** The native notification of an event, as the sandbox stores it. */
export function nativeNotification(event: PaycliEvent): StoredNotification {
  return {
    id: event.id,
    type: event.type,
    payload: paycliNotificationPayload(event, (id) => `http://127.0.0.1:4242/_sandbox/buyer/${id}`),
    provider: 'paycli',
    merchant_id: event.merchant_id,
    event_id: event.id,
    created: event.created * 1000,
  };
}

/** Signs with the native protocol and the secret each delivery's test target carried. */
export function testSigner(store: MapStore): DeliverySigner {
  const protocol = paycliNotifications;
  return {
    sign(d: Delivery, n, opts) {
      const secret = store.secrets.get(d.id);
      if (secret === undefined) throw new Error(`no secret for ${d.id}`);
      return protocol.sign(n, { secret_key: '', publishable_key: '', webhook_secret: secret }, { url: d.url, kind: d.kind, endpoint_id: d.endpoint_id, secret: null }, opts);
    },
    isAcknowledged: (_d, status, body) => protocol.isAcknowledged(status, body),
    retryScheduleMs: () => protocol.retryScheduleMs,
    timeoutMs: () => protocol.timeoutMs,
  };
}

/** The dispatcher as the tests drive it: events and targets with secrets in, native notifications out. */
export class TestDispatcher {
  constructor(
    readonly inner: WebhookDispatcher,
    private readonly store: MapStore,
  ) {}

  enqueue(event: PaycliEvent, target: TestTarget, chaos?: DeliveryChaos): Delivery[] {
    const { secret, ...to } = target;
    const deliveries = this.inner.enqueue(nativeNotification(event), to, chaos);
    for (const d of deliveries) this.store.secrets.set(d.id, secret);
    return deliveries;
  }

  resend(eventId: string, target: TestTarget, opts?: { retry?: boolean }): Delivery {
    const { secret, ...to } = target;
    const d = this.inner.resend(eventId, to, opts);
    this.store.secrets.set(d.id, secret);
    return d;
  }

  resume = () => this.inner.resume();
  cancel = (id: string) => this.inner.cancel(id);
  cancelRetries = (merchantId: string, eventId: string) => this.inner.cancelRetries(merchantId, eventId);
  on = (listener: (u: DeliveryUpdate) => void) => this.inner.on(listener);
  whenIdle = () => this.inner.whenIdle();
  close = () => this.inner.close();
}

/** A dispatcher on `store` signing with the tests' secrets. */
export function testDispatcher(opts: Omit<WebhookDispatcherOptions, 'signer'> & { store: MapStore }): TestDispatcher {
  return new TestDispatcher(new WebhookDispatcher({ ...opts, signer: testSigner(opts.store) }), opts.store);
}

export interface Harness {
  clock: FakeClock;
  store: MapStore;
  dispatcher: TestDispatcher;
  updates: DeliveryUpdate[];
  newId: (prefix: string) => string;
}

/**
 * A dispatcher on a FakeClock that starts at the real time (so `standardwebhooks`, which checks timestamps
 * against the wall clock, accepts what it signs), with the event already stored and committed.
 */
export function makeHarness(opts: Partial<Omit<WebhookDispatcherOptions, 'signer'>> & { store?: MapStore; clock?: FakeClock } = {}): Harness {
  const clock = opts.clock ?? new FakeClock(Date.now());
  const store = opts.store ?? new MapStore();
  const newId = opts.newId ?? idFactory();
  const dispatcher = testDispatcher({ newId, ...opts, store, clock });
  const updates: DeliveryUpdate[] = [];
  dispatcher.on((u) => updates.push(u));
  return { clock, store, dispatcher, updates, newId };
}
