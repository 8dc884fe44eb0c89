// Meta bearer tokens are stored only as AES-256-GCM ciphertext under a key derived from FLOWIQ_SECRET.
// The organization id is the associated data, so a ciphertext copied onto another row fails to decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deriveKey } from '../crypto.js';

const VERSION = 'v1';

export class TokenCipher {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = deriveKey(secret, 'meta-token-encryption');
  }

  encrypt(token: string, organizationId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(organizationId, 'utf8'));
    const ct = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  decrypt(stored: string, organizationId: string): string {
    const [version, iv, tag, ct] = stored.split('.');
    if (version !== VERSION || !iv || !tag || ct === undefined) throw new Error('Unrecognised token ciphertext format');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(organizationId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }
}
