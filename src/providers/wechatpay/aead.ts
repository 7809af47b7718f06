/**
 * AEAD_AES_256_GCM exactly as WeChat Pay and both Node SDKs use it: the 32-character APIv3 key as UTF-8
 * bytes, the 12-character nonce as the IV bytes, `associated_data` as UTF-8 AAD, and the 16-byte tag
 * appended to the ciphertext before base64.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const AEAD_ALGORITHM = 'AEAD_AES_256_GCM';
const TAG_BYTES = 16;

export interface EncryptedResource {
  algorithm: typeof AEAD_ALGORITHM;
  ciphertext: string;
  associated_data: string;
  nonce: string;
}

/** A 12-character nonce (12 ASCII bytes = the GCM IV). */
export function newAeadNonce(): string {
  return randomBytes(6).toString('hex');
}

export function aeadEncrypt(plaintext: string, apiv3Key: string, associatedData: string, nonce: string = newAeadNonce()): EncryptedResource {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiv3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
  return { algorithm: AEAD_ALGORITHM, ciphertext, associated_data: associatedData, nonce };
}

/** Decrypts and authenticates; throws when the tag does not match (a tampered ciphertext, AAD or key). */
export function aeadDecrypt(resource: Pick<EncryptedResource, 'ciphertext' | 'associated_data' | 'nonce'>, apiv3Key: string): string {
  const buf = Buffer.from(resource.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiv3Key, 'utf8'), Buffer.from(resource.nonce, 'utf8'));
  decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  decipher.setAAD(Buffer.from(resource.associated_data, 'utf8'));
  return Buffer.concat([decipher.update(buf.subarray(0, buf.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}
