/** The buyer pages' texts in English and Simplified Chinese. */
import type { PaymentStatus, WalletType } from '../engine/types.js';

export type BuyerLang = 'en' | 'zh-CN';

export interface BuyerTexts {
  via: string;
  order: string;
  description: string;
  statusLabel: string;
  status: Record<PaymentStatus, string>;
  wallets: Record<WalletType, string>;
  cardTitle: string;
  cardLine(brand: string, last4: string): string;
  cardHint(last4: string): string;
  /** A card payment that asks for no authentication (shown, nothing to approve). */
  cardPaymentTitle: string;
  cardPaymentHint(last4: string): string;
  qrTitle(wallet: string): string;
  qrAlt(wallet: string): string;
  qrHint(wallet: string): string;
  redirectTitle(wallet: string): string;
  redirectHint(wallet: string): string;
  authenticate: string;
  scanAndPay(wallet: string): string;
  payWith(wallet: string): string;
  otherOutcomes: string;
  failureReason: string;
  reasons: Record<string, string>;
  failAuth: string;
  failPayment: string;
  abandon: string;
  nothingLeft: string;
  backToShop: string;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const BUYER_TEXTS: Record<BuyerLang, BuyerTexts> = {
  en: {
    via: 'Payment through',
    order: 'Order',
    description: 'Description',
    statusLabel: 'Status',
    status: {
      requires_action: 'Waiting for authentication',
      pending: 'Waiting for payment',
      requires_capture: 'Authorised (awaiting capture)',
      succeeded: 'Paid',
      failed: 'Failed',
      canceled: 'Canceled',
    },
    wallets: { alipay: 'Alipay', wechat_pay: 'WeChat Pay', paypal: 'PayPal', apple_pay: 'Apple Pay' },
    cardTitle: 'Confirm it is you',
    cardLine: (brand, last4) => `${capitalise(brand)} card ending in ${last4}`,
    cardHint: (last4) => `3-D Secure authentication for the card ending ${last4}: your bank asks you to approve this payment.`,
    cardPaymentTitle: 'Card payment',
    cardPaymentHint: (last4) => `Card payment with the card ending ${last4}; no authentication is asked for.`,
    qrTitle: (w) => `Scan to pay with ${w}`,
    qrAlt: (w) => `QR code to pay with ${w}`,
    qrHint: (w) => `Open ${w} on your phone and scan the code. In the sandbox, the button below does the scan.`,
    redirectTitle: (w) => `Pay with ${w}`,
    redirectHint: (w) => `You were sent to ${w} to approve the payment.`,
    authenticate: 'Approve payment',
    scanAndPay: (w) => `Scan and pay with ${w}`,
    payWith: (w) => `Pay with ${w}`,
    otherOutcomes: 'Simulate another outcome',
    failureReason: 'Reason the payment fails',
    reasons: {
      authentication_failed: 'Authentication failed',
      insufficient_funds: 'Insufficient funds',
      card_declined: 'Card declined',
      expired_card: 'Expired card',
      processing_error: 'Processing error',
      payment_failed: 'Payment failed',
      buyer_canceled: 'Buyer canceled in the app',
    },
    failAuth: 'Fail authentication',
    failPayment: 'Fail payment',
    abandon: 'Walk away (let it expire)',
    nothingLeft: 'Nothing left to do for the buyer.',
    backToShop: 'Back to the shop',
  },
  'zh-CN': {
    via: '支付渠道',
    order: '订单号',
    description: '商品描述',
    statusLabel: '状态',
    status: {
      requires_action: '等待验证',
      pending: '等待付款',
      requires_capture: '已授权（待请款）',
      succeeded: '已支付',
      failed: '支付失败',
      canceled: '已取消',
    },
    wallets: { alipay: '支付宝', wechat_pay: '微信支付', paypal: 'PayPal', apple_pay: 'Apple Pay' },
    cardTitle: '确认是您本人',
    cardLine: (brand, last4) => `${capitalise(brand)} 卡，尾号 ${last4}`,
    cardHint: (last4) => `尾号 ${last4} 的卡需要 3-D Secure 验证：发卡行要求您确认本次支付。`,
    cardPaymentTitle: '银行卡支付',
    cardPaymentHint: (last4) => `使用尾号 ${last4} 的卡支付，无需验证。`,
    qrTitle: (w) => `使用${w}扫码支付`,
    qrAlt: (w) => `${w}付款二维码`,
    qrHint: (w) => `打开手机上的${w}扫描二维码。在沙箱中，点击下方按钮即模拟扫码。`,
    redirectTitle: (w) => `使用 ${w} 支付`,
    redirectHint: (w) => `您已跳转到 ${w} 确认付款。`,
    authenticate: '确认支付',
    scanAndPay: (w) => `扫码并使用${w}付款`,
    payWith: (w) => `使用 ${w} 支付`,
    otherOutcomes: '模拟其他结果',
    failureReason: '失败原因',
    reasons: {
      authentication_failed: '验证失败',
      insufficient_funds: '余额不足',
      card_declined: '银行卡被拒',
      expired_card: '卡已过期',
      processing_error: '处理出错',
      payment_failed: '支付失败',
      buyer_canceled: '买家在应用中取消',
    },
    failAuth: '验证失败',
    failPayment: '支付失败',
    abandon: '放弃支付（等待超时）',
    nothingLeft: '买家无需再操作。',
    backToShop: '返回商户',
  },
};
