/**
 * (a) create-payment throughput against bare express and bare node:http, (b) as the store grows, and
 * (f) the sandbox's RSS.
 *
 * The machine is shared (other builds and tests come and go) and a Node server needs seconds of load
 * before its throughput settles, so every server is treated alike: a fresh process per measurement,
 * `warmupMs` of unmeasured load, then a `windowMs` window; round-robin over all servers, several
 * rounds (each round in a rotated order); each result sums its windows. A slow spell then hits all
 * alike. Seeded stores start each round from a pristine copy of the seeded data file, and sandboxes
 * are ended with SIGKILL so no shutdown compaction skews the next round.
 */
import { copyFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { child, cpuSeconds, kill, rssMb } from './children.js';
import { get, jsonPost, runLoad, summarise } from './http-load.js';

const CONNECTIONS = 50;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (r) => `${r.requests_per_sec.toLocaleString('en-US')} req/s (p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ${r.cpu_us_per_request} µs CPU/req)`;
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
 * A read/write mix, as a merchant app under load makes it: create a payment, list the latest payments,
 * list one payment's events (a payment id nobody has: the worst case for a scan), in turn.
 */
const mixedRequest = (tag, key) => {
  const create = paymentRequest(tag, key);
  const auth = { authorization: `Bearer ${key}` };
  return (i) => (i % 3 === 0 ? create(i) : i % 3 === 1 ? get('/v1/payments?limit=10', auth) : get(`/v1/events?payment_id=pay_${tag}_${i}`, auth));
};

/**
 * Runs the measurement; returns { results, rows } for the report.
 *
 * @param {{ rounds: number, windowMs: number, warmupMs: number, seeds: number[], tmp: string, log: (s: string) => void }} o
 */
export async function measureThroughput(o) {
  const { log } = o;
  const measured = new Map(); // name → { windows: number[][], errors, firstError, cpuSec }
  const record = (name, r, cpuSec) => {
    const s = measured.get(name) ?? { windows: [], errors: 0, firstError: null, cpuSec: 0 };
    s.windows.push(r.latencies);
    s.errors += r.errors;
    s.firstError ??= r.first_error;
    s.cpuSec += cpuSec;
    measured.set(name, s);
  };
  /**
   * Loads a server and records its window. Also records the server's CPU time in the window: CPU per
   * request hardly depends on what else the machine runs, so it backs the throughput ratios up.
   */
  const load = async (name, proc, port, request, expectStatus = 201) => {
    let cpuFrom = NaN;
    let cpuTo = NaN;
    const t1 = setTimeout(() => (cpuFrom = cpuSeconds(proc.pid)), o.warmupMs);
    const t2 = setTimeout(() => (cpuTo = cpuSeconds(proc.pid)), o.warmupMs + o.windowMs);
    const r = await runLoad({ port, connections: CONNECTIONS, warmupMs: o.warmupMs, durationMs: o.windowMs, request, expectStatus });
    clearTimeout(t1);
    clearTimeout(t2);
    if (r.errors > 0) log(`  ${name}: ${r.errors} unexpected responses, first: ${r.first_error}`);
    record(name, r, cpuTo - cpuFrom);
  };

  const seeded = {};
  for (const size of o.seeds) {
    const file = path.join(o.tmp, `seeded-${size}.json`);
    log(`seeding ${n(size)} payments…`);
    const { msg } = await child('seed', file, size);
    seeded[size] = { file, seed_sec: msg.seconds, snapshot_mb: Math.round(statSync(file).size / 1e6), open_sec: [] };
    log(`  seeded in ${msg.seconds.toFixed(1)} s, ${seeded[size].snapshot_mb} MB snapshot`);
  }

  const largest = o.seeds[o.seeds.length - 1];
  /** Each subject: how to start its process, and which requests to send it. */
  const subjects = [
    { name: 'express', start: () => child('express'), request: (c, r) => paymentRequest(`x${r}`, 'none') },
    { name: 'empty', start: (r) => child('sandbox', path.join(o.tmp, `empty-${r}.json`)), request: (c, r) => paymentRequest(`e${r}`, c.msg.key) },
    ...o.seeds.map((size) => ({
      name: `seeded ${size}`,
      size,
      start: async (r) => {
        const copy = path.join(o.tmp, `run-${size}-${r}.json`);
        copyFileSync(seeded[size].file, copy);
        const t = performance.now();
        const c = await child('sandbox', copy);
        seeded[size].open_sec.push((performance.now() - t) / 1000);
        return c;
      },
      request: (c, r) => paymentRequest(`g${r}`, c.msg.key),
    })),
    {
      name: 'idempotency',
      start: (r) => child('sandbox', path.join(o.tmp, `idem-${r}.json`)),
      request: (c, r) => paymentRequest(`i${r}`, c.msg.key, (i) => ({ 'idempotency-key': `k${r}_${i}` })),
    },
    { name: 'http', start: () => child('http'), request: (c, r) => paymentRequest(`h${r}`, 'none') },
    { name: 'mixed empty', mixed: true, start: (r) => child('sandbox', path.join(o.tmp, `mixed-${r}.json`)), request: (c, r) => mixedRequest(`me${r}`, c.msg.key) },
    {
      name: 'mixed seeded',
      mixed: true,
      start: async (r) => {
        const copy = path.join(o.tmp, `run-mixed-${r}.json`);
        copyFileSync(seeded[largest].file, copy);
        return child('sandbox', copy);
      },
      request: (c, r) => mixedRequest(`ms${r}`, c.msg.key),
    },
  ];
  const rss = {};
  for (let round = 1; round <= o.rounds; round++) {
    const order = subjects.map((_, i) => subjects[(i + round - 1) % subjects.length]);
    log(`round ${round} of ${o.rounds}: ${order.map((s) => s.name).join(', ')}…`);
    for (const subject of order) {
      const c = await subject.start(round);
      if (round === 1 && subject.name !== 'express' && subject.name !== 'http' && !subject.mixed) {
        await sleep(1000);
        rss[subject.name] = { idle: rssMb(c.proc.pid) };
      }
      await load(subject.name, c.proc, c.msg.port, subject.request(c, round), subject.mixed ? [200, 201] : 201);
      if (round === 1 && rss[subject.name]) rss[subject.name].loaded = rssMb(c.proc.pid);
      await kill(c.proc);
    }
    for (const name of readdirSync(o.tmp)) if (!name.startsWith('seeded-')) rmSync(path.join(o.tmp, name), { recursive: true, force: true });
  }
  for (const size of o.seeds) {
    const s = seeded[size];
    Object.assign(s, { open_sec: Math.max(...s.open_sec), idle_rss_mb: rss[`seeded ${size}`].idle, loaded_rss_mb: rss[`seeded ${size}`].loaded });
    delete s.file;
  }
  const emptyIdleRss = rss.empty.idle;
  const emptyLoadedRss = rss.empty.loaded;

  const totalMs = o.rounds * o.windowMs;
  const result = (name) => {
    const s = measured.get(name);
    const summary = summarise(s.windows, totalMs);
    return { ...summary, cpu_us_per_request: Math.round((s.cpuSec * 1e6) / summary.requests), errors: s.errors, first_error: s.firstError };
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
      note: `${n(size)} stored: ${s.snapshot_mb} MB snapshot, opened in up to ${s.open_sec.toFixed(1)} s; RSS ${s.idle_rss_mb} MB idle, ${s.loaded_rss_mb} MB after a window; slowest response ${Math.round(s.max_ms)} ms`,
    });
  }
  const mixedEmpty = result('mixed empty');
  const mixedSeeded = result('mixed seeded');
  results.sandbox.mixed_empty = mixedEmpty;
  results.sandbox[`mixed_seeded_${largest}`] = mixedSeeded;
  rows.push(
    { id: 'b', what: 'create + list payments + list events of a payment, empty', value: fmt(mixedEmpty), baseline: '', ratio: null, target: '', met: null },
    {
      id: 'b',
      what: `  same, ${n(largest)} stored`,
      value: fmt(mixedSeeded),
      baseline: 'empty store',
      ratio: mixedSeeded.requests_per_sec / mixedEmpty.requests_per_sec,
      target: '',
      met: null,
    },
  );
  rows.push(
    { id: 'f', what: 'sandbox RSS, idle (empty file store)', value: `${emptyIdleRss} MB`, baseline: '', ratio: null, target: '≤ 100 MB', met: emptyIdleRss <= 100 },
    { id: 'f', what: 'sandbox RSS, after one load window', value: `${emptyLoadedRss} MB`, baseline: 'idle', ratio: emptyLoadedRss / emptyIdleRss, target: '', met: null },
  );
  return { results, rows };
}
