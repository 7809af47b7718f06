/**
 * `node bench/stripe.js`: a Stripe PaymentIntent created and confirmed in one form-encoded request
 * (`confirm=true&payment_method=pm_card_visa`, what stripe-node sends) against the native create-payment,
 * on the same sandbox build with a file store, in the same run. Target: at least 0.8× the native rate.
 *
 * Each window gets a fresh sandbox process (its own data file), unmeasured warm-up load first, and the two
 * subjects alternate over several rounds so a slow spell on the shared machine hits both alike. Each round
 * gives a ratio; the verdict is their median (throughput, as the target says), with the ratio of CPU time
 * per request (the sandbox process's, from /proc) beside it, which a busy machine disturbs less.
 *
 *   node bench/stripe.js [--quick] [--rounds <n>] [--warmup <s>] [--window <s>]
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, kill } from './children.js';
import { jsonPost, runLoad, summarise } from './http-load.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const value = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const quick = argv.includes('--quick');
const rounds = Number(value('--rounds', quick ? 1 : 5));
const windowMs = Number(value('--window', quick ? 1 : 3)) * 1000;
const warmupMs = Number(value('--warmup', quick ? 0.5 : 3)) * 1000;
const CONNECTIONS = 50;
const log = (s) => process.stderr.write(`${s}\n`);

if (!existsSync(path.join(root, 'dist/sandbox/sandbox.js'))) {
  log('dist/ is missing: run `npx tsc -p tsconfig.build.json` first.');
  process.exit(2);
}

async function start(dataFile) {
  const c = fork(path.join(root, 'bench/stripe-server-child.js'), [dataFile], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [msg] = await Promise.race([once(c, 'message'), once(c, 'exit').then(() => [{ type: 'error', message: 'the sandbox exited before it was ready' }])]);
  if (msg.type !== 'ready') throw new Error(msg.message);
  return { proc: c, msg };
}

/** Frames a form-encoded POST as raw HTTP/1.1 bytes, as stripe-node sends it. */
function formPost(p, headers, form) {
  const payload = Buffer.from(form);
  let head = `POST ${p} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${payload.length}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`), payload]);
}

const subjects = [
  {
    name: 'native create payment',
    port: (m) => m.port,
    status: 201,
    request: (m, tag) => (i) =>
      jsonPost('/v1/payments', { authorization: `Bearer ${m.key}` }, {
        amount: 2000,
        currency: 'usd',
        merchant_order_id: `bench_${tag}_${i}`,
        payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } },
      }),
  },
  {
    name: 'Stripe PaymentIntent create + confirm',
    port: (m) => m.stripe_port,
    status: 200,
    request: (m) => () =>
      formPost(
        '/v1/payment_intents',
        { authorization: `Bearer ${m.stripe_key}`, 'stripe-version': '2026-10-28.endive' },
        'amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true&automatic_payment_methods[enabled]=true&automatic_payment_methods[allow_redirects]=never&metadata[order]=bench',
      ),
  },
];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'paycli-bench-stripe-'));
const measured = new Map(subjects.map((s) => [s.name, { windows: [], errors: 0, firstError: null, cpuSec: 0, perRound: [] }]));
try {
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? subjects : [...subjects].reverse();
    log(`round ${round} of ${rounds}…`);
    for (const s of order) {
      const { proc, msg } = await start(path.join(tmp, `r${round}-${s.status}.json`));
      let cpuFrom = NaN;
      let cpuTo = NaN;
      const t1 = setTimeout(() => (cpuFrom = cpuSeconds(proc.pid)), warmupMs);
      const t2 = setTimeout(() => (cpuTo = cpuSeconds(proc.pid)), warmupMs + windowMs);
      const r = await runLoad({ port: s.port(msg), connections: CONNECTIONS, warmupMs, durationMs: windowMs, request: s.request(msg, `r${round}`), expectStatus: s.status });
      clearTimeout(t1);
      clearTimeout(t2);
      const m = measured.get(s.name);
      m.windows.push(r.latencies);
      m.errors += r.errors;
      m.firstError ??= r.first_error;
      m.cpuSec += cpuTo - cpuFrom;
      m.perRound.push({ per_sec: r.latencies.length / (windowMs / 1000), cpu_us: ((cpuTo - cpuFrom) * 1e6) / r.latencies.length });
      await kill(proc);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const results = {};
for (const [name, m] of measured) {
  const summary = summarise(m.windows, rounds * windowMs);
  results[name] = { ...summary, cpu_us_per_request: Math.round((m.cpuSec * 1e6) / summary.requests), errors: m.errors, first_error: m.firstError };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (x) => Math.round(x * 100) / 100;
const [nativeRounds, stripeRounds] = subjects.map((s) => measured.get(s.name).perRound);
const ratios = stripeRounds.map((r, i) => round2(r.per_sec / nativeRounds[i].per_sec));
const cpuRatios = stripeRounds.map((r, i) => round2(nativeRounds[i].cpu_us / r.cpu_us));
const native = results[subjects[0].name];
const stripe = results[subjects[1].name];
const ratio = median(ratios);
const cpuRatio = median(cpuRatios);
for (const [name, r] of Object.entries(results)) {
  log(`${name.padEnd(40)} ${r.requests_per_sec.toLocaleString('en-US')} req/s (p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, ${r.cpu_us_per_request} µs CPU/req)${r.errors ? `, ${r.errors} errors: ${r.first_error}` : ''}`);
}
log(`ratio ${ratio.toFixed(2)}× by throughput (median; rounds: ${ratios.join(', ')}), ${cpuRatio.toFixed(2)}× by CPU per request (rounds: ${cpuRatios.join(', ')})`);
log(`target ≥ 0.80×: ${ratio >= 0.8 && stripe.errors === 0 ? 'met' : 'missed'}`);
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(root, 'bench/results/stripe.json'),
  JSON.stringify({ rounds, window_sec: windowMs / 1000, connections: CONNECTIONS, results, ratio, ratios, cpu_ratio: cpuRatio, cpu_ratios: cpuRatios }, null, 2) + '\n',
);
process.exit(stripe.errors === 0 && native.errors === 0 ? 0 : 1);
