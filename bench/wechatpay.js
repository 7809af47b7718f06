/**
 * `node bench/wechatpay.js [--quick] [--rounds <n>] [--window <s>] [--warmup <requests>] [--memory]` (after
 * `npm run build`): Native order throughput of the WeChat Pay emulation (verify the merchant's request
 * signature, place the order durably, sign the response) as a ratio to a bare loop of the same RSA
 * operations in the same process and the same run. Target: ≥ 0.7×. Beside it, a bare node:http server doing
 * the same RSA work per request, and the CPU each costs (bench/rsa-rounds.js says how it is measured).
 *
 * Requests are signed before the load starts (each signature is valid for five minutes), so the load
 * generator spends no RSA time while the server is measured. The sandbox uses a file store unless --memory.
 */
import { createSign, randomBytes } from 'node:crypto';
import { jsonPost } from './http-load.js';
import { runRsaBench } from './rsa-rounds.js';

const tag = randomBytes(3).toString('hex');

await runRsaBench({
  provider: 'wechatpay',
  name: 'wechatpay native order',
  what: 'WeChat Pay Native order (sandbox)',
  target: 0.7,
  request: (creds, i) => {
    const body = { appid: creds.appid, mchid: creds.mchid, description: 'bench order', out_trade_no: `B${tag}${i}`, notify_url: 'http://127.0.0.1:9/notify', amount: { total: 100, currency: 'CNY' } };
    const ts = Math.floor(Date.now() / 1000);
    const nonce = randomBytes(16).toString('hex');
    const signature = createSign('RSA-SHA256').update(`POST\n/v3/pay/transactions/native\n${ts}\n${nonce}\n${JSON.stringify(body)}\n`).sign(creds.merchant_private_key, 'base64');
    const authorization = `WECHATPAY2-SHA256-RSA2048 mchid="${creds.mchid}",serial_no="${creds.merchant_serial}",timestamp="${ts}",nonce_str="${nonce}",signature="${signature}"`;
    return jsonPost('/v3/pay/transactions/native', { authorization, accept: 'application/json' }, body);
  },
});
