/**
 * `node bench/wechatpay.js [--quick] [--rounds <n>] [--window <s>] [--warmup <requests>] [--memory]` (after
 * `npm run build`): Native order throughput of the WeChat Pay emulation (verify the merchant's request
 * signature, place the order durably, sign the response) as a ratio to a bare loop of the same RSA
 * operations in the same process and the same run. Target: ≥ 0.7×. Beside it, a bare node:http server doing
 * the same RSA work per request: the floor any HTTP server sets (bench/rsa-rounds.js says how it is measured).
 *
 * Requests are signed before the load starts (each signature is valid for five minutes), so the load
 * generator spends no RSA time while the server is measured. The sandbox uses a file store unless --memory.
 */
import { createSign, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonPost } from './http-load.js';
import { measureRsaRounds, report } from './rsa-rounds.js';

const argv = process.argv.slice(2);
const value = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const quick = argv.includes('--quick');
const rounds = value('--rounds', quick ? 2 : 5);
const windowMs = value('--window', quick ? 1 : 2) * 1000;
const warmupRequests = value('--warmup', quick ? 1000 : 4000);
const log = (s) => process.stderr.write(`${s}\n`);
const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'paycli-wechatpay-bench-'));

let pool = 0;
try {
  const result = await measureRsaRounds({
    script: path.join(here, 'rsa-child.js'),
    args: ['wechatpay', argv.includes('--memory') ? 'memory' : path.join(tmp, 'sandbox.json')],
    connections: 8,
    rounds,
    windowMs,
    warmupRequests,
    log,
    requests: ({ creds }) => {
      const count = warmupRequests + Math.ceil(((rounds * windowMs) / 1000) * 1000);
      const tag = randomBytes(3).toString('hex');
      const signed = [];
      for (let i = 0; i < count; i++) {
        const body = { appid: creds.appid, mchid: creds.mchid, description: 'bench order', out_trade_no: `B${tag}${i}`, notify_url: 'http://127.0.0.1:9/notify', amount: { total: 100, currency: 'CNY' } };
        const ts = Math.floor(Date.now() / 1000);
        const nonce = randomBytes(16).toString('hex');
        const signature = createSign('RSA-SHA256').update(`POST\n/v3/pay/transactions/native\n${ts}\n${nonce}\n${JSON.stringify(body)}\n`).sign(creds.merchant_private_key, 'base64');
        const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${creds.mchid}",serial_no="${creds.merchant_serial}",timestamp="${ts}",nonce_str="${nonce}",signature="${signature}"`;
        signed.push(jsonPost('/v3/pay/transactions/native', { authorization, accept: 'application/json' }, body));
      }
      pool = count;
      return {
        // Past the pool (a faster machine), orders repeat: the note below says how many.
        sandbox: (i) => signed[i % count],
        http: (i) => signed[i % count],
      };
    },
  });
  if (result.used > pool) log(`note: ${result.used - pool} sandbox requests repeated an order number`);
  const met = report('wechatpay native order', 'WeChat Pay Native order (sandbox)', result, 0.7, log);
  console.log(JSON.stringify({ loop: result.loop, http: result.http, sandbox: result.sandbox }));
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results/wechatpay.json'), `${JSON.stringify({ rounds, window_sec: windowMs / 1000, connections: 8, ...result, target: 0.7, met }, null, 2)}\n`);
  if (!met) process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
