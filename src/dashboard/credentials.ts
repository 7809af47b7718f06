/**
 * What the dashboard's settings page shows for each provider the sandbox serves: where its API is, the
 * credentials an SDK or app needs (to copy), its key files (to download), the retry schedule of its
 * notifications and a snippet configuring a client. Every provider is described the same way, from what
 * the sandbox serves; the native API gets a fuller snippet.
 */
/** A provider the sandbox serves, as the dashboard's settings page shows it (the sandbox's ServedProvider). */
export interface DashboardProvider {
  name: string;
  title: string;
  url: string;
  /** The default merchant's credentials for it. */
  credentials: Record<string, unknown>;
  /** Key files written for its SDK: file name → path. */
  files: Record<string, string>;
  /** What the banner shows of it. */
  description: Record<string, unknown>;
}

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
  /** Key files, downloaded through `/_dashboard/api/providers/<name>/files/<file>`. */
  files: string[];
  retry_schedule_ms: readonly number[];
  /** Environment variables and client setup, ready to paste. */
  snippet: string;
}

const SECRET = /secret|private|password|api_?v3|_key$/i;
const NOT_SECRET = /publishable|public|merchant_id|app_id|mch_id|serial/i;

/** Plain values of a credentials record (nested and non-string ones left out: those are for files). */
function flat(creds: Record<string, unknown>): ProviderCredential[] {
  return Object.entries(creds)
    .filter((e): e is [string, string | number] => typeof e[1] === 'string' || typeof e[1] === 'number')
    .filter(([, v]) => String(v).length < 400)
    .map(([name, v]) => ({ name, value: String(v), secret: SECRET.test(name) && !NOT_SECRET.test(name) }));
}

function snippetFor(p: DashboardProvider, creds: ProviderCredential[]): string {
  const value = (name: string) => creds.find((c) => c.name === name)?.value ?? '';
  if (p.name === 'paycli') {
    return [
      `// Standard Webhooks (npm i standardwebhooks) verifies the notifications.`,
      `import { Webhook } from 'standardwebhooks';`,
      ``,
      `const PSP_URL = '${p.url}/v1';`,
      `const headers = { authorization: 'Bearer ${value('secret_key')}', 'content-type': 'application/json' };`,
      `const res = await fetch(\`\${PSP_URL}/payments\`, {`,
      `  method: 'POST', headers,`,
      `  body: JSON.stringify({ amount: 1999, currency: 'usd', merchant_order_id: 'order_1',`,
      `    payment_method: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034 } } }),`,
      `});`,
      ``,
      `// In the notification handler (raw body, not parsed JSON):`,
      `const event = new Webhook('${value('webhook_secret')}').verify(rawBody, req.headers);`,
    ].join('\n');
  }
  const env = p.name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return [
    `# ${p.title}: point the SDK at the sandbox instead of the real gateway.`,
    `${env}_BASE_URL=${p.url}`,
    ...creds.map((c) => `${env}_${c.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}=${c.value}`),
    ...Object.keys(p.files).map((f) => `# key file: ${f} (download it above)`),
  ].join('\n');
}

export function providerSettings(providers: DashboardProvider[], retrySchedule: (provider: string) => readonly number[]): ProviderSettings[] {
  return providers.map((p) => {
    const credentials = flat(p.credentials);
    return {
      name: p.name,
      title: p.title,
      base_url: p.name === 'paycli' ? `${p.url}/v1` : p.url,
      credentials,
      files: Object.keys(p.files),
      retry_schedule_ms: retrySchedule(p.name),
      snippet: snippetFor(p, credentials),
    };
  });
}
