/**
 * `node bench/alipay.js [--quick] [--rounds <n>] [--window <s>] [--warmup <requests>] [--memory]` (after
 * `npm run build`): Alipay precreate throughput (the sandbox verifies each request's RSA2 signature, opens
 * the trade durably and signs its answer) as a ratio to a bare loop of the same two RSA operations, in the
 * same process and the same run. Target: ≥ 0.7×. Beside it, a bare node:http server doing the same RSA
 * work per request, and the CPU each costs (bench/rsa-rounds.js says how it is measured).
 *
 * Requests are signed before the load starts (the client's signing is not the sandbox's work); each has its
 * own out_trade_no, so every request opens a trade. The sandbox uses a file store unless --memory.
 */
import { rsaSign, v2RequestSignContents } from '../dist/providers/alipay/signing.js';
import { gatewayRequest, precreateParams } from './alipay-requests.js';
import { runRsaBench } from './rsa-rounds.js';

await runRsaBench({
  provider: 'alipay',
  name: 'alipay precreate',
  what: 'Alipay precreate (sandbox)',
  target: 0.7,
  request: (creds, i) => {
    const params = precreateParams(creds.app_id, `bench-${i}`);
    params.sign = rsaSign(v2RequestSignContents(params)[0], creds.app_private_key_pkcs1);
    return gatewayRequest(params);
  },
});
