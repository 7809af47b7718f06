/**
 * The merchant flows of Alipay's official Node SDK, unmodified and pointed at a sandbox only through
 * `gateway` and `endpoint`, with the strictest checks on: `exec(…, { validateSign: true })`, `curl`
 * (always verifies), `checkNotifySign` and `checkNotifySignV2` on every notification. Run in key mode with
 * PKCS#1 and PKCS#8 keys and in certificate mode (contents and paths).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AlipaySdk, type AlipaySdkConfig } from 'alipay-sdk';
import { unzipSync } from 'fflate';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlipayCreds } from '../../../src/providers/alipay/credentials.js';
import { startNotifyReceiver, type NotifyReceiver } from './receiver.js';

export interface AlipayTarget {
  gateway: string;
  endpoint: string;
  creds: AlipayCreds;
  /** Waits until every notification raised so far has been delivered and answered. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export type KeyMode = 'pkcs1' | 'pkcs8' | 'cert-content' | 'cert-path';

export function sdkConfig(target: AlipayTarget, mode: KeyMode): AlipaySdkConfig {
  const { creds } = target;
  const base = { appId: creds.app_id, gateway: target.gateway, endpoint: target.endpoint };
  if (mode === 'pkcs1') return { ...base, privateKey: creds.app_private_key_pkcs1, alipayPublicKey: creds.alipay_public_key };
  if (mode === 'pkcs8') return { ...base, privateKey: creds.app_private_key_pkcs8, keyType: 'PKCS8', alipayPublicKey: creds.alipay_public_key };
  if (mode === 'cert-content') {
    return {
      ...base,
      privateKey: creds.app_private_key_pkcs1,
      appCertContent: creds.app_cert,
      alipayPublicCertContent: creds.alipay_cert,
      alipayRootCertContent: creds.root_cert,
    };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'paycli-alipay-certs-'));
  const file = (name: string, pem: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, pem, { mode: 0o600 });
    return p;
  };
  return {
    ...base,
    privateKey: creds.app_private_key_pkcs8,
    keyType: 'PKCS8',
    appCertPath: file(`appCertPublicKey_${creds.app_id}.crt`, creds.app_cert),
    alipayPublicCertPath: file('alipayCertPublicKey_RSA2.crt', creds.alipay_cert),
    alipayRootCertPath: file('alipayRootCert.crt', creds.root_cert),
  };
}

const V = { validateSign: true } as const;

/** Follows the sandbox's own redirects (cashier pages), returning the last response. */
async function follow(url: string, init?: RequestInit): Promise<Response> {
  let res = await fetch(url, { ...init, redirect: 'manual' });
  let hops = 0;
  while (res.status >= 300 && res.status < 400 && hops++ < 5) {
    const next = new URL(res.headers.get('location')!, url).toString();
    if (!next.startsWith(new URL(url).origin)) return res;
    res = await fetch(next, { redirect: 'manual' });
    url = next;
  }
  return res;
}

/** The buyer scans a QR code and pays at the cashier. */
export async function scanAndPay(qrCode: string): Promise<string> {
  const cashier = await follow(qrCode);
  expect(cashier.status).toBe(200);
  const tradeNo = /id="trade-no">([^<]+)</.exec(await cashier.text())![1]!;
  const paid = await fetch(new URL(`/cashier/${tradeNo}/pay`, qrCode), { method: 'POST', redirect: 'manual' });
  expect(paid.status).toBe(200);
  return tradeNo;
}

let orderSeq = 0;
const orderNo = (mode: string) => `o-${mode}-${Date.now()}-${++orderSeq}`;

export function describeSdkFlows(name: string, mode: KeyMode, start: () => Promise<AlipayTarget>): void {
  describe(`alipay-sdk ${name} (${mode})`, () => {
    let target: AlipayTarget;
    let sdk: AlipaySdk;
    let receiver: NotifyReceiver;

    beforeAll(async () => {
      target = await start();
      sdk = new AlipaySdk(sdkConfig(target, mode));
      receiver = await startNotifyReceiver(sdk);
    });
    afterAll(async () => {
      await receiver?.close();
      await target?.close();
    });

    it('precreate → QR not a trade until scanned → scan and pay → TRADE_SUCCESS notification verified by both verifiers → query by out_trade_no and trade_no (v2 and v3)', async () => {
      const out = orderNo(mode);
      const pre = await sdk.exec('alipay.trade.precreate', { notifyUrl: receiver.url, bizContent: { outTradeNo: out, totalAmount: '88.88', subject: '测试 & 100% test' } }, V);
      expect(pre.code).toBe('10000');
      expect(pre.outTradeNo).toBe(out);
      expect(pre.qrCode).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/qr\//);

      const before = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: out } }, V);
      expect(before).toMatchObject({ code: '40004', msg: 'Business Failed', subCode: 'ACQ.TRADE_NOT_EXIST' });

      const tradeNo = await scanAndPay(pre.qrCode);
      await target.settle();
      const note = receiver.received.find((r) => r.fields.out_trade_no === out);
      expect(note?.fields).toMatchObject({ trade_status: 'TRADE_SUCCESS', total_amount: '88.88', trade_no: tradeNo, app_id: target.creds.app_id, notify_type: 'trade_status_sync', sign_type: 'RSA2' });
      // The subject has a bare %, on which checkNotifySign (v1) throws, as it does with real Alipay.
      expect(note?.v2).toBe(true);

      const byOut = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: out } }, V);
      expect(byOut).toMatchObject({ code: '10000', tradeStatus: 'TRADE_SUCCESS', tradeNo, totalAmount: '88.88', buyerPayAmount: '88.88' });
      expect(byOut.sendPayDate).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      const byNo = await sdk.exec('alipay.trade.query', { bizContent: { tradeNo } }, V);
      expect(byNo.outTradeNo).toBe(out);

      const v3 = await sdk.curl('GET', '/v3/alipay/trade/query', { query: { out_trade_no: out } });
      expect(v3.responseHttpStatus).toBe(200);
      expect(v3.data).toMatchObject({ trade_no: tradeNo, trade_status: 'TRADE_SUCCESS', total_amount: '88.88' });
    });

    it('v3 precreate, then a notification both verifiers accept', async () => {
      const out = orderNo(mode);
      const pre = await sdk.curl('POST', '/v3/alipay/trade/precreate', { body: { out_trade_no: out, total_amount: '10.00', subject: 'v3 order', notify_url: receiver.url } });
      expect(pre.data.out_trade_no).toBe(out);
      await scanAndPay(pre.data.qr_code);
      await target.settle();
      const note = receiver.received.find((r) => r.fields.out_trade_no === out)!;
      expect([note.v1, note.v2]).toEqual([true, true]);
    });

    it('bar code: success, and a declining code as Alipay declines it (v2 and v3)', async () => {
      const ok = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo: orderNo(mode), scene: 'bar_code', authCode: '281234567890123456', totalAmount: '12.50', subject: 'bar' } }, V);
      expect(ok).toMatchObject({ code: '10000', totalAmount: '12.50', receiptAmount: '12.50' });
      expect(ok.tradeNo).toMatch(/^\d{28}$/);
      expect(ok.gmtPayment).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

      const declined = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo: orderNo(mode), scene: 'bar_code', authCode: '281234567890129995', totalAmount: '12.50', subject: 'bar' } }, V);
      expect(declined).toMatchObject({ code: '40004', subCode: 'ACQ.BUYER_BALANCE_NOT_ENOUGH' });

      const invalid = await sdk.exec('alipay.trade.pay', { bizContent: { outTradeNo: orderNo(mode), scene: 'bar_code', authCode: '12345', totalAmount: '1.00', subject: 'bar' } }, V);
      expect(invalid).toMatchObject({ code: '40004', subCode: 'ACQ.PAYMENT_AUTH_CODE_INVALID' });

      const v3 = await sdk.curl('POST', '/v3/alipay/trade/pay', { body: { out_trade_no: orderNo(mode), scene: 'bar_code', auth_code: '251234567890123456', total_amount: '1.00', subject: 'v3 bar' } });
      expect(v3.data.total_amount).toBe('1.00');
      await expect(
        sdk.curl('POST', '/v3/alipay/trade/pay', { body: { out_trade_no: orderNo(mode), scene: 'bar_code', auth_code: '251234567890129995', total_amount: '1.00', subject: 'v3 bar' } }),
      ).rejects.toMatchObject({ code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', responseHttpStatus: 400 });
    });

    it('partial refund (Y then N on replay), full refund via v3, refund query, over-refund rejected', async () => {
      const out = orderNo(mode);
      const paid = await sdk.exec('alipay.trade.pay', { notifyUrl: receiver.url, bizContent: { outTradeNo: out, scene: 'bar_code', authCode: '281234567890123456', totalAmount: '10.00', subject: 'refund me' } }, V);
      expect(paid.code).toBe('10000');

      const r1 = await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: out, refundAmount: '3.00', outRequestNo: 'r1' } }, V);
      expect(r1).toMatchObject({ code: '10000', fundChange: 'Y', refundFee: '3.00' });
      const replay = await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: out, refundAmount: '3.00', outRequestNo: 'r1' } }, V);
      expect(replay).toMatchObject({ code: '10000', fundChange: 'N', refundFee: '3.00' });
      // The same out_request_no with another amount is Alipay's "inconsistent request", and refunds nothing.
      const discordant = await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: out, refundAmount: '2.00', outRequestNo: 'r1' } }, V);
      expect(discordant).toMatchObject({ code: '40004', subCode: 'ACQ.DISCORDANT_REPEAT_REQUEST' });

      const over = await sdk.exec('alipay.trade.refund', { bizContent: { outTradeNo: out, refundAmount: '7.01', outRequestNo: 'r2' } }, V);
      expect(over).toMatchObject({ code: '40004', subCode: 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL' });

      const rest = await sdk.curl('POST', '/v3/alipay/trade/refund', { body: { trade_no: paid.tradeNo, refund_amount: '7.00', out_request_no: 'r2' } });
      expect(rest.data).toMatchObject({ fund_change: 'Y', refund_fee: '10.00' });

      const q = await sdk.exec('alipay.trade.fastpay.refund.query', { bizContent: { outTradeNo: out, outRequestNo: 'r1' } }, V);
      expect(q).toMatchObject({ code: '10000', refundStatus: 'REFUND_SUCCESS', refundAmount: '3.00', totalAmount: '10.00', outRequestNo: 'r1' });
      const q3 = await sdk.curl('POST', '/v3/alipay/trade/fastpay/refund/query', { body: { out_trade_no: out, out_request_no: 'r2' } });
      expect(q3.data).toMatchObject({ refund_status: 'REFUND_SUCCESS', refund_amount: '7.00' });
      const unknown = await sdk.exec('alipay.trade.fastpay.refund.query', { bizContent: { outTradeNo: out, outRequestNo: 'nope' } }, V);
      expect(unknown.code).toBe('10000');
      expect(unknown.refundStatus).toBeUndefined();

      const closedAfter = await sdk.exec('alipay.trade.query', { bizContent: { outTradeNo: out } }, V);
      expect(closedAfter.tradeStatus).toBe('TRADE_CLOSED');
      await expect(sdk.curl('POST', '/v3/alipay/trade/refund', { body: { out_trade_no: out, refund_amount: '0.01', out_request_no: 'r3' } })).rejects.toMatchObject({
        code: 'ACQ.TRADE_HAS_CLOSE',
      });

      await target.settle();
      const notes = receiver.received.filter((r) => r.fields.out_trade_no === out);
      expect(notes.map((n) => [n.fields.trade_status, n.fields.refund_fee ?? null, n.fields.out_biz_no ?? null])).toEqual([
        ['TRADE_SUCCESS', null, null],
        ['TRADE_SUCCESS', '3.00', 'r1'],
        ['TRADE_CLOSED', '10.00', 'r2'],
      ]);
      expect(notes.every((n) => n.v1 && n.v2)).toBe(true);
    });

    it('close an unpaid trade (v2 create, v3 close), then it is TRADE_CLOSED and cannot be closed again', async () => {
      const out = orderNo(mode);
      const created = await sdk.exec('alipay.trade.create', { bizContent: { outTradeNo: out, totalAmount: '5.00', subject: 'to close', buyerId: '2088102177846880' } }, V);
      expect(created).toMatchObject({ code: '10000', outTradeNo: out });
      const closed = await sdk.curl('POST', '/v3/alipay/trade/close', { body: { out_trade_no: out } });
      expect(closed.data).toEqual({ trade_no: created.tradeNo, out_trade_no: out });
      const q = await sdk.exec('alipay.trade.query', { bizContent: { tradeNo: created.tradeNo } }, V);
      expect(q.tradeStatus).toBe('TRADE_CLOSED');
      const again = await sdk.exec('alipay.trade.close', { bizContent: { outTradeNo: out } }, V);
      expect(again).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_HAS_CLOSE' });
    });

    it('bill download URL (v2 and v3) serves a zip of GBK CSVs whose rows add up', async () => {
      const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
      const res = await sdk.exec('alipay.data.dataservice.bill.downloadurl.query', { bizContent: { billType: 'trade', billDate: today } }, V);
      expect(res.code).toBe('10000');
      const v3 = await sdk.curl('GET', '/v3/alipay/data/dataservice/bill/downloadurl/query', { query: { bill_type: 'trade', bill_date: today } });
      expect(v3.data.bill_download_url).toMatch(/^http/);
      const zip = new Uint8Array(await (await fetch(res.billDownloadUrl)).arrayBuffer());
      const files = unzipSync(zip);
      const names = Object.keys(files);
      expect(names.some((n) => n.endsWith('_业务明细.csv'))).toBe(true);
      expect(names.some((n) => n.endsWith('_业务明细(汇总).csv'))).toBe(true);
      const detail = iconv.decode(Buffer.from(files[names.find((n) => n.endsWith('_业务明细.csv'))!]!), 'gbk');
      const lines = detail.split('\r\n');
      const start = lines.indexOf('#-----------------------------------------业务明细列表----------------------------------------');
      const end = lines.indexOf('#-----------------------------------------业务明细列表结束------------------------------------');
      expect(start).toBeGreaterThan(0);
      const header = lines[start + 1]!.split(',');
      const col = header.indexOf('商家实收（元）');
      const typeCol = header.indexOf('业务类型');
      const rows = lines.slice(start + 2, end).map((l) => l.split(','));
      expect(rows.length).toBeGreaterThan(2);
      const cents = (s: string) => Math.round(Number(s) * 100);
      const paid = rows.filter((r) => r[typeCol] === '交易').reduce((s, r) => s + cents(r[col]!), 0);
      const refunded = rows.filter((r) => r[typeCol] === '退款').reduce((s, r) => s + cents(r[col]!), 0);
      expect(refunded).toBeLessThan(0);
      const total = /#交易合计：(\d+)笔，商家实收共(-?[\d.]+)元/.exec(detail)!;
      const refundTotal = /#退款合计：(\d+)笔，商家实收退款共(-?[\d.]+)元/.exec(detail)!;
      expect(cents(total[2]!)).toBe(paid);
      expect(cents(refundTotal[2]!)).toBe(refunded);
      expect(Number(total[1]) + Number(refundTotal[1])).toBe(rows.length);
    });

    it('a wrong app key is rejected as Alipay rejects it (v2 isv.invalid-signature, signed; v3 401)', async () => {
      const other = new AlipaySdk({
        ...sdkConfig(target, mode),
        privateKey: target.creds.alipay_private_key,
        keyType: 'PKCS8',
      });
      const res = await other.exec('alipay.trade.query', { bizContent: { outTradeNo: 'x' } }, V);
      expect(res).toMatchObject({ code: '40002', msg: 'Invalid Arguments', subCode: 'isv.invalid-signature' });
      await expect(other.curl('GET', '/v3/alipay/trade/query', { query: { out_trade_no: 'x' } })).rejects.toMatchObject({
        code: 'invalid-signature',
        responseHttpStatus: 401,
      });
    });

    it('page.pay through the cashier ends in a signed redirect to return_url that the SDK verifies', async () => {
      const out = orderNo(mode);
      const url = sdk.pageExecute('alipay.trade.page.pay', 'GET', {
        bizContent: { outTradeNo: out, totalAmount: '66.00', subject: 'page order', productCode: 'FAST_INSTANT_TRADE_PAY' },
        returnUrl: 'http://127.0.0.1:9/return?from=sandbox',
        notifyUrl: receiver.url,
      });
      const cashier = await follow(url);
      expect(cashier.status).toBe(200);
      const html = await cashier.text();
      expect(html).toContain('66.00');
      const tradeNo = /id="trade-no">([^<]+)</.exec(html)![1]!;
      const paid = await fetch(new URL(`/cashier/${tradeNo}/pay`, target.gateway), { method: 'POST', redirect: 'manual' });
      expect(paid.status).toBe(302);
      const back = new URL(paid.headers.get('location')!);
      expect(back.origin + back.pathname).toBe('http://127.0.0.1:9/return');
      const params = Object.fromEntries(back.searchParams);
      expect(params).toMatchObject({ from: 'sandbox', out_trade_no: out, trade_no: tradeNo, total_amount: '66.00', method: 'alipay.trade.page.pay.return' });
      const { from: _merchantParam, ...signed } = params;
      expect(sdk.checkNotifySign(signed)).toBe(true);
      expect(sdk.checkNotifySignV2(signed)).toBe(true);

      // The form variant (POST) reaches the same cashier.
      const form = sdk.pageExecute('alipay.trade.wap.pay', 'POST', { bizContent: { outTradeNo: orderNo(mode), totalAmount: '1.00', subject: 'wap', productCode: 'QUICK_WAP_WAY' } });
      const action = /action="([^"]+)"/.exec(form)![1]!;
      const inputs = [...form.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map(([, k, v]) => [k!, v!.replaceAll('&quot;', '"')] as [string, string]);
      const posted = await follow(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(inputs).toString() });
      expect(posted.status).toBe(200);
      expect(await posted.text()).toContain('CN¥1.00');
      await target.settle();
      expect(receiver.received.find((r) => r.fields.out_trade_no === out)?.fields.trade_status).toBe('TRADE_SUCCESS');
    });
  });
}
