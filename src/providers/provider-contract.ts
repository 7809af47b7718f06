/**
 * The one contract test suite every provider must pass, like the store's: the same domain outcomes, driven
 * through each provider's own wire protocol by a `WireDriver` (its requests, its notification format and
 * signature check). A provider's test file calls `describeProviderContract` with its driver.
 *
 * Outcomes asserted: create → the simulated buyer acts (by the provider's own ref and by the merchant order
 * number) → a verified notification → refund → query; declines decided at once; an Idempotency-Key repeat
 * creating nothing; bad input a 4xx in the provider's shape naming the field; a notification the app does not
 * acknowledge retried on the provider's schedule.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeClock } from '../clock.js';
import type { Sandbox, SandboxOptions } from '../sandbox/sandbox.js';
import { startSandbox } from '../sandbox/sandbox.js';
import type { AnyProvider } from './contract.js';
import { loadProviders } from './registry.js';

/** The domain status a driver reads off its provider's query response. */
export type ContractStatus = 'waiting' | 'succeeded' | 'failed' | 'canceled';

/** One notification as a driver parsed and verified it. */
export interface ParsedNotification {
  /** What it says happened, in domain words. */
  outcome: 'succeeded' | 'failed' | 'refunded' | 'other';
  /** The merchant order number it is about. */
  orderNo: string;
  /** Whether the signature verified with the merchant's credentials. */
  verified: boolean;
  /** The notification's id, which stays the same on every retry (receivers deduplicate on it). */
  id: string;
}

/** A request the app received (a notification attempt). */
export interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Speaks one provider's wire protocol for the suite. */
export interface WireDriver {
  /** Registers the provider (a test-only one) with the sandbox; omit for registered providers. */
  extraProvider?: AnyProvider;
  /** The provider's registry name. */
  provider: string;
  /** Creates a payment the buyer has yet to pay (QR, redirect, 3-D Secure); returns the merchant's ref for it. */
  createWaiting(s: Sandbox, order: { orderNo: string; amount: number; notifyUrl: string; idempotencyKey?: string }): Promise<{ status: number; ref: string }>;
  /** Creates a payment the issuer declines at once for insufficient funds. */
  createDeclined(s: Sandbox, order: { orderNo: string; amount: number; notifyUrl: string }): Promise<{ status: ContractStatus; failureCode: string | null }>;
  /** Reads a payment back through the provider's API. */
  query(s: Sandbox, ref: string): Promise<{ status: ContractStatus; amount: number; refunded: number }>;
  /** Refunds part of a succeeded payment through the provider's API. */
  refund(s: Sandbox, ref: string, amount: number): Promise<{ status: 'succeeded' | 'pending' | 'failed' }>;
  /** A create request missing `field`: the provider's error status and whether its body names the field. */
  badCreate(s: Sandbox): Promise<{ status: number; body: string; field: string }>;
  /** Parses and verifies one received notification with the merchant's credentials. */
  parse(s: Sandbox, req: Received): ParsedNotification;
  /**
   * How the provider's query shows a payment whose buyer failed: `failed` (the default), or `waiting` for a
   * PSP that never tells the merchant (WeChat Pay: the order stays NOTPAY until it is closed or expires).
   */
  payerFailureShowsAs?: ContractStatus;
  /** What the app answers to acknowledge a notification under the provider's rule. */
  ack: { status: number; body: string };
}

/** A real local app receiving notifications, answering with `answer(index)`. */
export interface ContractApp {
  url: string;
  requests: Received[];
}

export interface ContractEnv {
  /** A local HTTP receiver; closed by the caller's cleanup. */
  receiver(answer: (index: number) => { status: number; body: string }): Promise<ContractApp>;
  /** Polls until `check` holds (real network I/O only). */
  waitFor(check: () => boolean): Promise<void>;
}

/** Registers the provider contract tests for one provider's wire driver. */
export function describeProviderContract(name: string, driver: WireDriver, env: ContractEnv): void {
  describe(`Provider contract: ${name}`, () => {
    let sandbox: Sandbox;
    let clock: FakeClock;
    beforeEach(async () => {
      const registry = driver.extraProvider ? { ...(await loadProviders()), [driver.provider]: driver.extraProvider } : undefined;
      const options: SandboxOptions = { port: 0, inMemory: true, virtualClock: true, providers: [driver.provider], registry };
      sandbox = await startSandbox(options);
      clock = sandbox.clock as FakeClock;
    });
    afterEach(() => sandbox.close());

    /** Lets due notifications go out and their answers come back. */
    const settle = async () => {
      await clock.advance(0);
      await sandbox.dispatcher.whenIdle();
    };
    let seq = 0;
    const orderNo = () => `contract-${name}-${++seq}`;

    it('create → buyer pays (by the provider ref) → verified notification → refund → query', async () => {
      const app = await env.receiver(() => driver.ack);
      const no = orderNo();
      const created = await driver.createWaiting(sandbox, { orderNo: no, amount: 1500, notifyUrl: app.url });
      expect(created.status).toBeGreaterThanOrEqual(200);
      expect(created.status).toBeLessThan(300);
      expect(await driver.query(sandbox, created.ref)).toMatchObject({ status: 'waiting', amount: 1500, refunded: 0 });

      const paid = await fetch(`${sandbox.url}/_sandbox/buyer/${encodeURIComponent(created.ref)}/complete`, { method: 'POST' });
      expect(paid.status).toBe(200);
      await settle();
      await env.waitFor(() => app.requests.some((r) => driver.parse(sandbox, r).outcome === 'succeeded'));
      const note = app.requests.map((r) => driver.parse(sandbox, r)).find((n) => n.outcome === 'succeeded')!;
      expect(note).toEqual({ outcome: 'succeeded', orderNo: no, verified: true, id: expect.any(String) });
      expect(await driver.query(sandbox, created.ref)).toMatchObject({ status: 'succeeded', amount: 1500, refunded: 0 });

      expect(await driver.refund(sandbox, created.ref, 500)).toEqual({ status: 'succeeded' });
      expect(await driver.query(sandbox, created.ref)).toMatchObject({ status: 'succeeded', refunded: 500 });
      await settle();
      await env.waitFor(() => app.requests.some((r) => driver.parse(sandbox, r).outcome === 'refunded'));
      // Every notification the app got verifies with the merchant's credentials.
      expect(app.requests.map((r) => driver.parse(sandbox, r).verified)).not.toContain(false);
    });

    it('the buyer acts by the merchant order number too, and can fail', async () => {
      const app = await env.receiver(() => driver.ack);
      const no = orderNo();
      const created = await driver.createWaiting(sandbox, { orderNo: no, amount: 700, notifyUrl: app.url });
      const failed = await fetch(`${sandbox.url}/_sandbox/buyer/${encodeURIComponent(no)}/fail`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ failure_code: 'insufficient_funds' }),
      });
      expect(failed.status).toBe(200);
      expect(await driver.query(sandbox, created.ref)).toMatchObject({ status: driver.payerFailureShowsAs ?? 'failed' });
      // A failure the merchant never hears of leaves the order payable: the payer tries again and pays.
      const retried = await fetch(`${sandbox.url}/_sandbox/buyer/${encodeURIComponent(no)}/complete`, { method: 'POST' });
      if (driver.payerFailureShowsAs === 'waiting') {
        expect(retried.status).toBe(200);
        expect(await driver.query(sandbox, created.ref)).toMatchObject({ status: 'succeeded', amount: 700 });
        await settle();
        await env.waitFor(() => app.requests.some((r) => driver.parse(sandbox, r).outcome === 'succeeded'));
      } else {
        expect(retried.status).toBeGreaterThanOrEqual(400);
        expect(await driver.query(sandbox, created.ref)).toMatchObject({ status: 'failed' });
      }
    });

    it('a decline is decided at once: failed, with the failure code', async () => {
      const app = await env.receiver(() => driver.ack);
      const declined = await driver.createDeclined(sandbox, { orderNo: orderNo(), amount: 900, notifyUrl: app.url });
      expect(declined).toEqual({ status: 'failed', failureCode: 'insufficient_funds' });
    });

    it('an Idempotency-Key repeat returns the first answer and creates nothing', async () => {
      const app = await env.receiver(() => driver.ack);
      const no = orderNo();
      const first = await driver.createWaiting(sandbox, { orderNo: no, amount: 300, notifyUrl: app.url, idempotencyKey: `k-${no}` });
      const again = await driver.createWaiting(sandbox, { orderNo: no, amount: 300, notifyUrl: app.url, idempotencyKey: `k-${no}` });
      expect(again).toEqual(first);
      expect(sandbox.store.list<{ id: string; merchant_order_id: string }>('payments').filter((p) => p.merchant_order_id === no)).toHaveLength(1);
    });

    it('bad input is a 4xx in the provider\'s own shape naming the field, never a 500', async () => {
      const bad = await driver.badCreate(sandbox);
      expect(bad.status).toBeGreaterThanOrEqual(400);
      expect(bad.status).toBeLessThan(500);
      expect(bad.body).toContain(bad.field);
    });

    it('a notification the app does not acknowledge is retried on the provider\'s schedule', async () => {
      const app = await env.receiver((i) => (i === 0 ? { status: 500, body: 'down' } : driver.ack));
      const created = await driver.createWaiting(sandbox, { orderNo: orderNo(), amount: 100, notifyUrl: app.url });
      await fetch(`${sandbox.url}/_sandbox/buyer/${encodeURIComponent(created.ref)}/complete`, { method: 'POST' });
      await settle();
      const deliveries = () => sandbox.store.list<{ id: string; status: string; next_attempt_at: number | null }>('deliveries');
      // Every first attempt has had its answer (whenIdle): only the refused one waits for a retry.
      const waiting = deliveries().filter((d) => d.status === 'pending');
      expect(waiting).toHaveLength(1);
      const sent = app.requests.length;
      await clock.advance(waiting[0]!.next_attempt_at! - clock.now());
      await sandbox.dispatcher.whenIdle();
      await env.waitFor(() => app.requests.length === sent + 1);
      expect(deliveries().find((d) => d.id === waiting[0]!.id)!.status).toBe('succeeded');
      // The retry is the same notification (its id), verified again.
      const [refused, retried] = [driver.parse(sandbox, app.requests[0]!), driver.parse(sandbox, app.requests[sent]!)];
      expect(retried).toEqual(refused);
      expect(retried.verified).toBe(true);
    });
  });
}
