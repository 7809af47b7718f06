/**
 * A full disk is atomic: a write answered `503 data_file_unwritable` changes nothing. It is not served
 * (no read, no 409), not replayed (the Idempotency-Key stays free), not written later; the same request
 * succeeds once there is room again; and notifications that were retrying keep retrying on schedule
 * while their attempts cannot be recorded. Once with an injected failure of every journal append (always
 * run), once on a real tmpfs filled to the brim (needs root to mount it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { startSandbox } from '../../src/sandbox/sandbox.js';
import type { Delivery } from '../../src/webhooks/delivery.js';
import { paymentBody, startReceiver, startTestSandbox, type Api, type Receiver } from '../helpers/sandbox.js';
import { failEveryAppend } from './held-writes.js';

const isRoot = process.getuid?.() === 0;
let dir: string;
let api: Api | null = null;
let receiver: Receiver | null = null;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'paycli-full-disk-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await api?.close().catch(() => undefined);
  await receiver?.close();
  api = receiver = null;
  await rm(dir, { recursive: true, force: true });
});

/** Creates with a key; the response. */
const create = (a: Api, body: Record<string, unknown>, key: string) => a.call('POST', '/v1/payments', body, { headers: { 'idempotency-key': key } });

/** What a 503 must leave behind: nothing of the refused payment, anywhere. */
async function expectNothingOf(a: Api, body: Record<string, unknown>): Promise<void> {
  const byOrder = await a.call('GET', `/v1/payments?merchant_order_id=${body.merchant_order_id as string}`);
  expect(byOrder.status).toBe(200);
  expect(byOrder.body.data).toEqual([]);
  expect(a.sandbox.store.list<{ id: string; merchant_order_id: string }>('payments').filter((p) => p.merchant_order_id === body.merchant_order_id)).toEqual([]);
}

describe('a full disk changes nothing', () => {
  it('rolls the refused write back, keeps the key free, recovers, and keeps deliveries retrying (injected ENOSPC)', async () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 1));
    const dataFile = path.join(dir, 'data.json');
    receiver = await startReceiver(() => ({ status: 500 })); // never acknowledges: deliveries keep retrying
    api = await startTestSandbox({ clock, inMemory: false, dataFile, retryScheduleMs: Array(10).fill(1000) });
    const first = await create(api, paymentBody({ notify_url: receiver.url }), 'first');
    expect(first.status).toBe(201);
    await clock.advance(10);
    await api.sandbox.dispatcher.whenIdle();
    const deliveries = () => api!.sandbox.store.list<Delivery>('deliveries');
    expect(deliveries().map((d) => d.attempts.length)).toEqual([1, 1]);

    const failing = await failEveryAppend();
    const body = paymentBody();
    const refused = await create(api, body, 'during-outage');
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'data_file_unwritable', hint: expect.stringContaining('disk space') });
    await expectNothingOf(api, body);
    // Not replayed, and the merchant_order_id is not taken: both are tried afresh, and refused again.
    const again = await create(api, body, 'during-outage');
    expect(again.status).toBe(503);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect((await create(api, body, 'another-key')).status).toBe(503);

    // Deliveries go on while their attempts cannot be recorded: every second, both of them.
    const sentBefore = receiver.requests.length;
    for (let i = 0; i < 3; i++) {
      await clock.advance(1000);
      await api.sandbox.dispatcher.whenIdle();
    }
    expect(receiver.requests.length - sentBefore).toBe(6);
    expect(deliveries().every((d) => d.status === 'pending' && d.attempts.length === 1)).toBe(true);

    failing.mockRestore(); // room again
    const ok = await create(api, body, 'during-outage');
    expect(ok.status).toBe(201);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
    await clock.advance(1000);
    await api.sandbox.dispatcher.whenIdle();
    expect(deliveries().slice(0, 2).map((d) => d.attempts.length)).toEqual([2, 2]);

    // After a restart: exactly what was acknowledged.
    await api.close();
    api = null;
    const reopened = await startSandbox({ port: 0, dataFile, clock });
    try {
      const orders = reopened.store.list<{ id: string; merchant_order_id: string }>('payments');
      expect(orders.map((p) => p.id)).toEqual([first.body.id, ok.body.id]);
    } finally {
      await reopened.close();
    }
  });

  describe.skipIf(!isRoot)('on a real tmpfs filled up (needs root to mount one; skipped otherwise)', () => {
    let mountPoint = '';
    beforeEach(() => {
      mountPoint = dir;
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mountPoint]);
    });
    afterEach(async () => {
      await api?.close().catch(() => undefined);
      api = null;
      execFileSync('umount', ['-l', mountPoint]);
    });

    /** Fills the file system with one file until a write fails with ENOSPC; returns its path. */
    async function fillUp(): Promise<string> {
      const filler = path.join(mountPoint, 'filler');
      const fh = await open(filler, 'a');
      try {
        for (let size = 64 * 1024; size >= 1; ) {
          try {
            await fh.write(Buffer.alloc(size));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
            size = Math.floor(size / 2);
          }
        }
      } finally {
        await fh.close();
      }
      return filler;
    }

    it('refuses with 503 while full, keeps the key free, succeeds once room is made, and keeps it after a restart', async () => {
      const dataFile = path.join(mountPoint, 'data.json');
      api = await startTestSandbox({ inMemory: false, dataFile });
      const first = await create(api, paymentBody(), 'first');
      expect(first.status).toBe(201);
      const filler = await fillUp();
      // Tens of kilobytes (with its events): more than any slack the fill may have left.
      const metadata = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'x'.repeat(500)]));
      const body = paymentBody({ metadata });
      const refused = await create(api, body, 'full');
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('data_file_unwritable');
      await expectNothingOf(api, body);
      expect((await create(api, body, 'full')).headers.get('idempotent-replayed')).toBeNull();

      await rm(filler);
      const ok = await create(api, body, 'full');
      expect(ok.status).toBe(201);
      expect(ok.headers.get('idempotent-replayed')).toBeNull();
      await api.close();
      api = null;
      const reopened = await startSandbox({ port: 0, dataFile });
      try {
        expect(reopened.store.list<{ id: string }>('payments').map((p) => p.id)).toEqual([first.body.id, ok.body.id]);
      } finally {
        await reopened.close();
      }
    });

    it('closes on a full disk with data_file_unwritable, not a bug', async () => {
      const dataFile = path.join(mountPoint, 'data.json');
      api = await startTestSandbox({ inMemory: false, dataFile });
      for (let i = 0; i < 5; i++) expect((await create(api, paymentBody(), `k${i}`)).status).toBe(201);
      await fillUp();
      const closing = api.close();
      api = null;
      await expect(closing).rejects.toMatchObject({ code: 'data_file_unwritable', isBug: false });
    });
  });
});
