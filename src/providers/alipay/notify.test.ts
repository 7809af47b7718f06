import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { signNotification } from './notify.js';
import { rsaVerify } from './signing.js';

// The fixed scenario credentials: real RSA keys without minting new ones.
const creds = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../builtin/credentials/alipay.json'), 'utf8')) as Record<string, string>;
const fields = { notify_id: 'n1', notify_type: 'trade_status_sync', out_trade_no: 'o1', trade_status: 'TRADE_SUCCESS', total_amount: '15.00', notify_time: '2026-11-30 12:00:00' };

/** What alipay-sdk's checkNotifySign verifies: the sorted fields but sign and sign_type. */
function verifies(signed: Record<string, string>, publicKey: string): boolean {
  const content = Object.keys(signed)
    .filter((k) => k !== 'sign' && k !== 'sign_type')
    .sort()
    .map((k) => `${k}=${signed[k]}`)
    .join('&');
  return rsaVerify(content, signed.sign!, publicKey);
}

describe('notification probes', () => {
  it('signs the genuine notification with the Alipay private key', () => {
    expect(verifies(signNotification(fields, creds.alipay_private_key!).fields, creds.alipay_public_key!)).toBe(true);
  });

  it('a forged probe: the genuine fields signed with the merchant app key, refused by the Alipay public key', () => {
    const genuine = signNotification(fields, creds.alipay_private_key!).fields;
    const forged = signNotification(fields, creds.alipay_private_key!, 'forged', creds.app_private_key_pkcs1).fields;
    const { sign: _g, ...genuineFields } = genuine;
    const { sign: _f, ...forgedFields } = forged;
    expect(forgedFields).toEqual(genuineFields);
    expect(verifies(forged, creds.alipay_public_key!)).toBe(false);
    expect(verifies(forged, creds.app_public_key!)).toBe(true);
  });

  it('refuses to forge without a key to forge with', () => {
    expect(() => signNotification(fields, creds.alipay_private_key!, 'forged')).toThrow(/forged/);
  });
});
