/**
 * Stripe's presentment currencies (docs.stripe.com/currencies), their decimal places, and the minimum
 * charge amount of those Stripe publishes one for: what makes `currency=xyz` or a 30-cent intent a 400
 * with Stripe's words rather than a payment no real account could take.
 */

/** The three-letter codes Stripe accepts as a payment's `currency`, in the order its error lists them. */
export const STRIPE_CURRENCIES: readonly string[] = (
  'usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd cad cdf chf clp cny cop crc cve ' +
  'czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw ' +
  'kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk php pkr ' +
  'pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst ' +
  'xaf xcd xcg xof xpf yer zar zmw'
).split(' ');

const SUPPORTED = new Set(STRIPE_CURRENCIES);

/** Currencies whose amounts Stripe takes in whole units (docs.stripe.com/currencies#zero-decimal). */
const ZERO_DECIMAL = new Set('bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '));
/** Currencies with three decimals. */
const THREE_DECIMAL = new Set('bhd jod kwd omr tnd'.split(' '));

/**
 * Stripe's minimum charge amounts in minor units (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
 * Other currencies are held to the settlement currency's minimum after conversion, which the sandbox
 * cannot know, so they have none here.
 */
const MINIMUM_AMOUNT: Readonly<Record<string, number>> = {
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50, czk: 1500, dkk: 250, eur: 50, gbp: 30, hkd: 400,
  huf: 17500, inr: 50, jpy: 50, mxn: 1000, myr: 200, nok: 300, nzd: 50, pln: 200, ron: 200, sek: 300, sgd: 50, thb: 1000,
};

export const isStripeCurrency = (code: string): boolean => SUPPORTED.has(code);

export function minimumAmount(currency: string): number | undefined {
  return MINIMUM_AMOUNT[currency];
}

/** An amount in minor units as Stripe writes it in messages: `$0.50`, `€25.00`, `¥50`. */
export function formatAmount(amount: number, currency: string): string {
  const digits = ZERO_DECIMAL.has(currency) ? 0 : THREE_DECIMAL.has(currency) ? 3 : 2;
  const major = amount / 10 ** digits;
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: currency.toUpperCase(),
      currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      useGrouping: false,
    }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${currency}`;
  }
}
