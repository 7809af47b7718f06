/**
 * A data file written by an earlier version (test/fixtures/data-files/earlier-version.json): its
 * documents carry wire tags (`object: 'payment'`, `'refund'`, `'merchant'`) and its merchant holds the
 * native keys. It loads, the native API answers with the bytes the version that wrote it answered with
 * (earlier-version.answers.json), its keys still authenticate, and its payments act as before.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, SystemClock } from '../../src/clock.js';
import { startReceiver, startTestSandbox, type Api, type Receiver } from '../helpers/sandbox.js';

type Doc = Record<string, any>;
type Snapshot = Record<string, Record<string, Doc>> & { version: number };

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/data-files/${name}`, import.meta.url), 'utf8'));
const ANSWERS: Record<string, unknown> = fixture('earlier-version.answers.json');
/** When the fixture was written; the sandbox starts a minute later, before the 3-D Secure payment expires. */
const WRITTEN_AT_MS = Date.UTC(2026, 5, 1, 12, 0, 0);

const MERCHANT = 'mch_V3JnZfhkRRshROvgOVivK6Yt';
const SECRET_KEY = 'sk_test_kU43Ar1W3QTt4vhyiYtBNO7IqKCn576y';
const PAID = 'pay_kz0wmw0r0Q9uXRF8muJEmZWI';
const HELD = 'pay_Swbo7IGjxdSU6TBiqt91HBnp';
const THREE_DS = 'pay_t4QzG3qAP5cvAxYKrIZrynEj';
const REFUND = 're_493AAJniuBZS3N3laef79Nxr';
const REFUND_EVENT = 'evt_CWjGJsqLT35Twyps6XCs2Vu1';
const ENDPOINT = 'we_s1QZffgN7LixwrnM7iWEbP0e';

let dir: string;
let receiver: Receiver;
let api: Api | null = null;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'paycli-earlier-'));
  receiver = await startReceiver();
});
afterEach(async () => {
  await api?.close();
  api = null;
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

/** A sandbox on a copy of the fixture, its webhook endpoint pointed at the local receiver. */
async function startOnFixture(edit: (snapshot: Snapshot) => void = () => {}): Promise<{ api: Api; clock: FakeClock }> {
  const snapshot: Snapshot = fixture('earlier-version.json');
  snapshot.webhook_endpoints![ENDPOINT]!.url = receiver.url;
  edit(snapshot);
  const dataFile = path.join(dir, 'sandbox.json');
  await writeFile(dataFile, JSON.stringify(snapshot), { mode: 0o600 });
  const clock = new FakeClock(WRITTEN_AT_MS + 60_000);
  // Signed on the real clock: receivers check webhook-timestamp against their own.
  api = await startTestSandbox({ inMemory: false, dataFile, clock, signatureClock: new SystemClock() });
  return { api, clock };
}

describe('a data file written by an earlier version', () => {
  it('holds documents tagged with their wire object, as this test relies on', () => {
    const snapshot: Snapshot = fixture('earlier-version.json');
    expect(snapshot.merchants![MERCHANT]).toMatchObject({ object: 'merchant', secret_key: SECRET_KEY });
    expect(snapshot.payments![PAID]).toMatchObject({ object: 'payment' });
    expect(snapshot.refunds![REFUND]).toMatchObject({ object: 'refund' });
    expect(snapshot.events![REFUND_EVENT]!.data.object).toMatchObject({ object: 'refund' });
  });

  it('answers the native API with the same bytes as the version that wrote it', async () => {
    const { api } = await startOnFixture();
    expect(api.sandbox.merchant).toMatchObject({ id: MERCHANT, secret_key: SECRET_KEY });
    for (const [route, answer] of Object.entries(ANSWERS)) {
      const res = await fetch(api.sandbox.url + route, { headers: { authorization: `Bearer ${SECRET_KEY}` } });
      expect(res.status, route).toBe(200);
      expect(await res.text(), route).toBe(JSON.stringify(answer).replaceAll('{url}', api.sandbox.url));
    }
    expect((await api.call('GET', `/v1/events/${REFUND_EVENT}`)).body.data.object).toEqual(ANSWERS[`/v1/refunds/${REFUND}`]);
  });

  it('written before providers (keys in the merchant only): the same keys open the native and control APIs and sign', async () => {
    const { api, clock } = await startOnFixture((snapshot) => delete snapshot.provider_credentials);
    const keys = fixture('earlier-version.json').provider_credentials[`paycli:${MERCHANT}`].creds;
    expect(api.sandbox.merchant).toEqual({ id: MERCHANT, ...keys });
    expect(api.sandbox.providers.paycli!.credentials).toMatchObject(keys);
    expect((await api.call('GET', '/_sandbox/merchant')).body).toMatchObject({ id: MERCHANT, publishable_key: keys.publishable_key });
    expect((await api.call('GET', '/_sandbox/webhook_secret')).body).toMatchObject({ secret: keys.webhook_secret });
    const receiver2 = await startReceiver();
    try {
      await api.call('POST', '/v1/payments', { amount: 700, currency: 'EUR', merchant_order_id: 'after-upgrade', notify_url: receiver2.url, payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } } });
      await clock.advance(0);
      await api.sandbox.dispatcher.whenIdle();
      expect(receiver2.requests.length).toBeGreaterThan(0);
      for (const r of receiver2.requests) expect(() => new Webhook(keys.webhook_secret).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
    } finally {
      await receiver2.close();
    }
  });

  it('its payments capture, refund and complete as before, and notify signed with the stored secret', async () => {
    const { api, clock } = await startOnFixture();
    expect((await api.call('POST', `/v1/payments/${HELD}/capture`)).body).toMatchObject({ object: 'payment', status: 'succeeded', amount_captured: 3000 });
    const rest = await api.call('POST', '/v1/refunds', { payment_id: PAID });
    expect(rest.body).toMatchObject({ object: 'refund', payment_id: PAID, amount: 1500, status: 'succeeded' });
    const done = await api.call('POST', `/_sandbox/buyer/${THREE_DS}/complete`);
    expect(done.body).toMatchObject({ id: THREE_DS, object: 'payment', status: 'succeeded', next_action: null, livemode: false });
    const paidEvents = (await api.call('GET', `/v1/events?payment_id=${PAID}`)).body.data.map((e: Doc) => [e.type, e.data.object.object]);
    expect(paidEvents).toEqual([
      ['refund.succeeded', 'refund'],
      ['refund.succeeded', 'refund'],
      ['payment.succeeded', 'payment'],
      ['payment.created', 'payment'],
    ]);

    await clock.advance(0);
    await api.sandbox.dispatcher.whenIdle();
    const secret = fixture('earlier-version.json').webhook_endpoints[ENDPOINT].secret;
    const bodies = receiver.requests.map((r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as Doc);
    expect(bodies.map((b) => [b.type, b.data.object.object, b.data.object.id])).toEqual(
      expect.arrayContaining([
        ['payment.captured', 'payment', HELD],
        ['refund.succeeded', 'refund', rest.body.id],
        ['payment.succeeded', 'payment', THREE_DS],
      ]),
    );
  });
});
