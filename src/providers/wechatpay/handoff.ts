/**
 * What a merchant gets: the key files (written 0600 by the sandbox under `<data dir>/wechatpay/`), a short
 * README, a `.env` snippet, and the readiness line's `providers.wechatpay` object. The private halves
 * that belong to WeChat (platform key, public key's private half) are never among them.
 */
import type { SigningMode, WechatpayCredentials } from './credentials.js';

export const WECHATPAY_FILES = {
  merchantPrivateKey: 'apiclient_key.pem',
  merchantCert: 'apiclient_cert.pem',
  platformCert: 'wechatpay_platform_cert.pem',
  publicKey: 'wechatpay_pub_key.pem',
  readme: 'README.md',
  env: '.env',
} as const;

export interface HandoffFile {
  name: string;
  content: string;
}

export interface HandoffInfo {
  url: string;
  signing: SigningMode;
  /** The folder the files are written to, as the merchant should name it (e.g. `.paycli/wechatpay`). */
  dir: string;
}

function envSnippet(creds: WechatpayCredentials, info: HandoffInfo): string {
  const file = (name: string) => `${info.dir}/${name}`;
  return [
    '# WeChat Pay API v3 sandbox (paycli). Source this file or copy the lines into your .env.',
    `WECHATPAY_BASE_URL=${info.url}/`,
    `WECHATPAY_MCHID=${creds.mchid}`,
    `WECHATPAY_APPID=${creds.appid}`,
    `WECHATPAY_MERCHANT_SERIAL=${creds.merchant_serial}`,
    `WECHATPAY_MERCHANT_PRIVATE_KEY_FILE=${file(WECHATPAY_FILES.merchantPrivateKey)}`,
    `WECHATPAY_MERCHANT_CERT_FILE=${file(WECHATPAY_FILES.merchantCert)}`,
    `WECHATPAY_APIV3_KEY=${creds.apiv3_key}`,
    `WECHATPAY_SIGNING=${info.signing}`,
    `WECHATPAY_PUBLIC_KEY_ID=${creds.public_key_id}`,
    `WECHATPAY_PUBLIC_KEY_FILE=${file(WECHATPAY_FILES.publicKey)}`,
    `WECHATPAY_PLATFORM_SERIAL=${creds.platform_serial}`,
    `WECHATPAY_PLATFORM_CERT_FILE=${file(WECHATPAY_FILES.platformCert)}`,
    '',
  ].join('\n');
}

function readme(creds: WechatpayCredentials, info: HandoffInfo): string {
  const verifying =
    info.signing === 'public-key'
      ? `Responses and notifications are signed with the WeChat Pay public key (微信支付公钥): \`Wechatpay-Serial: ${creds.public_key_id}\`, key \`${WECHATPAY_FILES.publicKey}\`.`
      : `Responses and notifications are signed with the platform certificate (平台证书): \`Wechatpay-Serial: ${creds.platform_serial}\`, certificate \`${WECHATPAY_FILES.platformCert}\`.`;
  return `# WeChat Pay sandbox key material (paycli)

Test keys for the paycli WeChat Pay API v3 sandbox at ${info.url}. They are worthless anywhere else.

| what | value / file |
|---|---|
| 商户号 mchid | \`${creds.mchid}\` |
| appid | \`${creds.appid}\` |
| 商户API私钥 merchant private key (PKCS#8) | \`${WECHATPAY_FILES.merchantPrivateKey}\` |
| 商户API证书 merchant certificate | \`${WECHATPAY_FILES.merchantCert}\`, serial \`${creds.merchant_serial}\` |
| APIv3密钥 APIv3 key | \`${creds.apiv3_key}\` |
| 微信支付公钥 WeChat Pay public key | \`${WECHATPAY_FILES.publicKey}\`, id \`${creds.public_key_id}\` |
| 平台证书 platform certificate | \`${WECHATPAY_FILES.platformCert}\`, serial \`${creds.platform_serial}\` |

${verifying} Switch with \`paycli sandbox start --wechatpay-signing public-key|platform-certificate\`.

Point your SDK at the sandbox: wechatpay-axios-plugin \`baseURL: '${info.url}/'\`; wechatpay-node-v3 through
\`pay.createHttp(...)\` rewriting \`https://api.mch.weixin.qq.com\` to \`${info.url}\`. \`.env\` has every value.
`;
}

/** The files handed to the merchant. */
export function wechatpayFiles(creds: WechatpayCredentials, info: HandoffInfo): HandoffFile[] {
  return [
    { name: WECHATPAY_FILES.merchantPrivateKey, content: creds.merchant_private_key },
    { name: WECHATPAY_FILES.merchantCert, content: creds.merchant_cert },
    { name: WECHATPAY_FILES.platformCert, content: creds.platform_cert },
    { name: WECHATPAY_FILES.publicKey, content: creds.public_key },
    { name: WECHATPAY_FILES.readme, content: readme(creds, info) },
    { name: WECHATPAY_FILES.env, content: envSnippet(creds, info) },
  ];
}

/** The readiness line's `providers.wechatpay`; `files` maps file names to where they were written. */
export function describeWechatpay(creds: WechatpayCredentials, info: { url: string; signing: SigningMode; files: Record<string, string> }) {
  const f = (name: string) => info.files[name] ?? name;
  return {
    url: info.url,
    mchid: creds.mchid,
    appid: creds.appid,
    merchant_private_key_file: f(WECHATPAY_FILES.merchantPrivateKey),
    merchant_cert_file: f(WECHATPAY_FILES.merchantCert),
    merchant_serial: creds.merchant_serial,
    apiv3_key: creds.apiv3_key,
    platform_cert_file: f(WECHATPAY_FILES.platformCert),
    platform_serial: creds.platform_serial,
    public_key_file: f(WECHATPAY_FILES.publicKey),
    public_key_id: creds.public_key_id,
    signing: info.signing,
  };
}
