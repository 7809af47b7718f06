/**
 * (g) What the dashboard adds to the sandbox's start, and (h) how the dashboard answers with 100,000 stored
 * payments. Each measurement runs bench/dashboard-child.js in a fresh process.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard-child.js');

function runChild(...args) {
  // stdin from /dev/null: with a pipe there, module loading in the child costs several times more CPU.
  const r = spawnSync(process.execPath, [script, ...args.map(String)], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`dashboard bench child ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (v) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;

export function measureDashboard({ quick, log }) {
  log('timing what the dashboard adds to the start…');
  const runs = Array.from({ length: quick ? 7 : 21 }, () => runChild('start'));
  const start = {
    dashboard_ms: median(runs.map((r) => r.dashboard_ms)),
    dashboard_cpu_ms: median(runs.map((r) => r.dashboard_cpu_ms)),
    dashboard_cpu_min_ms: Math.min(...runs.map((r) => r.dashboard_cpu_ms)),
    start_ms: median(runs.map((r) => r.start_ms)),
    first_load_ms: median(runs.map((r) => r.first_load_ms)),
    runs: runs.length,
  };
  const n = quick ? 20_000 : 100_000;
  log(`measuring the dashboard with ${n.toLocaleString('en-US')} payments…`);
  const scale = runChild('scale', n);
  const rows = [
    {
      id: 'g',
      // The least of the runs is the cost itself; on a machine shared with other work the median also
      // counts their interference (CPU time included: caches, frequency, background compiler threads).
      what: `dashboard + buyer pages added to the sandbox start (their modules and mounting; CPU time, least of ${runs.length} fresh processes)`,
      value: `${ms(start.dashboard_cpu_min_ms)} CPU`,
      baseline: `median ${ms(start.dashboard_cpu_ms)} CPU, ${ms(start.dashboard_ms)} wall; whole start ${ms(start.start_ms)} wall; the files are read on first page load (${ms(start.first_load_ms)})`,
      ratio: null,
      target: '≤ 20 ms',
      met: start.dashboard_cpu_min_ms <= 20,
    },
    {
      id: 'h',
      what: `dashboard API with ${n.toLocaleString('en-US')} payments (median): list page, scan-all filter, payment page, stats`,
      value: `${ms(scale.list_ms)}, ${ms(scale.filter_scan_ms)}, ${ms(scale.detail_ms)}, ${ms(scale.stats_ms)}`,
      baseline: `stats built once on first view: ${ms(scale.stats_first_ms)}; after a change ${ms(scale.stats_after_change_ms)}`,
      ratio: null,
      target: 'each ≤ 100 ms',
      met: Math.max(scale.list_ms, scale.filter_scan_ms, scale.detail_ms, scale.stats_ms, scale.stats_after_change_ms) <= 100,
    },
  ];
  return { results: { start, scale }, rows };
}
