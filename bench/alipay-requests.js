/** The precreate requests the Alipay bench sends, and the response content its loop signs. */

/** Gateway parameters of one `alipay.trade.precreate`, as alipay-sdk builds them (before `sign`). */
export function precreateParams(appId, outTradeNo) {
  return {
    app_id: appId,
    method: 'alipay.trade.precreate',
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    timestamp: '2026-11-30 12:00:00',
    alipay_sdk: 'alipay-sdk-nodejs-4.0.0',
    biz_content: JSON.stringify({ out_trade_no: outTradeNo, total_amount: '88.88', subject: 'bench order' }),
  };
}

/** What a precreate answers, for the bare loop's response signature. */
export function responseContent(outTradeNo) {
  return { code: '10000', msg: 'Success', out_trade_no: outTradeNo, qr_code: `http://127.0.0.1:4243/qr/2026113022001${'0'.repeat(15)}` };
}

/** Raw HTTP/1.1 bytes of a signed gateway POST: the SDK's split (URL parameters, form body). */
export function gatewayRequest(params) {
  const url = new URLSearchParams();
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) (k === 'biz_content' || k === 'alipay_sdk' ? form : url).set(k, v);
  const body = Buffer.from(form.toString());
  const head =
    `POST /gateway.do?${url} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\n` +
    `content-type: application/x-www-form-urlencoded;charset=UTF-8\r\naccept: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}
