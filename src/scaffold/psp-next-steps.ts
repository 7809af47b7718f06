/**
 * The "Next steps" `paycli init` shows after writing an app that speaks another PSP's protocol, kept beside
 * the templates so each PSP's steps change with its template.
 */
import type { Psp } from './templates.js';

const STEPS: Partial<Record<Psp, readonly string[]>> = {
  wechatpay: [
    'npm install',
    'npx paycli sandbox start          # in another terminal; writes the WeChat Pay keys to .paycli/wechatpay/',
    'cp .paycli/wechatpay/.env .env    # mchid, appid, serials, APIv3 key and key-file paths',
    'npm run dev',
    'npm test                          # the notify receiver: signature, AES-GCM, dedupe',
  ],
  stripe: [
    'npm install',
    'npx paycli sandbox start          # in another terminal; Stripe on 127.0.0.1:12111, prints sk_test_… and whsec_…',
    'cp .env.example .env              # paste STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET',
    'npm run dev',
    'npx paycli listen --provider stripe --forward-to http://127.0.0.1:3000/webhook   # a third terminal',
    'npm test                          # the webhook receiver against stripe-node',
  ],
};

/** The steps after `cd` for a PSP's template, or null when the PSP has none of its own here. */
export function pspNextSteps(psp: Psp, cd: readonly string[]): string[] | null {
  const steps = STEPS[psp];
  return steps ? [...cd, ...steps] : null;
}
