/**
 * The child process of bench/alipay.js and bench/wechatpay.js (see bench/rsa-rounds.js):
 *
 *   node bench/rsa-child.js alipay|wechatpay <data file | "memory">
 *
 * serves the provider from a real sandbox (a file store, as `paycli sandbox start` runs it), and a bare
 * node:http server doing the same RSA work per request with the same keys and the sandbox's own signing
 * functions (parse, verify the request's signature, sign the answer on the thread pool, as the sandbox
 * does), and runs the bare loop of those two RSA operations, inline, on request.
 *
 * Messages: → parent { type: 'ready', sandbox_port, http_port, creds }; parent → { type: 'loop', ms, max? }
 * ← { type: 'loop', per_sec, cpu_us_per_op }; parent → { type: 'cpu' } ← { type: 'cpu', us, loop_us } (the process's
 * CPU time, and its event-loop thread's alone).
 */
import http from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

/** CPU time of the event loop's thread alone (Linux: its /proc task entry, in 10 ms ticks), in µs; NaN elsewhere. */
function eventLoopCpuUs() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}

const [provider, store] = process.argv.slice(2);
const send = (msg) => process.send?.(msg);
process.on('disconnect', () => process.exit(0));

/** A bare node:http server: the whole body, then `answer(req, body)` → [status, headers, body] (or its promise). */
async function bareServer(answer) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const [status, headers, body] = await answer(req, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server.address().port;
}

/** Alipay precreate: verify the v2 gateway signature with the app's public key, sign the answer with Alipay's key. */
async function alipay(creds) {
  const { v2ResponseBody, v2ResponseBodyAsync, verifyV2Request } = await import('../dist/providers/alipay/signing.js');
  const { precreateParams, responseContent } = await import('./alipay-requests.js');
  const { rsaSign, v2RequestSignContents } = await import('../dist/providers/alipay/signing.js');
  const answer = (params, sign = v2ResponseBody) => {
    if (!verifyV2Request(params, creds.app_public_key)) return [400, {}, '{}'];
    const biz = JSON.parse(params.biz_content);
    return [200, {}, sign('alipay.trade.precreate', responseContent(biz.out_trade_no), creds.alipay_private_key, 'RSA2', null)];
  };
  const answerInPool = async (params) => {
    const [status, headers, body] = answer(params, v2ResponseBodyAsync);
    return [status, headers, await body];
  };
  const port = await bareServer((req, body) => {
    const params = {};
    const q = req.url.indexOf('?');
    if (q >= 0) for (const [k, v] of new URLSearchParams(req.url.slice(q + 1))) params[k] = v;
    for (const [k, v] of new URLSearchParams(body)) params[k] = v;
    return answerInPool(params);
  });
  // A signed request, made before timing: the client's signing is not the server's work.
  const params = precreateParams(creds.app_id, 'loop-1');
  params.sign = rsaSign(v2RequestSignContents(params)[0], creds.app_private_key_pkcs1);
  const once = () => {
    if (answer(params)[0] !== 200) throw new Error('bench loop: the signature did not verify');
  };
  return { port, once, creds };
}

/** WeChat Pay Native order: verify the Authorization with the merchant certificate, sign the answer (public-key mode). */
async function wechatpay(creds) {
  const { createSign, randomBytes } = await import('node:crypto');
  const { verifyRequest, wechatpayHeaders, wechatpayHeadersAsync } = await import('../dist/providers/wechatpay/signing.js');
  const nowSec = () => Math.floor(Date.now() / 1000);
  const answer = (method, target, authorization, body, sign = wechatpayHeaders) => {
    const verdict = verifyRequest({ method, targets: [target], body, authorization, nowSec: nowSec() }, creds);
    if (!verdict.ok) return [401, {}, '{}'];
    JSON.parse(body);
    const out = JSON.stringify({ code_url: 'weixin://wxpay/bizpayurl?pr=abcdefghij' });
    return [200, sign(out, creds, 'public-key', { timestampSec: nowSec() }), out];
  };
  const port = await bareServer(async (req, body) => {
    const [status, headers, out] = answer(req.method, req.url, req.headers.authorization, body, wechatpayHeadersAsync);
    return [status, await headers, out];
  });
  const body = JSON.stringify({ appid: creds.appid, mchid: creds.mchid, description: 'bench', out_trade_no: 'B0000001', notify_url: 'http://127.0.0.1:9/notify', amount: { total: 100, currency: 'CNY' } });
  const ts = nowSec();
  const nonce = randomBytes(16).toString('hex');
  const signature = createSign('RSA-SHA256').update(`POST\n/v3/pay/transactions/native\n${ts}\n${nonce}\n${body}\n`).sign(creds.merchant_private_key, 'base64');
  const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${creds.mchid}",serial_no="${creds.merchant_serial}",timestamp="${ts}",nonce_str="${nonce}",signature="${signature}"`;
  const once = () => {
    if (answer('POST', '/v3/pay/transactions/native', authorization, body)[0] !== 200) throw new Error('bench loop: the signature did not verify');
  };
  const { mchid, appid, merchant_serial, merchant_private_key } = creds;
  return { port, once, creds: { mchid, appid, merchant_serial, merchant_private_key } };
}

try {
  const { startSandbox } = await import('../dist/sandbox/sandbox.js');
  const { lowerHelperThreadPriority } = await import('../dist/helper-threads.js');
  const sandbox = await startSandbox({ port: 0, providers: [provider], ports: { [provider]: 0 }, ...(store === 'memory' ? { inMemory: true } : { dataFile: store }) });
  const served = sandbox.providers[provider];
  const bare = provider === 'alipay' ? await alipay(served.credentials) : provider === 'wechatpay' ? await wechatpay(served.credentials) : null;
  if (!bare) throw new Error(`unknown provider ${provider}`);
  process.on('message', (m) => {
    if (m.type === 'cpu') {
      const c = process.cpuUsage();
      send({ type: 'cpu', us: c.user + c.system, loop_us: eventLoopCpuUs() });
    } else if (m.type === 'loop') {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < m.ms && n < (m.max ?? Infinity)) {
        bare.once();
        n++;
      }
      const elapsed = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      send({ type: 'loop', per_sec: (n / elapsed) * 1000, cpu_us_per_op: (cpu.user + cpu.system) / n });
    }
  });
  // As `paycli sandbox start` runs it: its helper threads (signatures, file writes) below the event loop.
  await lowerHelperThreadPriority();
  send({ type: 'ready', sandbox_port: served.port, http_port: bare.port, creds: bare.creds });
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
}
