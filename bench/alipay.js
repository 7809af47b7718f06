/**
 * `node bench/alipay.js [--quick] [--rounds <n>] [--window <s>] [--warmup <requests>] [--memory]` (after
 * `npm run build`): Alipay precreate throughput (the sandbox verifies each request's RSA2 signature, opens
 * the trade durably and signs its answer) as a ratio to a bare loop of the same two RSA operations, in the
 * same process and the same run. Target: ≥ 0.7×. Beside it, a bare node:http server doing the same RSA
 * work per request: the floor any HTTP server sets (bench/rsa-rounds.js says how it is measured).
 *
 * Requests are signed before the load starts (the client's signing is not the sandbox's work); each has its
 * own out_trade_no, so every request opens a trade. The sandbox uses a file store unless --memory.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rsaSign, v2RequestSignContents } from '../dist/providers/alipay/signing.js';
import { gatewayRequest, precreateParams } from './alipay-requests.js';
import { measureRsaRounds, report } from './rsa-rounds.js';

const argv = process.argv.slice(2);
const value = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const quick = argv.includes('--quick');
const rounds = value('--rounds', quick ? 2 : 5);
const windowMs = value('--window', quick ? 1 : 2) * 1000;
const warmupRequests = value('--warmup', quick ? 1000 : 4000);
const log = (s) => process.stderr.write(`${s}\n`);
const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'paycli-alipay-bench-'));

let pool = 0;
try {
  const result = await measureRsaRounds({
    script: path.join(here, 'rsa-child.js'),
    args: ['alipay', argv.includes('--memory') ? 'memory' : path.join(tmp, 'sandbox.json')],
    connections: 8,
    rounds,
    windowMs,
    warmupRequests,
    log,
    requests: ({ creds }) => {
      // Enough distinct orders for every sandbox window at well over the expected rate.
      const count = warmupRequests + Math.ceil(((rounds * windowMs) / 1000) * 1000);
      const signed = [];
      for (let i = 0; i < count; i++) {
        const params = precreateParams(creds.app_id, `bench-${i}`);
        params.sign = rsaSign(v2RequestSignContents(params)[0], creds.app_private_key_pkcs1);
        signed.push(gatewayRequest(params));
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
  const met = report('alipay precreate', 'Alipay precreate (sandbox)', result, 0.7, log);
  console.log(JSON.stringify({ loop: result.loop, http: result.http, sandbox: result.sandbox }));
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results/alipay.json'), `${JSON.stringify({ rounds, window_sec: windowMs / 1000, connections: 8, ...result, target: 0.7, met }, null, 2)}\n`);
  if (!met) process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
