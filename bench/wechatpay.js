/**
 * `node bench/wechatpay.js [--quick]` (after `npm run build`): Native order throughput of the WeChat Pay
 * emulation (verify the merchant's request signature, place the order, sign the response) as a ratio to a
 * bare loop of the same RSA operations in the same server process, in the same run. Target: ≥ 0.7×.
 *
 * Requests are signed before the window opens (each signature is valid for five minutes), so the load
 * generator spends no RSA time while the server is measured; the bare loop runs before and after the
 * load and the two are averaged. The verdict uses CPU time per order against CPU time per bare loop
 * iteration: on a shared machine wall-clock throughput swings with whatever else runs, CPU per
 * operation hardly does. Wall-clock figures are printed beside it.
 */
import { createSign, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonPost, runLoad } from './http-load.js';

const quick = process.argv.includes('--quick');
const windowMs = quick ? 1500 : 4000;
const warmupMs = quick ? 500 : 1500;
const connections = 8;
const log = (s) => process.stderr.write(`${s}\n`);

const child = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'wechatpay-child.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.env.WX_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.WX_PROF] : [] });
const [ready] = await once(child, 'message');
const { port, creds } = ready;
const ask = async (msg) => {
  child.send(msg);
  const [reply] = await once(child, 'message');
  return reply;
};

// Enough pre-signed orders for the whole run at well above the expected rate.
const pool = quick ? 4000 : 12000;
log(`signing ${pool} Native orders…`);
const requests = [];
const tag = randomBytes(3).toString('hex');
for (let i = 0; i < pool; i++) {
  const body = { appid: creds.appid, mchid: creds.mchid, description: 'bench order', out_trade_no: `B${tag}${i}`, notify_url: 'http://127.0.0.1:9/notify', amount: { total: 100, currency: 'CNY' } };
  const ts = Math.floor(Date.now() / 1000);
  const nonce = randomBytes(16).toString('hex');
  const signature = createSign('RSA-SHA256').update(`POST\n/v3/pay/transactions/native\n${ts}\n${nonce}\n${JSON.stringify(body)}\n`).sign(creds.key, 'base64');
  const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${creds.mchid}",serial_no="${creds.serial}",timestamp="${ts}",nonce_str="${nonce}",signature="${signature}"`;
  requests.push(jsonPost('/v3/pay/transactions/native', { authorization, accept: 'application/json' }, body));
}

let next = 0;
const request = () => {
  if (next >= requests.length) throw new Error('pre-signed pool exhausted: raise the pool size');
  return requests[next++];
};
log('warming up…');
await runLoad({ port, connections, warmupMs: 0, durationMs: warmupMs, request, expectStatus: 200 });
log('bare RSA loop…');
const bareBefore = await ask({ type: 'bare', ms: windowMs });
log('Native orders…');
const c0 = await ask({ type: 'cpu' });
const cpu0 = c0.us;
const load = await runLoad({ port, connections, warmupMs: 0, durationMs: windowMs, request, expectStatus: 200 });
const c1 = await ask({ type: 'cpu' });
const cpu1 = c1.us;
const bareAfter = await ask({ type: 'bare', ms: windowMs });
child.disconnect();

const barePerSec = (bareBefore.per_sec + bareAfter.per_sec) / 2;
const bareCpu = (bareBefore.cpu_us_per_op + bareAfter.cpu_us_per_op) / 2;
const orderCpu = (cpu1 - cpu0) / load.requests;
const ratio = bareCpu / orderCpu;
const round2 = (x) => Math.round(x * 100) / 100;
const result = {
  native_orders_per_sec: load.requests_per_sec,
  p50_ms: load.p50_ms,
  p99_ms: load.p99_ms,
  errors: load.errors,
  first_error: load.first_error,
  bare_rsa_per_sec: Math.round(barePerSec),
  wall_ratio: round2(load.requests_per_sec / barePerSec),
  cpu_us_per_order: Math.round(orderCpu),
  cpu_user_us_per_order: Math.round((c1.user - c0.user) / load.requests),
  bare_cpu_us_per_op: Math.round(bareCpu),
  ratio: round2(ratio),
  target: 0.7,
  met: ratio >= 0.7 && load.errors === 0,
};
console.log(JSON.stringify(result));
if (!result.met) process.exitCode = 1;
