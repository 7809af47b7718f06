/**
 * The cashier's pages (收银台), drawn in the look every hosted buyer page shares (src/dashboard/buyer-layout.ts):
 * the amount in yuan with its currency, the trade's facts, the QR code a desktop cashier shows as an image,
 * and the buyer's three choices (a failure with a reason the buyer picks, as on the native buyer page).
 * English or Simplified Chinese, following the browser, with a switch. Element ids (`trade-no`, `pay`,
 * `failure_code`, `fail`, `abandon`, `status`, `sub-code`) are what scripts and tests read.
 */
import type { Response } from 'express';
import { buyerDocument, escapeHtml as esc, factLabel as label } from '../../dashboard/buyer-layout.js';
import { buyerLang, majorAmount, type BuyerLang } from '../../dashboard/buyer-view.js';
import { CASHIER_FAILURES, type CashierFailure } from './codes.js';
import type { AlipayTrade } from './model.js';

const TEXTS = {
  en: {
    cashier: 'Alipay cashier',
    payTitle: (subject: string) => `Pay for ${subject}`,
    subject: 'Subject',
    outTradeNo: 'Merchant order (out_trade_no)',
    tradeNo: 'Alipay trade (trade_no)',
    status: 'Status (trade_status)',
    statuses: { WAIT_BUYER_PAY: 'Waiting for payment', TRADE_SUCCESS: 'Paid', TRADE_FINISHED: 'Finished', TRADE_CLOSED: 'Closed' } as Record<string, string>,
    qrAlt: 'QR code to pay with the Alipay app',
    qrHint: 'Scan with the Alipay app, or pay here. In the sandbox, the button below pays as the buyer.',
    pay: 'Confirm payment',
    other: 'Simulate another outcome',
    fail: 'Payment fails',
    failureReason: 'Reason (as Alipay reports it)',
    reasons: {
      insufficient_funds: 'Balance not enough (ACQ.BUYER_BALANCE_NOT_ENOUGH)',
      card_velocity_exceeded: 'Daily payment limit exceeded (ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR)',
      fraudulent: 'Blocked by risk control (ACQ.PAYMENT_REQUEST_HAS_RISK)',
      card_declined: 'Payment failed (ACQ.PAYMENT_FAIL)',
    } satisfies Record<CashierFailure, string>,
    abandon: 'Leave without paying',
    nothing: (status: string) => `Nothing left to do: this trade is ${status}.`,
    paid: (amount: string, subject: string) => `Payment succeeded: ${amount} for ${subject}.`,
    failed: (reason: string) => `The payment failed: ${reason}. The trade is closed.`,
    left: 'You left the cashier. The trade waits for payment until it times out.',
    errorTitle: 'The cashier refused this request',
    errorCode: 'Error code',
    notFound: (ref: string) => `No trade ${ref} in this sandbox.`,
    unknownAction: (a: string) => `Unknown cashier action ${a}.`,
    appTitle: 'App payment',
    appHint: "Paste the order string your server made with sdkExecute('alipay.trade.app.pay', …):",
    appLabel: 'Order string',
    appOpen: 'Open in the cashier',
  },
  'zh-CN': {
    cashier: '支付宝收银台',
    payTitle: (subject: string) => `支付：${subject}`,
    subject: '商品',
    outTradeNo: '商户订单号 (out_trade_no)',
    tradeNo: '支付宝交易号 (trade_no)',
    status: '交易状态 (trade_status)',
    statuses: { WAIT_BUYER_PAY: '等待付款', TRADE_SUCCESS: '已支付', TRADE_FINISHED: '交易结束', TRADE_CLOSED: '交易关闭' } as Record<string, string>,
    qrAlt: '支付宝付款二维码',
    qrHint: '使用支付宝 App 扫码，或在此付款。在沙箱中，点击下方按钮即以买家身份付款。',
    pay: '确认付款',
    other: '模拟其他结果',
    fail: '付款失败',
    failureReason: '失败原因（支付宝返回的）',
    reasons: {
      insufficient_funds: '余额不足 (ACQ.BUYER_BALANCE_NOT_ENOUGH)',
      card_velocity_exceeded: '买家付款日限额超限 (ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR)',
      fraudulent: '支付有风险 (ACQ.PAYMENT_REQUEST_HAS_RISK)',
      card_declined: '支付失败 (ACQ.PAYMENT_FAIL)',
    } satisfies Record<CashierFailure, string>,
    abandon: '离开，不付款',
    nothing: (status: string) => `买家无需再操作：交易状态为 ${status}。`,
    paid: (amount: string, subject: string) => `付款成功：${subject}，${amount}。`,
    failed: (reason: string) => `付款失败：${reason}。交易已关闭。`,
    left: '您已离开收银台。交易将等待付款直至超时。',
    errorTitle: '收银台拒绝了此请求',
    errorCode: '错误代码',
    notFound: (ref: string) => `沙箱中没有交易 ${ref}。`,
    unknownAction: (a: string) => `未知的收银台操作 ${a}。`,
    appTitle: 'App 支付',
    appHint: "粘贴您的服务器用 sdkExecute('alipay.trade.app.pay', …) 生成的订单字符串：",
    appLabel: '订单字符串',
    appOpen: '在收银台打开',
  },
} satisfies Record<BuyerLang, unknown>;

type Texts = (typeof TEXTS)['en'];

/** The request's language: `?lang=`, else the browser's. */
export function langOf(res: Response): BuyerLang {
  const req = res.req;
  return buyerLang(req.query.lang, (...langs: string[]) => req.acceptsLanguages(...langs));
}

/** A form action keeping a language the buyer chose with the switch. */
function withLang(res: Response, path: string): string {
  const chosen = res.req.query.lang;
  return chosen === 'en' || chosen === 'zh-CN' ? `${path}?lang=${chosen}` : path;
}

function send(res: Response, status: number, title: string, content: (tx: Texts, lang: BuyerLang) => string, amount?: string): void {
  const lang = langOf(res);
  const tx = TEXTS[lang];
  const html = buyerDocument({ lang, title, amount, kind: 'alipay', content: `  <p class="merchant"><strong>${esc(tx.cashier)}</strong></p>\n${content(tx, lang)}` });
  res.status(status).type('text/html; charset=utf-8').send(html);
}

const cny = (fen: number, lang: BuyerLang) => majorAmount(fen, 'CNY', lang);

export function cashierPage(res: Response, trade: AlipayTrade): void {
  const base = `/cashier/${encodeURIComponent(trade.trade_no)}`;
  const waiting = trade.trade_status === 'WAIT_BUYER_PAY';
  const lang = langOf(res);
  const tx = TEXTS[lang];
  const amount = cny(trade.total_amount, lang);
  const qr =
    waiting && trade.channel === 'page'
      ? `  <figure class="qr"><img src="${base}/qr.svg" width="208" height="208" alt="${esc(tx.qrAlt)}"><figcaption>${esc(tx.qrHint)}</figcaption></figure>\n`
      : '';
  const actions = waiting
    ? `  <form method="post" action="${withLang(res, `${base}/pay`)}" class="primary-action"><button type="submit" class="pay" id="pay">${esc(tx.pay)}</button></form>
  <details class="other-outcomes">
    <summary>${esc(tx.other)}</summary>
    <form method="post" action="${withLang(res, `${base}/fail`)}" class="fail">
      <label for="failure_code">${esc(tx.failureReason)}</label>
      <select id="failure_code" name="failure_code">
${Object.keys(CASHIER_FAILURES).map((r) => `        <option value="${r}">${esc(tx.reasons[r as CashierFailure])}</option>`).join('\n')}
      </select>
      <button type="submit" class="secondary" id="fail">${esc(tx.fail)}</button>
    </form>
    <form method="post" action="${withLang(res, `${base}/abandon`)}"><button type="submit" class="link" id="abandon">${esc(tx.abandon)}</button></form>
  </details>`
    : `  <p class="done" role="status">${esc(tx.nothing(trade.trade_status))}</p>`;
  send(
    res,
    200,
    tx.payTitle(trade.subject),
    () => `  <h1>${esc(tx.payTitle(trade.subject))}</h1>
  <p class="amount" id="amount">${esc(amount)}</p>
  <dl class="facts">
    <dt>${label(tx.subject)}</dt><dd id="subject">${esc(trade.subject)}</dd>
    <dt>${label(tx.outTradeNo)}</dt><dd><code>${esc(trade.out_trade_no)}</code></dd>
    <dt>${label(tx.tradeNo)}</dt><dd><code id="trade-no">${esc(trade.trade_no)}</code></dd>
    <dt>${label(tx.status)}</dt><dd><strong id="status" data-status="${esc(trade.trade_status)}">${esc(tx.statuses[trade.trade_status] ?? trade.trade_status)}</strong></dd>
  </dl>
${qr}${actions}`,
    amount,
  );
}

/** A one-line outcome: paid (no return_url), failed, left, not found, unknown action. */
export function outcomePage(res: Response, status: number, line: (tx: Texts, lang: BuyerLang) => string, kind: 'done' | 'error' = 'done'): void {
  send(res, status, line(TEXTS[langOf(res)], langOf(res)), (tx, lang) => `  <p class="${kind}" id="status" role="status">${esc(line(tx, lang))}</p>`);
}

export const paidLine = (trade: AlipayTrade) => (tx: Texts, lang: BuyerLang) => tx.paid(cny(trade.total_amount, lang), trade.subject);

export function errorPageOf(res: Response, status: number, subCode: string, subMsg: string): void {
  send(
    res,
    status,
    TEXTS[langOf(res)].errorTitle,
    (tx) => `  <h1>${esc(tx.errorTitle)}</h1>
  <dl class="facts"><dt>${label(tx.errorCode)}</dt><dd><code id="sub-code">${esc(subCode)}</code></dd></dl>
  <p class="error" id="sub-msg">${esc(subMsg)}</p>`,
  );
}

export function appPayFormPage(res: Response): void {
  send(
    res,
    200,
    TEXTS[langOf(res)].appTitle,
    (tx) => `  <h1>${esc(tx.appTitle)}</h1>
  <p class="hint">${esc(tx.appHint)}</p>
  <form method="post" action="${withLang(res, '/app-pay')}" class="order-string">
    <label for="order-string">${esc(tx.appLabel)}</label>
    <textarea name="order_string" id="order-string" rows="6"></textarea>
    <button type="submit" class="pay">${esc(tx.appOpen)}</button>
  </form>`,
  );
}
