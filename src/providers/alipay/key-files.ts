/**
 * The files an Alipay merchant points alipay-sdk at, written with the sandbox data (mode 0600): the app
 * private key in both encodings, the Alipay public key, the three certificates under the names Alipay's
 * key tool gives them, a README saying which is which, and a `.env` snippet.
 */
import type { AlipayCreds } from './credentials.js';

export interface KeyFile {
  /** File name inside the provider's folder. */
  name: string;
  content: string;
}

export const KEY_FILE_NAMES = {
  app_private_key_file: 'app_private_key.pem',
  app_private_key_pkcs8_file: 'app_private_key_pkcs8.pem',
  app_public_key_file: 'app_public_key.pem',
  alipay_public_key_file: 'alipay_public_key.pem',
  app_cert_file: (appId: string) => `appCertPublicKey_${appId}.crt`,
  alipay_public_cert_file: 'alipayCertPublicKey_RSA2.crt',
  alipay_root_cert_file: 'alipayRootCert.crt',
} as const;

export interface AlipayEndpoints {
  url: string;
  gateway: string;
  endpoint: string;
}

export function alipayEndpoints(url: string): AlipayEndpoints {
  const base = url.replace(/\/$/, '');
  return { url: base, gateway: `${base}/gateway.do`, endpoint: base };
}

function readme(creds: AlipayCreds, ep: AlipayEndpoints, dir: string): string {
  return `# Alipay sandbox keys (支付宝沙箱密钥)

Minted by paycli for app ${creds.app_id} (partner id / seller_id ${creds.seller_id}). Test material only:
it signs nothing outside this sandbox. Keep it out of version control.

| File | What it is | alipay-sdk option |
|---|---|---|
| ${KEY_FILE_NAMES.app_private_key_file} | App private key (应用私钥), PKCS#1 | \`privateKey\` (default \`keyType: 'PKCS1'\`) |
| ${KEY_FILE_NAMES.app_private_key_pkcs8_file} | The same key, PKCS#8 | \`privateKey\` with \`keyType: 'PKCS8'\` |
| ${KEY_FILE_NAMES.app_public_key_file} | App public key (应用公钥); the sandbox already has it | — |
| ${KEY_FILE_NAMES.alipay_public_key_file} | Alipay public key (支付宝公钥), key mode | \`alipayPublicKey\` |
| ${KEY_FILE_NAMES.app_cert_file(creds.app_id)} | App public-key certificate (应用公钥证书) | \`appCertPath\` |
| ${KEY_FILE_NAMES.alipay_public_cert_file} | Alipay public-key certificate (支付宝公钥证书) | \`alipayPublicCertPath\` |
| ${KEY_FILE_NAMES.alipay_root_cert_file} | Alipay root certificate (支付宝根证书) | \`alipayRootCertPath\` |

Key mode (公钥模式):

\`\`\`js
import fs from 'node:fs';
import { AlipaySdk } from 'alipay-sdk';
const alipay = new AlipaySdk({
  appId: '${creds.app_id}',
  privateKey: fs.readFileSync('${dir}/${KEY_FILE_NAMES.app_private_key_file}', 'ascii'),
  alipayPublicKey: fs.readFileSync('${dir}/${KEY_FILE_NAMES.alipay_public_key_file}', 'ascii'),
  gateway: '${ep.gateway}',
  endpoint: '${ep.endpoint}',
});
\`\`\`

Certificate mode (证书模式): replace \`alipayPublicKey\` with \`appCertPath\`, \`alipayPublicCertPath\` and
\`alipayRootCertPath\` pointing at the three \`.crt\` files. SNs: app_cert_sn ${creds.app_cert_sn},
alipay_cert_sn ${creds.alipay_cert_sn}, alipay_root_cert_sn ${creds.alipay_root_cert_sn}.
`;
}

function envSnippet(creds: AlipayCreds, ep: AlipayEndpoints, dir: string): string {
  return [
    '# Alipay sandbox (paycli): paste into your .env',
    `ALIPAY_APP_ID=${creds.app_id}`,
    `ALIPAY_GATEWAY=${ep.gateway}`,
    `ALIPAY_ENDPOINT=${ep.endpoint}`,
    `ALIPAY_PRIVATE_KEY_PATH=${dir}/${KEY_FILE_NAMES.app_private_key_file}`,
    "# the same key as PKCS#8, for alipay-sdk's keyType: 'PKCS8'",
    `ALIPAY_PRIVATE_KEY_PKCS8_PATH=${dir}/${KEY_FILE_NAMES.app_private_key_pkcs8_file}`,
    `ALIPAY_PUBLIC_KEY_PATH=${dir}/${KEY_FILE_NAMES.alipay_public_key_file}`,
    `ALIPAY_APP_CERT_PATH=${dir}/${KEY_FILE_NAMES.app_cert_file(creds.app_id)}`,
    `ALIPAY_PUBLIC_CERT_PATH=${dir}/${KEY_FILE_NAMES.alipay_public_cert_file}`,
    `ALIPAY_ROOT_CERT_PATH=${dir}/${KEY_FILE_NAMES.alipay_root_cert_file}`,
    '',
  ].join('\n');
}

/**
 * Every file to write. `dir` is how the merchant's project reaches the folder (e.g. `.paycli/alipay`),
 * used inside the README and the `.env` snippet.
 */
export function alipayKeyFiles(creds: AlipayCreds, url: string, dir: string): KeyFile[] {
  const ep = alipayEndpoints(url);
  return [
    { name: KEY_FILE_NAMES.app_private_key_file, content: creds.app_private_key_pkcs1 },
    { name: KEY_FILE_NAMES.app_private_key_pkcs8_file, content: creds.app_private_key_pkcs8 },
    { name: KEY_FILE_NAMES.app_public_key_file, content: creds.app_public_key },
    { name: KEY_FILE_NAMES.alipay_public_key_file, content: creds.alipay_public_key },
    { name: KEY_FILE_NAMES.app_cert_file(creds.app_id), content: creds.app_cert },
    { name: KEY_FILE_NAMES.alipay_public_cert_file, content: creds.alipay_cert },
    { name: KEY_FILE_NAMES.alipay_root_cert_file, content: creds.root_cert },
    { name: 'README.md', content: readme(creds, ep, dir) },
    { name: 'alipay.env', content: envSnippet(creds, ep, dir) },
  ];
}

/** The readiness line's `providers.alipay` object; `files` maps file names to their paths on disk. */
export function describeAlipay(creds: AlipayCreds, url: string, pathOf: (name: string) => string): Record<string, string> {
  const ep = alipayEndpoints(url);
  return {
    url: ep.url,
    gateway: ep.gateway,
    endpoint: ep.endpoint,
    app_id: creds.app_id,
    app_private_key_file: pathOf(KEY_FILE_NAMES.app_private_key_file),
    app_private_key_pkcs8_file: pathOf(KEY_FILE_NAMES.app_private_key_pkcs8_file),
    alipay_public_key_file: pathOf(KEY_FILE_NAMES.alipay_public_key_file),
    app_cert_file: pathOf(KEY_FILE_NAMES.app_cert_file(creds.app_id)),
    alipay_public_cert_file: pathOf(KEY_FILE_NAMES.alipay_public_cert_file),
    alipay_root_cert_file: pathOf(KEY_FILE_NAMES.alipay_root_cert_file),
  };
}
