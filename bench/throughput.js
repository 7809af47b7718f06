/**
 * (a) create-payment throughput against bare express and bare node:http, (b) as the store grows, and
 * (f) the sandbox's RSS.
 *
 * The machine is shared (other builds and tests come and go), so one long window per server would
 * compare servers measured under different background load. Instead every server is measured in short
 * windows, round-robin, several rounds; each result sums its windows. A slow spell then hits all alike.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { child, rssMb, stop } from './children.js';
import { jsonPost, runLoad, summarise } from './http-load.js';

const CONNECTIONS = 50;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (r) => `${r.requests_per_sec.toLocaleString('en-US')} req/s (p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms)`;
const n = (x) => x.toLocaleString('en-US');

/** Create-payment requests with unique order ids; `headersFor(i)` adds per-request headers. */
const paymentRequest = (tag, key, headersFor = () => ({})) => (i) =>
  jsonPost('/v1/payments', { authorization: `Bearer ${key}`, ...headersFor(i) }, {
    amount: 2000,
    currency: 'usd',
    merchant_order_id: `bench_${tag}_${i}`,
    payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } },
  });

/**
 * Runs the measurement; returns { results, rows } for the report.
 *
 * @param {{ rounds: number, windowMs: number, warmupMs: number, seeds: number[], tmp: string, log: (s: string) => void }} o
 */
export async function measureThroughput(o) {
  const { log } = o;
  const subjects = new Map(); // name → { windows: number[][], errors, firstError, extra }
  const record = (name, r, extra = {}) => {
    const s = subjects.get(name) ?? { windows: [], errors: 0, firstError: null, ...extra };
    s.windows.push(r.latencies);
    s.errors += r.errors;
    s.firstError ??= r.first_error;
    subjects.set(name, s);
  };
  const load = async (name, port, request) => {
    const r = await runLoad({ port, connections: CONNECTIONS, warmupMs: o.warmupMs, durationMs: o.windowMs, request, expectStatus: 201 });
    if (r.errors > 0) log(`  ${name}: ${r.errors} unexpected responses, first: ${r.first_error}`);
    record(name, r);
  };

  const express = await child('express');
  const http = await child('http');
  const grown = [];
  const seeded = {};
  for (const size of o.seeds) {
    const file = path.join(o.tmp, `seeded-${size}.json`);
    log(`seeding ${n(size)} payments…`);
    const { msg } = await child('seed', file, size);
    const t = performance.now();
    const s = await child('sandbox', file);
    seeded[size] = { seed_sec: msg.seconds, snapshot_mb: Math.round(statSync(file).size / 1e6), open_sec: (performance.now() - t) / 1000 };
    log(`  seeded in ${msg.seconds.toFixed(1)} s, ${seeded[size].snapshot_mb} MB snapshot, sandbox opened it in ${seeded[size].open_sec.toFixed(1)} s`);
    grown.push({ size, ...s });
  }
  await sleep(1000);
  for (const g of grown) seeded[g.size].idle_rss_mb = rssMb(g.proc.pid);

  let emptyIdleRss = NaN;
  let emptyLoadedRss = NaN;
  for (let round = 1; round <= o.rounds; round++) {
    log(`round ${round} of ${o.rounds}: express, empty store, ${o.seeds.map(n).join(', ')} stored, Idempotency-Key, node:http…`);
    await load('express', express.msg.port, paymentRequest('x', 'none'));

    const empty = await child('sandbox', path.join(o.tmp, `empty-${round}.json`));
    if (round === 1) {
      await sleep(1000);
      emptyIdleRss = rssMb(empty.proc.pid);
    }
    await load('empty', empty.msg.port, paymentRequest(`e${round}`, empty.msg.key));
    if (round === 1) emptyLoadedRss = rssMb(empty.proc.pid);
    await stop(empty.proc);

    for (const g of grown) await load(`seeded ${g.size}`, g.msg.port, paymentRequest(`g${round}`, g.msg.key));

    const idem = await child('sandbox', path.join(o.tmp, `idem-${round}.json`));
    await load('idempotency', idem.msg.port, paymentRequest(`i${round}`, idem.msg.key, (i) => ({ 'idempotency-key': `k${round}_${i}` })));
    await stop(idem.proc);

    await load('http', http.msg.port, paymentRequest('h', 'none'));
  }
  for (const g of grown) seeded[g.size].loaded_rss_mb = rssMb(g.proc.pid);
  for (const c of [express, http, ...grown]) await stop(c.proc);

  const totalMs = o.rounds * o.windowMs;
  const result = (name) => {
    const s = subjects.get(name);
    return { ...summarise(s.windows, totalMs), errors: s.errors, first_error: s.firstError };
  };
  const results = {
    connections: CONNECTIONS,
    rounds: o.rounds,
    window_sec: o.windowMs / 1000,
    baselines: { express: result('express'), http: result('http') },
    sandbox: { empty: { ...result('empty'), idle_rss_mb: emptyIdleRss, loaded_rss_mb: emptyLoadedRss }, idempotency_key: result('idempotency') },
  };
  for (const size of o.seeds) results.sandbox[`seeded_${size}`] = { ...result(`seeded ${size}`), ...seeded[size] };

  const { express: bx, http: bh } = results.baselines;
  const empty = results.sandbox.empty;
  const rows = [
    { id: 'a', what: 'bare node:http JSON endpoint', value: fmt(bh), baseline: '', ratio: null, target: '', met: null },
    { id: 'a', what: 'bare express 5 JSON endpoint', value: fmt(bx), baseline: '', ratio: null, target: '', met: null },
    {
      id: 'a',
      what: 'create payment, file store, empty',
      value: fmt(empty),
      baseline: 'bare express',
      ratio: empty.requests_per_sec / bx.requests_per_sec,
      target: '≥ 0.80×',
      met: empty.requests_per_sec / bx.requests_per_sec >= 0.8 && empty.errors === 0,
    },
    { id: 'a', what: '  same, vs bare node:http', value: '', baseline: 'bare node:http', ratio: empty.requests_per_sec / bh.requests_per_sec, target: '', met: null },
  ];
  const idem = results.sandbox.idempotency_key;
  rows.push({ id: 'a', what: '  with an Idempotency-Key', value: fmt(idem), baseline: 'without', ratio: idem.requests_per_sec / empty.requests_per_sec, target: '', met: null });
  for (const size of o.seeds) {
    const s = results.sandbox[`seeded_${size}`];
    const ratio = s.requests_per_sec / empty.requests_per_sec;
    const last = size === o.seeds[o.seeds.length - 1];
    rows.push({
      id: 'b',
      what: `create payment, ${n(size)} stored`,
      value: fmt(s),
      baseline: 'empty store',
      ratio,
      target: last ? '≥ 0.80×' : '',
      met: last ? ratio >= 0.8 && s.errors === 0 : null,
      note: `${n(size)} stored: ${s.snapshot_mb} MB snapshot, opened in ${s.open_sec.toFixed(1)} s; RSS ${s.idle_rss_mb} MB idle, ${s.loaded_rss_mb} MB after the runs; slowest response ${Math.round(s.max_ms)} ms`,
    });
  }
  rows.push(
    { id: 'f', what: 'sandbox RSS, idle (empty file store)', value: `${emptyIdleRss} MB`, baseline: '', ratio: null, target: '≤ 100 MB', met: emptyIdleRss <= 100 },
    { id: 'f', what: 'sandbox RSS, after one load window', value: `${emptyLoadedRss} MB`, baseline: 'idle', ratio: emptyLoadedRss / emptyIdleRss, target: '', met: null },
  );
  return { results, rows };
}
