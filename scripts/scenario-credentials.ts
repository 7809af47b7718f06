/**
 * Writes a provider's fixed scenario credentials, `builtin/credentials/<provider>.json` (public test keys,
 * certificates valid for 20 years; see src/scenarios/credentials-minting.ts), for any provider: stripe,
 * alipay, wechatpay. Run by hand, then commit the file:
 *
 *   npm run build && node --experimental-strip-types scripts/scenario-credentials.ts wechatpay
 *
 * (Node 22.6 or later strips the types; it runs the built code in dist/.)
 */
type Minting = typeof import('../src/scenarios/credentials-minting.js');

const provider = process.argv[2];
if (!provider) {
  process.stderr.write('usage: scripts/scenario-credentials.ts <provider>\n');
  process.exit(2);
}
const { writeScenarioCredentials } = (await import(new URL('../dist/scenarios/credentials-minting.js', import.meta.url).href)) as Minting;
process.stdout.write(`wrote ${await writeScenarioCredentials(provider)}\n`);
