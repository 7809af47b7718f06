#!/usr/bin/env node
/**
 * Writes builtin/credentials/wechatpay.json: the fixed WeChat Pay credentials scenario runs load into each
 * scenario's sandbox, so an app under test is configured once. RSA keys cannot be derived from a seed, so
 * they are minted once here and committed; ids come from a fixed seed. Certificates are valid from
 * 2025-01-01 for 20 years. The file is public and test-only.
 *
 * Run by hand from the repository root after a build: npm run build && node scripts/scenario-credentials-wechatpay.mjs
 */
import { writeFileSync } from 'node:fs';
import { mintWechatpayCredentials } from '../dist/providers/wechatpay/credentials.js';
import { seededRandom } from '../dist/core/ids.js';

const creds = await mintWechatpayCredentials({
  random: seededRandom('paycli-scenarios:wechatpay'),
  nowMs: Date.parse('2025-01-01T00:00:00Z'),
  years: 20,
  merchantName: 'Scenario merchant',
});
const doc = {
  _comment:
    'Fixed, public, test-only WeChat Pay credentials for paycli scenario runs (what the wechatpay provider mints). Never use them for anything real. Made by scripts/scenario-credentials-wechatpay.mjs.',
  ...creds,
};
writeFileSync(new URL('../builtin/credentials/wechatpay.json', import.meta.url), `${JSON.stringify(doc, null, 2)}\n`);
console.log(`builtin/credentials/wechatpay.json: mchid ${creds.mchid}, merchant serial ${creds.merchant_serial}`);
