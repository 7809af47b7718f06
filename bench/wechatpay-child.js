/**
 * The WeChat Pay bench's server process: a sandbox (from dist/) serving the WeChat Pay provider on
 * 127.0.0.1, and, on request, a bare loop of the RSA operations one Native order costs the server (verify
 * the merchant's request signature, sign the response), so both are measured in the same process.
 *
 * Messages: parent ← { type: 'ready', port, creds }; parent → { type: 'bare', ms } ← { type: 'bare', per_sec, cpu_us_per_op };
 * parent → { type: 'cpu' } ← { type: 'cpu', us, user, system } (the process's CPU time so far).
 */
import { createSign, createVerify, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { startSandbox } from '../dist/sandbox/sandbox.js';

const send = (msg) => process.send?.(msg);
process.on('disconnect', () => process.exit(0));

const sandbox = await startSandbox({ port: 0, inMemory: true, providers: ['wechatpay'] });
const served = sandbox.providers.wechatpay;
const creds = served.credentials;

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
send({ type: 'ready', port: served.port, creds: { mchid: creds.mchid, appid: creds.appid, serial: creds.merchant_serial, key: creds.merchant_private_key } });
