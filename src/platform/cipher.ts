import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encrypts values of encrypted attributes at rest (AES-256-GCM). Stored form:
 * `enc:v1:<iv b64url>.<tag b64url>.<ciphertext b64url>`.
 */
export interface Cipher {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
  isEncrypted(value: unknown): boolean;
}

const PREFIX = 'enc:v1:';

export function parseKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32)
    throw new Error('the secret key must be 32 bytes (64 hex digits or base64)');
  return key;
}

export function createCipher(key: Buffer): Cipher {
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return `${PREFIX}${iv.toString('base64url')}.${c.getAuthTag().toString('base64url')}.${body.toString('base64url')}`;
    },
    decrypt(stored) {
      if (!stored.startsWith(PREFIX)) throw new Error('not an encrypted value');
      const [iv, tag, body] = stored.slice(PREFIX.length).split('.');
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'));
      d.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
      return Buffer.concat([d.update(Buffer.from(body ?? '', 'base64url')), d.final()]).toString(
        'utf8',
      );
    },
    isEncrypted(value) {
      return typeof value === 'string' && value.startsWith(PREFIX);
    },
  };
}
