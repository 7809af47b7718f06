/**
 * The benchmarks are not run by the tests (their numbers belong to a quiet machine), but their child
 * processes drive the built sandbox through its library API, which moves: this runs each mode the
 * benchmark table needs on a few payments, so `npm run bench` does not break unseen.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error the bench is plain JavaScript, without types
import { child, stop } from '../../bench/children.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'paycli-bench-smoke-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bench children', () => {
  it('seed writes a store with the payments asked for, which a sandbox child then serves', async () => {
    const file = path.join(tmp, 'seeded.json');
    const seeded = await child('seed', file, 25);
    expect(seeded.msg).toMatchObject({ type: 'result' });
    expect(statSync(file).size).toBeGreaterThan(0);
    const served = await child('sandbox', file);
    try {
      expect(served.msg).toMatchObject({ type: 'ready', payments: 25 });
      const res = await fetch(`http://127.0.0.1:${served.msg.port}/v1/payments?limit=1`, { headers: { authorization: `Bearer ${served.msg.key}` } });
      expect(res.status).toBe(200);
    } finally {
      await stop(served.proc);
    }
  });

  it('deliveries sends every notification to a local receiver', async () => {
    let received = 0;
    const receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.end('ok');
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const { msg } = await child('deliveries', path.join(tmp, 'deliveries.json'), url, 5);
      expect(msg).toMatchObject({ type: 'result', expected: 10, deliveries: 10 });
      // The baseline's bare POSTs reach the same receiver first.
      expect(received).toBeGreaterThanOrEqual(20);
    } finally {
      receiver.close();
    }
  });
});
