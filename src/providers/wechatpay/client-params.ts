/**
 * The parameters a merchant's server signs for the payer's client (JSAPI `wx.requestPayment` /
 * `WeixinJSBridge`, and the APP SDK), checked the way WeChat's client checks them: a wrong `paySign`, a
 * foreign appId or a stale prepay_id stops the payment before the payer sees it. This catches a real
 * class of bugs: signing the wrong string, with the wrong key, or with the prepay_id of another order.
 */
import type { WechatpayCredentials } from './credentials.js';
import { rsaVerify } from './signing.js';
import type { WechatOrder } from './wire.js';

export interface JsapiParams {
  appId?: string;
  timeStamp?: string;
  nonceStr?: string;
  package?: string;
  signType?: string;
  paySign?: string;
}

export interface AppParams {
  appid?: string;
  partnerid?: string;
  prepayid?: string;
  package?: string;
  noncestr?: string;
  timestamp?: string;
  sign?: string;
}

/** The prepay_id a JSAPI `package` names (`prepay_id=wx…`). */
export function prepayIdOf(pkg: string | undefined): string | null {
  const m = /^prepay_id=(wx\w+)$/.exec(pkg ?? '');
  return m ? m[1]! : null;
}

/** Problems with JSAPI parameters, in the order a developer should fix them; empty when they are right. */
export function checkJsapiParams(p: JsapiParams, order: WechatOrder | undefined, creds: WechatpayCredentials | null): string[] {
  const problems: string[] = [];
  for (const k of ['appId', 'timeStamp', 'nonceStr', 'package', 'signType', 'paySign'] as const) if (!p[k]) problems.push(`${k} is missing`);
  if (problems.length > 0) return problems;
  if (!order || !creds) return [`package ${p.package} names no order: it must be "prepay_id=" and the prepay_id of a JSAPI order`];
  if (p.appId !== creds.appid) problems.push(`appId ${p.appId} is not the merchant's appid ${creds.appid}`);
  if (!/^\d{10}$/.test(p.timeStamp!)) problems.push('timeStamp must be Unix seconds as a string of 10 digits');
  if (p.signType !== 'RSA') problems.push(`signType must be "RSA" for API v3, not "${p.signType}"`);
  if (order.trade_type !== 'JSAPI') problems.push(`the prepay_id belongs to a ${order.trade_type} order, not a JSAPI one`);
  const message = `${p.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`;
  if (!rsaVerify(message, p.paySign!, creds.merchant_cert)) {
    problems.push('paySign does not verify: sign "appId\\ntimeStamp\\nnonceStr\\npackage\\n" with SHA256-RSA and apiclient_key.pem, base64');
  }
  return problems;
}

/** Problems with APP SDK parameters (PayReq); empty when they are right. */
export function checkAppParams(p: AppParams, order: WechatOrder | undefined, creds: WechatpayCredentials | null): string[] {
  const problems: string[] = [];
  for (const k of ['appid', 'partnerid', 'prepayid', 'package', 'noncestr', 'timestamp', 'sign'] as const) if (!p[k]) problems.push(`${k} is missing`);
  if (problems.length > 0) return problems;
  if (!order || !creds) return [`prepayid ${p.prepayid} names no order`];
  if (p.appid !== creds.appid) problems.push(`appid ${p.appid} is not the merchant's appid ${creds.appid}`);
  if (p.partnerid !== creds.mchid) problems.push(`partnerid ${p.partnerid} is not the merchant's mchid ${creds.mchid}`);
  if (p.package !== 'Sign=WXPay') problems.push(`package must be "Sign=WXPay", not "${p.package}"`);
  if (!/^\d{10}$/.test(p.timestamp!)) problems.push('timestamp must be Unix seconds as a string of 10 digits');
  if (order.trade_type !== 'APP') problems.push(`the prepayid belongs to a ${order.trade_type} order, not an APP one`);
  const message = `${p.appid}\n${p.timestamp}\n${p.noncestr}\n${p.prepayid}\n`;
  if (!rsaVerify(message, p.sign!, creds.merchant_cert)) {
    problems.push('sign does not verify: sign "appid\\ntimestamp\\nnoncestr\\nprepayid\\n" with SHA256-RSA and apiclient_key.pem, base64');
  }
  return problems;
}
