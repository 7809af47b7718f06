/**
 * `node bench/alipay.js [--quick]`: Alipay precreate throughput (the sandbox verifies each request's RSA2
 * signature, opens the trade durably and signs its answer) as a ratio to a bare loop of the same two RSA
 * operations, in the same run on the same machine. Target: ≥ 0.7×.
 *
 * Requests are signed before the load starts (the client's signing is not the sandbox's work); each has its
 * own out_trade_no, so every request creates a trade.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rsaSign, v2RequestSignContents } from '../dist/providers/alipay/signing.js';
import { gatewayRequest, precreateParams } from './alipay-requests.js';
import { runLoad, summarise } from './http-load.js';

const quick = process.argv.includes('--quick');
const warmupMs = quick ? 500 : 2000;
const windowMs = quick ? 1500 : 4000;
const CONNECTIONS = 8;
const log = (s) => process.stderr.write(`${s}\n`);
const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'paycli-alipay-bench-'));

async function child(mode, ...args) {
  const c = fork(path.join(here, 'alipay-child.js'), [mode, ...args.map(String)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: mode === 'sandbox' && process.env.ALIPAY_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ALIPAY_BENCH_PROF}`] : [] });
  const [msg] = await Promise.race([once(c, 'message'), once(c, 'exit').then(([code]) => [{ type: 'error', message: `child ${mode} exited (${code})` }])]);
  if (msg.type === 'error') throw new Error(msg.message);
  return { c, msg };
}

try {
  log('starting the sandbox (minting Alipay keys)…');
  const server = await child('sandbox', path.join(tmp, 'sandbox.json'));
  const { port, creds } = server.msg;
  // Enough distinct requests for warmup and window at well over the expected rate.
  const count = quick ? 3000 : 8000;
  log(`signing ${count} precreate requests…`);
  const requests = [];
  for (let i = 0; i < count; i++) {
    const params = precreateParams(creds.app_id, `bench-${i}`);
    params.sign = rsaSign(v2RequestSignContents(params)[0], creds.app_private_key_pkcs1);
    requests.push(gatewayRequest(params));
  }
  const check = await fetch(`http://127.0.0.1:${port}/gateway.do?${new URLSearchParams({ ...precreateParams(creds.app_id, 'x') })}`, { method: 'POST' });
  if (check.status !== 200) throw new Error(`the gateway answered ${check.status}`);

  log('measuring precreate…');
  const cpuOf = async () => {
    server.c.send({ type: 'cpu' });
    const [m] = await once(server.c, 'message');
    return m.us;
  };
  let cpuFrom = 0;
  let cpuTo = 0;
  const t1 = setTimeout(() => void cpuOf().then((us) => (cpuFrom = us)), warmupMs);
  const t2 = setTimeout(() => void cpuOf().then((us) => (cpuTo = us)), warmupMs + windowMs);
  let used = 0;
  const r = await runLoad({ port, connections: CONNECTIONS, warmupMs, durationMs: windowMs, expectStatus: 200, request: (i) => ((used = Math.max(used, i + 1)), requests[i % count]) });
  if (r.errors > 0) throw new Error(`${r.errors} unexpected responses, first: ${r.first_error}`);
  if (used > count) log(`  note: ${used - count} requests repeated an out_trade_no (no new trade)`);
  clearTimeout(t1);
  clearTimeout(t2);
  const load = summarise([r.latencies], windowMs);
  const serverCpuUsPerRequest = (cpuTo - cpuFrom) / load.requests;
  server.c.disconnect();

  log('measuring the bare RSA loop…');
  const credsFile = path.join(tmp, 'creds.json');
  writeFileSync(credsFile, JSON.stringify(creds), { mode: 0o600 });
  const looped = await child('loop', credsFile, windowMs);
  const loop = looped.msg;
  looped.c.disconnect();

  const ratio = load.requests_per_sec / loop.ops_per_sec;
  const result = {
    precreate_per_sec: load.requests_per_sec,
    p50_ms: load.p50_ms,
    p99_ms: load.p99_ms,
    bare_loop_per_sec: Math.round(loop.ops_per_sec),
    ratio: Math.round(ratio * 100) / 100,
    // CPU per operation is steadier than throughput on a shared machine: the same ratio, measured in CPU.
    server_cpu_us_per_precreate: Math.round(serverCpuUsPerRequest),
    loop_cpu_us_per_op: Math.round(loop.cpu_us_per_op),
    cpu_ratio: Math.round((loop.cpu_us_per_op / serverCpuUsPerRequest) * 100) / 100,
    target: 0.7,
  };
  console.log(JSON.stringify(result));
  log(`precreate ${result.precreate_per_sec} req/s vs bare verify+sign ${result.bare_loop_per_sec} /s → ${result.ratio}× (target ≥ 0.7×)`);
  log(`CPU: ${result.server_cpu_us_per_precreate} µs per precreate vs ${result.loop_cpu_us_per_op} µs per verify+sign → ${result.cpu_ratio}×`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
