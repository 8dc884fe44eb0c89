// Meta bearer tokens, and Meta apps' secrets and verify tokens (apps/service.ts), are stored only as
// AES-256-GCM ciphertext under a key derived from FLOWIQ_SECRET. `boundTo` is the associated data:
// the organization id for a token, the app record and field for an app's values, so a ciphertext
// copied onto another row (or into another column) fails to decrypt.
// During a rotation the previous secret's key still decrypts; `flowiq secret reencrypt` then moves
// every stored value to the current key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deriveKey } from '../lib/crypto.js';

const VERSION = 'v1';

export class TokenCipher {
  readonly #key: Buffer;
  readonly #previous: Buffer | undefined;

  constructor(secret: string, previousSecret?: string) {
    this.#key = deriveKey(secret, 'meta-token-encryption');
    this.#previous = previousSecret === undefined ? undefined : deriveKey(previousSecret, 'meta-token-encryption');
  }

  encrypt(token: string, boundTo: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const ct = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ct.toString('base64url'),
    ].join('.');
  }

  decrypt(stored: string, boundTo: string): string {
    return this.open(stored, boundTo).token;
  }

  /** The token, and whether it was under the previous secret's key (so it should be re-encrypted). */
  open(stored: string, boundTo: string): { token: string; previous: boolean } {
    try {
      return { token: this.#decryptWith(this.#key, stored, boundTo), previous: false };
    } catch (err) {
      if (this.#previous === undefined) throw err;
      return { token: this.#decryptWith(this.#previous, stored, boundTo), previous: true };
    }
  }

  /** Whether every stored value of a row (null: none) opens under a configured secret. */
  opensAll(values: readonly (readonly [stored: string | null, boundTo: string])[]): boolean {
    try {
      for (const [stored, boundTo] of values) if (stored !== null) this.open(stored, boundTo);
      return true;
    } catch {
      return false;
    }
  }

  /** A row's values still under the previous secret, encrypted again under the current one, by field. */
  reencrypted<F extends string>(
    values: Record<F, readonly [stored: string | null, boundTo: string]>,
  ): Partial<Record<F, string>> {
    const changes: Partial<Record<F, string>> = {};
    for (const field of Object.keys(values) as F[]) {
      const [stored, boundTo] = values[field];
      if (stored === null) continue;
      const { token, previous } = this.open(stored, boundTo);
      if (previous) changes[field] = this.encrypt(token, boundTo);
    }
    return changes;
  }

  #decryptWith(key: Buffer, stored: string, boundTo: string): string {
    const [version, iv, tag, ct] = stored.split('.');
    if (version !== VERSION || !iv || !tag || ct === undefined) throw new Error('Unrecognised token ciphertext format');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }
}
