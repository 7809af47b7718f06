/** The QR code a wallet payment shows its buyer, as SVG, made by the `qrcode` package (loaded on first use). */
import { buyerActionOf } from '../engine/buyer-action.js';
import type { Payment } from '../engine/types.js';
import { PaycliError } from '../errors.js';

/**
 * The payment's QR code, encoding `buyerUrl` (its buyer page); only a payment showing one (an Alipay or
 * WeChat Pay payment waiting) has it.
 */
export async function buyerQrSvg(payment: Payment, buyerUrl: string): Promise<string> {
  if (buyerActionOf(payment)?.kind !== 'scan_qr') {
    throw new PaycliError('resource_missing', `Payment ${payment.id} shows no QR code (it is ${payment.status}).`, { param: 'id' });
  }
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(buyerUrl, { type: 'svg', margin: 2, errorCorrectionLevel: 'M', color: { dark: '#111827', light: '#ffffff' } });
}
