/**
 * `npm run bench`: measures paycli against baselines run in the same process on the same machine, prints
 * a table, writes bench/results/latest.json, and with --update-docs rewrites the table in
 * docs/performance.md. All traffic goes to 127.0.0.1; every loop is bounded by time or count.
 *
 *   node bench/run.js [--quick] [--rounds <n>] [--warmup <s>] [--window <s>] [--only a,b,c,d,e,f,g,h] [--update-docs]
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { child, stopAll } from './children.js';
import { measureDashboard } from './dashboard.js';
import { markdownTable, textTable, updateDocs } from './report.js';
import { timeScenarios } from './scenario-timing.js';
import { measureThroughput } from './throughput.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const quick = flag('--quick');
/** Throughput: each server gets `rounds` windows of `windowMs`, each after `warmupMs` of unmeasured load. */
const rounds = Number(value('--rounds', quick ? 1 : 3));
const windowMs = Number(value('--window', quick ? 1 : 3)) * 1000;
const warmupMs = Number(value('--warmup', quick ? 0.5 : 3)) * 1000;
const only = new Set(value('--only', 'a,b,c,d,e,f,g,h').split(','));
const seeds = quick ? [2_000, 10_000] : [10_000, 100_000];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'paycli-bench-'));
const rows = [];
const results = {};
const log = (s) => process.stderr.write(`${s}\n`);

/** (c) notification deliveries per second to a local receiver. */
async function deliveries() {
  log('measuring notification deliveries…');
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}/webhooks`;
  const payments = quick ? 2_000 : 10_000;
  try {
    const { msg } = await child('deliveries', path.join(tmp, 'deliveries.json'), url, payments);
    results.deliveries = { ...msg, received };
    const perSec = Math.round(msg.per_sec);
    rows.push({
      id: 'c',
      what: `notification deliveries (${msg.deliveries.toLocaleString('en-US')} of ${msg.expected.toLocaleString('en-US')})`,
      value: `${perSec.toLocaleString('en-US')} /s`,
      baseline: `bare POSTs ${Math.round(msg.baseline_per_sec).toLocaleString('en-US')} /s`,
      ratio: msg.per_sec / msg.baseline_per_sec,
      target: '≥ 3,000 /s',
      met: perSec >= 3000 && msg.deliveries === msg.expected,
      note: msg.failed_attempts ? `${msg.failed_attempts} attempts were not acknowledged` : undefined,
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

/** (e) CLI cold start against `node -e 0`, interleaved so drift hits both alike; medians. */
function coldStart() {
  log('timing cold starts…');
  const n = quick ? 7 : 21;
  const cli = [];
  const bare = [];
  const time = (args, into) => {
    const started = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
    into.push(performance.now() - started);
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  };
  for (let i = 0; i < n; i++) {
    time(['-e', '0'], bare);
    time(['bin/paycli.js', '--version'], cli);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const c = median(cli);
  const b = median(bare);
  results.cold_start = { paycli_version_ms: c, node_e_0_ms: b, runs: n };
  rows.push({ id: 'e', what: 'paycli --version cold start (median)', value: `${Math.round(c)} ms`, baseline: `node -e 0: ${Math.round(b)} ms`, ratio: c / b, target: '≤ 1.50×', met: c / b <= 1.5 });
}

function environment() {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().slice(0, 10),
    node: process.versions.node,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown CPU',
    commit: git.status === 0 ? git.stdout.trim() : 'unknown',
    rounds,
    windowSec: windowMs / 1000,
    warmupSec: warmupMs / 1000,
  };
}

async function main() {
  if (!existsSync(path.join(root, 'dist/sandbox/sandbox.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does).');
  const env = environment();
  try {
    if (only.has('a') || only.has('b') || only.has('f')) {
      const t = await measureThroughput({ rounds, windowMs, warmupMs, seeds, tmp, log });
      results.throughput = t.results;
      rows.push(...t.rows);
    }
    if (only.has('c')) await deliveries();
    if (only.has('d')) {
      const d = await timeScenarios(root, log);
      results.scenarios = d.result;
      rows.push(d.row);
    }
    if (only.has('e')) coldStart();
    if (only.has('g') || only.has('h')) {
      const g = measureDashboard({ quick, log });
      results.dashboard = g.results;
      rows.push(...g.rows.filter((r) => only.has(r.id)));
    }
  } finally {
    await stopAll();
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(textTable(rows));
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/latest.json'), `${JSON.stringify({ env, rows, results }, null, 2)}\n`);
  log('\nwrote bench/results/latest.json');
  if (flag('--update-docs')) {
    const ok = updateDocs(path.join(root, 'docs/performance.md'), markdownTable(rows, env));
    log(ok ? 'updated the table in docs/performance.md' : 'docs/performance.md has no BENCH:TABLE markers; not updated');
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
