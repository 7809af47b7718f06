/** QR codes buyer pages show, as SVG images, made by the `qrcode` package (loaded on first use). */
import { buyerActionOf } from '../engine/buyer-action.js';
import type { Payment } from '../engine/types.js';
import { PaycliError } from '../errors.js';

/** Any text (a URL a phone opens) as a QR code image, in the buyer pages' colours. */
export async function qrSvg(data: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(data, { type: 'svg', margin: 2, errorCorrectionLevel: 'M', color: { dark: '#111827', light: '#ffffff' } });
}

/**
 * The payment's QR code, encoding `buyerUrl` (its buyer page); only a payment showing one (an Alipay or
 * WeChat Pay payment waiting) has it.
 */
export async function buyerQrSvg(payment: Payment, buyerUrl: string): Promise<string> {
  if (buyerActionOf(payment)?.kind !== 'scan_qr') {
    throw new PaycliError('resource_missing', `Payment ${payment.id} shows no QR code (it is ${payment.status}).`, { param: 'id' });
  }
  return qrSvg(buyerUrl);
}
