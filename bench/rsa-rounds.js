/**
 * The measurement behind bench/alipay.js and bench/wechatpay.js: a provider's signed request against a
 * bare loop of the same RSA operations (verify the request's signature, sign the answer, with the same
 * keys, parsed once as the sandbox parses them, inline on one thread), and against a bare node:http server
 * that does the same RSA work per request and nothing else (signing on the thread pool, as the sandbox
 * does): what any HTTP server gets around the same work.
 *
 * All three run in one child process (bench/rsa-child.js), so they share the machine and its neighbours.
 * They take turns, in rotated order, for several rounds; each round gives a ratio, and the medians are
 * reported. The verdict is the issue's measure, throughput against the loop. The sandbox signs on
 * libuv's thread pool (src/providers/rsa-pool.ts; WeChat Pay verifies there too, Alipay on the event
 * loop), so with a spare core the RSA is done beside the HTTP and store work; the loop is one thread. Beside it: CPU time per
 * operation (the child's user + system time, every thread, journal writes included; the loop's CPU over
 * the subject's, so 1.0 would mean no work at all beyond the RSA) and the event loop's own CPU per request
 * (Linux), which bounds a port's throughput when signatures are made off the loop.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad } from './http-load.js';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (x) => Math.round(x * 100) / 100;

/**
 * @param {object} o
 * @param {string} o.script  the child (bench/rsa-child.js) and its arguments
 * @param {string[]} o.args
 * @param {(ready: object) => { sandbox: (i: number) => Buffer, http: (i: number) => Buffer }} o.requests
 *   the raw requests for the sandbox and for the bare server (pre-signed, so the client does no RSA work)
 * @param {number} o.connections
 * @param {number} o.rounds
 * @param {number} o.windowMs
 * @param {number} o.warmupRequests  requests each server gets before measuring (the loop: a tenth as many
 *   iterations), so the JIT has optimised what is measured however busy the machine is
 * @param {(s: string) => void} o.log
 */
export async function measureRsaRounds(o) {
  const c = fork(o.script, o.args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.env.RSA_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.RSA_BENCH_PROF}`] : [] });
  try {
    const [ready] = await Promise.race([once(c, 'message'), once(c, 'exit').then(([code]) => [{ type: 'error', message: `the bench child exited (${code})` }])]);
    if (ready.type !== 'ready') throw new Error(ready.message);
    const ask = async (msg) => {
      c.send(msg);
      const [reply] = await once(c, 'message');
      if (reply.type === 'error') throw new Error(reply.message);
      return reply;
    };
    const cpu = async () => ask({ type: 'cpu' });
    o.log('signing the requests…');
    const requests = o.requests(ready);
    const load = async (port, request, ms, maxRequests) => {
      const from = await cpu();
      const r = await runLoad({ port, connections: o.connections, warmupMs: 0, durationMs: ms, request, expectStatus: 200, maxRequests });
      const to = await cpu();
      if (r.errors > 0) throw new Error(`${r.errors} unexpected responses, first: ${r.first_error}`);
      return { per_sec: r.requests_per_sec, cpu_us: (to.us - from.us) / r.requests, loop_us: (to.loop_us - from.loop_us) / r.requests, p50_ms: r.p50_ms, p99_ms: r.p99_ms };
    };
    // One request counter per target: every sandbox request has its own order number.
    const counters = { sandbox: 0, http: 0 };
    const next = (target) => () => requests[target](counters[target]++);
    const subjects = {
      loop: async (ms, max) => {
        const r = await ask({ type: 'loop', ms, max });
        return { per_sec: r.per_sec, cpu_us: r.cpu_us_per_op };
      },
      sandbox: (ms, max) => load(ready.sandbox_port, next('sandbox'), ms, max),
      http: (ms, max) => load(ready.http_port, next('http'), ms, max),
    };
    o.log(`warming up (${o.warmupRequests} requests each)…`);
    for (const name of Object.keys(subjects)) await subjects[name](600_000, name === 'loop' ? Math.ceil(o.warmupRequests / 10) : o.warmupRequests);
    const rounds = [];
    const names = Object.keys(subjects);
    for (let r = 0; r < o.rounds; r++) {
      o.log(`round ${r + 1} of ${o.rounds}…`);
      const measured = {};
      for (let k = 0; k < names.length; k++) {
        const name = names[(r + k) % names.length];
        measured[name] = await subjects[name](o.windowMs);
      }
      rounds.push(measured);
    }
    const ratio = (name, field) => rounds.map((m) => (field === 'cpu_us' ? m.loop.cpu_us / m[name].cpu_us : m[name].per_sec / m.loop.per_sec));
    const summary = (name) => ({
      per_sec: Math.round(median(rounds.map((m) => m[name].per_sec))),
      cpu_us: Math.round(median(rounds.map((m) => m[name].cpu_us))),
      ...(name === 'loop' ? {} : { loop_us: Math.round(median(rounds.map((m) => m[name].loop_us))) }),
      ...(name === 'loop'
        ? {}
        : { cpu_ratio: round2(median(ratio(name, 'cpu_us'))), wall_ratio: round2(median(ratio(name, 'per_sec'))), wall_ratios: ratio(name, 'per_sec').map(round2), cpu_ratios: ratio(name, 'cpu_us').map(round2) }),
    });
    return { loop: summary('loop'), sandbox: summary('sandbox'), http: summary('http'), rounds, used: counters.sandbox };
  } finally {
    if (c.connected) c.disconnect();
  }
}

/** Prints the result and returns whether the target is met (by the median throughput ratio). */
export function report(name, what, result, target, log) {
  const f = (r) => `${r.per_sec.toLocaleString('en-US')} /s, ${r.cpu_us} µs CPU each${r.loop_us === undefined || Number.isNaN(r.loop_us) ? '' : ` (${r.loop_us} on the event loop)`}`;
  log(`bare RSA loop (verify + sign, one thread)  ${f(result.loop)}`);
  log(`bare node:http + the same RSA              ${f(result.http)} → ${result.http.wall_ratio}× by throughput, ${result.http.cpu_ratio}× by CPU`);
  log(`${what.padEnd(42)} ${f(result.sandbox)} → ${result.sandbox.wall_ratio}× by throughput (rounds: ${result.sandbox.wall_ratios.join(', ')}), ${result.sandbox.cpu_ratio}× by CPU`);
  const met = result.sandbox.wall_ratio >= target;
  log(`${name}: ${result.sandbox.wall_ratio}× by throughput (target ≥ ${target}×: ${met ? 'met' : 'missed'})`);
  return met;
}

/**
 * The whole command line of an RSA bench (bench/alipay.js, bench/wechatpay.js): flags, the rounds, the
 * report, `bench/results/<provider>.json`, exit code 1 when the target is missed.
 *
 * @param {object} o
 * @param {string} o.provider  `alipay` or `wechatpay` (the child serves it)
 * @param {string} o.name      the result's name (`alipay precreate`)
 * @param {string} o.what      the sandbox row's label
 * @param {number} o.target    the throughput ratio to meet
 * @param {(creds: object, i: number) => Buffer} o.request  the i-th pre-signed request; each its own order
 */
export async function runRsaBench(o) {
  const argv = process.argv.slice(2);
  const value = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
  const quick = argv.includes('--quick');
  const rounds = value('--rounds', quick ? 2 : 5);
  const windowMs = value('--window', quick ? 1 : 2) * 1000;
  const warmupRequests = value('--warmup', quick ? 1000 : 4000);
  // Throughput is what a server gives when it is kept busy: 50 keep-alive clients, as the other throughput
  // benches use. With 8, the sandbox's event loop sat idle about a third of the time, waiting for the
  // answers it had handed to the thread pool to be signed (a latency bound, not a throughput one).
  const connections = value('--connections', 50);
  const log = (s) => process.stderr.write(`${s}\n`);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const tmp = mkdtempSync(path.join(os.tmpdir(), `paycli-${o.provider}-bench-`));

  let pool = 0;
  try {
    const result = await measureRsaRounds({
      script: path.join(here, 'rsa-child.js'),
      args: [o.provider, argv.includes('--memory') ? 'memory' : path.join(tmp, 'sandbox.json')],
      connections,
      rounds,
      windowMs,
      warmupRequests,
      log,
      requests: ({ creds }) => {
        // Enough distinct orders for every sandbox window at well over the expected rate (a repeated order
        // is answered without a write, so repeats would flatter the sandbox).
        const count = warmupRequests + Math.ceil(((rounds * windowMs) / 1000) * 4000);
        const signed = Array.from({ length: count }, (_, i) => o.request(creds, i));
        pool = count;
        return {
          // Past the pool (a faster machine), orders repeat: the note below says how many.
          sandbox: (i) => signed[i % count],
          http: (i) => signed[i % count],
        };
      },
    });
    if (result.used > pool) log(`note: ${result.used - pool} sandbox requests repeated an order number`);
    const met = report(o.name, o.what, result, o.target, log);
    console.log(JSON.stringify({ loop: result.loop, http: result.http, sandbox: result.sandbox }));
    mkdirSync(path.join(here, 'results'), { recursive: true });
    writeFileSync(path.join(here, `results/${o.provider}.json`), `${JSON.stringify({ rounds, window_sec: windowMs / 1000, connections, ...result, target: o.target, met }, null, 2)}\n`);
    if (!met) process.exitCode = 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
