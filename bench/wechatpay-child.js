/**
 * The WeChat Pay bench's server process: the WeChat Pay v3 routes (from dist/) on 127.0.0.1, and, on
 * request, a bare loop of the RSA operations one Native order costs the server (verify the merchant's
 * request signature, sign the response), so both are measured in the same process on the same core.
 *
 * Messages: parent ← { type: 'ready', port, creds }; parent → { type: 'bare', ms } ← { type: 'bare', per_sec, cpu_us_per_op };
 * parent → { type: 'cpu' } ← { type: 'cpu', us } (the process's CPU time so far).
 */
import { createSign, createVerify, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import express from 'express';
import { SystemClock } from '../dist/clock.js';
import { cryptoRandom } from '../dist/sandbox/ids.js';
import { mintWechatpayCredentials } from '../dist/providers/wechatpay/credentials.js';
import { MemoryLedger } from '../dist/providers/wechatpay/memory-ledger.js';
import { WechatpayOrders } from '../dist/providers/wechatpay/orders.js';
import { wechatpayRouter } from '../dist/providers/wechatpay/routes.js';

const send = (msg) => process.send?.(msg);
process.on('disconnect', () => process.exit(0));

const clock = new SystemClock();
const creds = await mintWechatpayCredentials({ random: cryptoRandom, nowMs: clock.now() });
const orders = new WechatpayOrders({ creds, ledger: new MemoryLedger(), clock, random: cryptoRandom, notify: () => {} });
let url = '';
const app = express();
app.use(
  wechatpayRouter({
    merchant: (mchid) => (mchid === creds.mchid ? { creds, orders } : undefined), signing: 'public-key', clock, random: cryptoRandom,
    wallClockSec: () => Math.floor(Date.now() / 1000),
    ownUrl: () => url, h5PageUrl: (c) => `${url}/pay/${c}`, bodyLimitBytes: 1 << 20,
  }),
);
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
url = `http://127.0.0.1:${server.address().port}`;

/** The same RSA work per order, with keys parsed once as the server does: one verify, one sign. */
function bareLoop(ms) {
  const merchantCert = createPublicKey(creds.merchant_cert);
  const signingKey = createPrivateKey(creds.public_key_private_key);
  const merchantKey = createPrivateKey(creds.merchant_private_key);
  const body = JSON.stringify({ appid: creds.appid, mchid: creds.mchid, description: 'bench', out_trade_no: 'B0000001', notify_url: 'http://127.0.0.1:1/n', amount: { total: 100, currency: 'CNY' } });
  const message = `POST\n/v3/pay/transactions/native\n${Math.floor(Date.now() / 1000)}\nnonce\n${body}\n`;
  const signature = createSign('RSA-SHA256').update(message).sign(merchantKey, 'base64');
  const response = JSON.stringify({ code_url: 'weixin://wxpay/bizpayurl?pr=abcdefg' });
  let n = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (!createVerify('RSA-SHA256').update(message).verify(merchantCert, signature, 'base64')) throw new Error('bare verify failed');
    const nonce = randomBytes(16).toString('hex');
    createSign('RSA-SHA256').update(`${Math.floor(Date.now() / 1000)}\n${nonce}\n${response}\n`).sign(signingKey, 'base64');
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  return { per_sec: n / (ms / 1000), cpu_us_per_op: (cpu.user + cpu.system) / n };
}

process.on('message', (msg) => {
  if (msg.type === 'bare') send({ type: 'bare', ...bareLoop(msg.ms) });
  if (msg.type === 'cpu') {
    const cpu = process.cpuUsage();
    send({ type: 'cpu', us: cpu.user + cpu.system, user: cpu.user, system: cpu.system });
  }
});
send({ type: 'ready', port: server.address().port, creds: { mchid: creds.mchid, appid: creds.appid, serial: creds.merchant_serial, key: creds.merchant_private_key } });
