/**
 * What the dashboard's settings page shows for each provider the sandbox serves: where its API is, the
 * credentials an SDK or app needs (to copy), key files (to download) and a snippet configuring the client.
 * Today the sandbox serves its native API; providers added later describe themselves the same way.
 */
import type { Merchant } from '../engine/types.js';

export interface ProviderCredential {
  name: string;
  value: string;
  /** Shown masked until revealed (test keys, still worth not showing on a shared screen). */
  secret: boolean;
}

export interface ProviderSettings {
  name: string;
  title: string;
  base_url: string;
  credentials: ProviderCredential[];
  /** Files to download (keys, certificates), with their contents. */
  files: { name: string; content: string }[];
  /** Environment variables and client setup, ready to paste. */
  snippet: string;
}

export function providerSettings(merchant: Merchant, baseUrl: string): ProviderSettings[] {
  return [
    {
      name: 'paycli',
      title: 'paycli (native API)',
      base_url: `${baseUrl}/v1`,
      credentials: [
        { name: 'merchant_id', value: merchant.id, secret: false },
        { name: 'publishable_key', value: merchant.publishable_key, secret: false },
        { name: 'secret_key', value: merchant.secret_key, secret: true },
        { name: 'webhook_secret', value: merchant.webhook_secret, secret: true },
      ],
      files: [
        {
          name: 'paycli.env',
          content: `PAYCLI_SANDBOX_URL=${baseUrl}\nPAYCLI_API_KEY=${merchant.secret_key}\nPAYCLI_WEBHOOK_SECRET=${merchant.webhook_secret}\n`,
        },
      ],
      snippet: [
        `// Standard Webhooks (npm i standardwebhooks) verifies the notifications.`,
        `import { Webhook } from 'standardwebhooks';`,
        ``,
        `const PSP_URL = '${baseUrl}/v1';`,
        `const headers = { authorization: 'Bearer ${merchant.secret_key}', 'content-type': 'application/json' };`,
        `const res = await fetch(\`\${PSP_URL}/payments\`, {`,
        `  method: 'POST', headers,`,
        `  body: JSON.stringify({ amount: 1999, currency: 'usd', merchant_order_id: 'order_1',`,
        `    payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034 } } }),`,
        `});`,
        ``,
        `// In the notification handler (raw body, not parsed JSON):`,
        `const event = new Webhook('${merchant.webhook_secret}').verify(rawBody, req.headers);`,
      ].join('\n'),
    },
  ];
}
