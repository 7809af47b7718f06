/**
 * The frame every hosted buyer page shares, whichever provider serves it (the native buyer pages, the
 * Alipay cashier, the WeChat Pay payer pages): the sandbox bar with the language switch, one sheet, a
 * footer, the stylesheet and icon from the dashboard's assets. No inline script or style, so the pages
 * live under a strict Content-Security-Policy.
 */
import express, { type Response, type Router } from 'express';
import { asset } from './assets.js';
import type { BuyerLang } from './buyer-texts.js';

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** "Merchant order (out_trade_no)" → the label with the wire name under it in small type (narrow screens). */
export function factLabel(text: string): string {
  const m = /^(.*) \((\w+)\)$/.exec(text);
  return m ? `${escapeHtml(m[1]!)}<small>${escapeHtml(m[2]!)}</small>` : escapeHtml(text);
}

/** Where the shared stylesheet and icon are served, on the main port and on every provider's port. */
export const BUYER_ASSETS = '/_dashboard/assets';

const BAR: Record<BuyerLang, { sandboxNote: string; footer: string }> = {
  en: {
    sandboxNote: 'paycli sandbox · simulated buyer · no real money moves',
    footer: 'This page is served by paycli, a local mock payment service provider.',
  },
  'zh-CN': { sandboxNote: 'paycli 沙箱 · 模拟买家 · 不涉及真实资金', footer: '本页面由 paycli（本地模拟支付服务）提供。' },
};

export interface BuyerDocument {
  lang: BuyerLang;
  /** The document title (the amount is appended when there is one). */
  title: string;
  /** The body's class: which kind of page (`card`, `qr-wallet`, `redirect-wallet`, `alipay`, `wechatpay`). */
  kind: string;
  /** The sheet's content, already HTML. */
  content: string;
  amount?: string;
  /** The page's own query parameters, kept by the language switch (signed parameters a page needs). */
  query?: Record<string, string>;
}

export function buyerDocument(doc: BuyerDocument): string {
  const other = doc.lang === 'en' ? 'zh-CN' : 'en';
  const bar = BAR[doc.lang];
  const switchQuery = new URLSearchParams({ ...doc.query, lang: other });
  return `<!doctype html>
<html lang="${doc.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}${doc.amount ? ` · ${escapeHtml(doc.amount)}` : ''}</title>
<link rel="icon" href="${BUYER_ASSETS}/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${BUYER_ASSETS}/buyer.css">
</head>
<body class="${escapeHtml(doc.kind)}">
<header class="bar">
  <span class="sandbox">${escapeHtml(bar.sandboxNote)}</span>
  <a class="lang" href="?${escapeHtml(switchQuery.toString())}" hreflang="${other}" lang="${other}">${other === 'zh-CN' ? '简体中文' : 'English'}</a>
</header>
<main class="sheet">
${doc.content}
</main>
<footer class="foot">${escapeHtml(bar.footer)}</footer>
</body>
</html>
`;
}

/** The files a buyer page loads, for a provider's own port: the same bytes the main port serves. */
const BUYER_FILES = new Set(['buyer.css', 'favicon.svg']);

export function buyerAssets(): Router {
  const router = express.Router();
  router.get(`${BUYER_ASSETS}/:name`, (req, res, next) => {
    const a = BUYER_FILES.has(req.params.name) ? asset(req.params.name) : null;
    if (!a) return next();
    res.setHeader('content-type', a.type);
    res.setHeader('cache-control', 'no-cache');
    res.end(a.body);
  });
  return router;
}

/** An SVG image answer (a QR code). */
export function sendSvg(res: Response, svg: string): void {
  res.setHeader('cache-control', 'no-store');
  res.type('image/svg+xml').send(svg);
}
