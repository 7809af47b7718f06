/**
 * Writes builtin/credentials/alipay.json: the fixed Alipay credentials scenario runs use, so an app under
 * test is configured once (app id, app private key, Alipay public key or the three certificates). They are
 * what the Alipay provider mints for a merchant, with certificates valid for 20 years from 2026-01-01.
 * RSA keys cannot be derived from a seed, so they are generated once and committed; they are public and
 * for tests only.
 *
 *   npm run build && node scripts/scenario-credentials-alipay.js
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintAlipayCreds } from '../dist/providers/alipay/credentials.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'builtin', 'credentials', 'alipay.json');

const creds = await mintAlipayCreds({ randomBytes, nowSec: Math.floor(Date.UTC(2026, 0, 1) / 1000), validYears: 20 });
const doc = {
  _comment:
    'Public, test-only Alipay credentials for paycli scenario runs (like stripe-mock\'s keys): never use them with real Alipay. Regenerate with scripts/scenario-credentials-alipay.js.',
  ...creds,
};
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
console.log(`wrote ${path.relative(root, out)} (app_id ${creds.app_id})`);
