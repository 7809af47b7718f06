/**
 * The WeChat Pay payer pages, drawn in the look every hosted buyer page shares (src/dashboard/buyer-layout.ts):
 * the amount in yuan with its currency, the order's facts, a Native order's QR code as an image, and the
 * payer's three choices. English or Simplified Chinese, following the browser, with a switch.
 */
import { buyerDocument, escapeHtml as esc, factLabel as label } from '../../dashboard/buyer-layout.js';
import { majorAmount, type BuyerLang } from '../../dashboard/buyer-view.js';
import type { WechatOrder } from './wire.js';

const TEXTS = {
  en: {
    brand: 'WeChat Pay',
    order: 'Merchant order (out_trade_no)',
    type: 'Payment type (trade_type)',
    state: 'State (trade_state)',
    states: { NOTPAY: 'Waiting for payment', USERPAYING: 'Paying', SUCCESS: 'Paid', CLOSED: 'Closed', REFUND: 'Refunded', REVOKED: 'Revoked', PAYERROR: 'Payment failed' } as Record<string, string>,
    qrAlt: 'QR code to pay with WeChat',
    qrHint: 'Scan with WeChat on your phone to open this page there. In the sandbox, the button below pays as the payer.',
    codeUrl: 'code_url',
    pay: 'Pay',
    other: 'Simulate another outcome',
    fail: 'Payment fails inside WeChat',
    expire: 'Walk away (let it expire)',
    nothing: 'Nothing left to do for the payer.',
    refusedTitle: (what: string) => `WeChat refused the ${what} payment request`,
    refusedHint: '支付验证签名失败 — the parameters your server signed are wrong:',
    noOrder: (ref: string) => `No order ${ref}`,
    unknownAction: (a: string) => `Unknown action ${a}: use pay, fail or expire`,
  },
  'zh-CN': {
    brand: '微信支付',
    order: '商户订单号 (out_trade_no)',
    type: '交易类型 (trade_type)',
    state: '交易状态 (trade_state)',
    states: { NOTPAY: '未支付', USERPAYING: '用户支付中', SUCCESS: '支付成功', CLOSED: '已关闭', REFUND: '转入退款', REVOKED: '已撤销', PAYERROR: '支付失败' } as Record<string, string>,
    qrAlt: '微信支付二维码',
    qrHint: '用手机微信扫码即可在手机上打开本页。在沙箱中，点击下方按钮即以付款人身份支付。',
    codeUrl: 'code_url',
    pay: '立即支付',
    other: '模拟其他结果',
    fail: '在微信内支付失败',
    expire: '放弃支付（等待超时）',
    nothing: '付款人无需再操作。',
    refusedTitle: (what: string) => `微信拒绝了 ${what} 支付请求`,
    refusedHint: '支付验证签名失败：您的服务器签名的参数有误：',
    noOrder: (ref: string) => `订单不存在：${ref}`,
    unknownAction: (a: string) => `未知操作 ${a}：请使用 pay、fail 或 expire`,
  },
} satisfies Record<BuyerLang, unknown>;

export interface PageContext {
  lang: BuyerLang;
  /** The language the payer chose with the switch (kept on form actions), if any. */
  chosen: BuyerLang | null;
  /** The page's own query (JSAPI/APP pages carry the signed parameters in it). */
  query: Record<string, string>;
}

function page(ctx: PageContext, title: string, content: string, amount?: string): string {
  const tx = TEXTS[ctx.lang];
  return buyerDocument({ lang: ctx.lang, title, amount, kind: 'wechatpay', query: ctx.query, content: `  <p class="merchant"><strong>${esc(tx.brand)}</strong></p>\n${content}` });
}

export function orderPageHtml(ctx: PageContext, order: WechatOrder, base: string, redirectUrl: string | null): string {
  const tx = TEXTS[ctx.lang];
  const waiting = order.trade_state === 'NOTPAY' || order.trade_state === 'USERPAYING';
  const amount = majorAmount(order.total, order.currency || 'CNY', ctx.lang);
  const hidden = redirectUrl ? `<input type="hidden" name="redirect_url" value="${esc(redirectUrl)}">` : '';
  const actionOf = (name: string) => `${base}/${name}${ctx.chosen ? `?lang=${ctx.chosen}` : ''}`;
  const qr =
    order.trade_type === 'NATIVE' && waiting
      ? `  <figure class="qr"><img src="${base}/qr.svg" width="208" height="208" alt="${esc(tx.qrAlt)}"><figcaption>${esc(tx.qrHint)}</figcaption></figure>\n`
      : '';
  const actions = waiting
    ? `  <form method="post" action="${actionOf('pay')}" class="primary-action">${hidden}<button type="submit" class="pay" id="pay">${esc(tx.pay)}</button></form>
  <details class="other-outcomes">
    <summary>${esc(tx.other)}</summary>
    <form method="post" action="${actionOf('fail')}" class="fail">${hidden}<button type="submit" class="secondary" id="fail">${esc(tx.fail)}</button></form>
    <form method="post" action="${actionOf('expire')}">${hidden}<button type="submit" class="link" id="expire">${esc(tx.expire)}</button></form>
  </details>`
    : `  <p class="done" role="status">${esc(tx.nothing)}</p>`;
  return page(
    ctx,
    order.description,
    `  <h1>${esc(order.description)}</h1>
  <p class="amount" id="amount">${esc(amount)}</p>
  <dl class="facts">
    <dt>${label(tx.order)}</dt><dd><code>${esc(order.out_trade_no)}</code></dd>
    <dt>${label(tx.type)}</dt><dd><code>${esc(order.trade_type)}</code></dd>
${order.code_url ? `    <dt>${label(tx.codeUrl)}</dt><dd><code>${esc(order.code_url)}</code></dd>\n` : ''}    <dt>${label(tx.state)}</dt><dd><strong id="trade_state" data-state="${esc(order.trade_state)}">${esc(order.trade_state)}</strong> · ${esc(tx.states[order.trade_state] ?? '')}</dd>
  </dl>
${qr}${actions}`,
    amount,
  );
}

export function refusedPageHtml(ctx: PageContext, what: string, problems: string[]): string {
  const tx = TEXTS[ctx.lang];
  return page(
    ctx,
    tx.refusedTitle(what),
    `  <h1>${esc(tx.refusedTitle(what))}</h1>
  <p class="error">${esc(tx.refusedHint)}</p>
  <ul class="problems">${problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>`,
  );
}

/** One line: an order not found, an unknown action, an action not possible now. */
export function messagePageHtml(ctx: PageContext, line: (tx: (typeof TEXTS)['en']) => string): string {
  const text = line(TEXTS[ctx.lang]);
  return page(ctx, text, `  <h1 class="error" role="status">${esc(text)}</h1>`);
}
