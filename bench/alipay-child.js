/**
 * Child processes of the Alipay bench (bench/alipay.js), each on its own core:
 *
 *   node bench/alipay-child.js sandbox <data file>     the real sandbox serving Alipay (file store)
 *   node bench/alipay-child.js loop <creds json> <ms>  the bare loop: verify a precreate request's
 *                                                        signature and sign a response, as fast as it can
 *
 * Each reports over IPC: { type: 'ready', port, creds } or { type: 'result', ops_per_sec, cpu_us_per_op }.
 */
import { readFileSync } from 'node:fs';
import { rsaSign, v2RequestSignContents, verifyV2Request } from '../dist/providers/alipay/signing.js';
import { precreateParams, responseContent } from './alipay-requests.js';

const [mode, ...args] = process.argv.slice(2);
const send = (msg) => process.send?.(msg);
process.on('disconnect', () => process.exit(0));

async function sandbox(dataFile) {
  const { startSandbox } = await import('../dist/sandbox/sandbox.js');
  const s = await startSandbox({ port: 0, dataFile, providers: ['alipay'], ports: { alipay: 0 } });
  const p = s.providers.alipay;
  send({ type: 'ready', port: p.port, creds: p.credentials });
  // The parent asks for this process's CPU time around its measured window.
  process.on('message', (m) => {
    if (m?.type === 'cpu') send({ type: 'cpu', us: process.cpuUsage().user + process.cpuUsage().system });
  });
}

function loop(credsFile, ms) {
  const creds = JSON.parse(readFileSync(credsFile, 'utf8'));
  // A signed request, made before timing: the client's signing is not the sandbox's work.
  const params = precreateParams(creds.app_id, 'loop-1');
  params.sign = rsaSign(v2RequestSignContents(params)[0], creds.app_private_key_pkcs1);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let ops = 0;
  while (performance.now() - t0 < ms) {
    // The two RSA operations a precreate costs the sandbox, on the same kind of input.
    if (!verifyV2Request(params, creds.app_public_key)) throw new Error('bench loop: signature did not verify');
    rsaSign(JSON.stringify(responseContent(`loop-${ops}`)), creds.alipay_private_key);
    ops++;
  }
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  send({ type: 'result', ops_per_sec: (ops / elapsed) * 1000, cpu_us_per_op: (cpu.user + cpu.system) / ops });
}

try {
  if (mode === 'sandbox') await sandbox(args[0]);
  else if (mode === 'loop') loop(args[0], Number(args[1]));
  else throw new Error(`unknown mode ${mode}`);
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
}
