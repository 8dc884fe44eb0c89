// Signed media URLs, served by the gateway for every backend (an S3 presigned URL cannot live a
// year). The signature is an HMAC-SHA256 over the object key and the expiry, under a key derived
// from FLOWIQ_SECRET, compared in constant time.
import { createHmac } from 'node:crypto';
import { constantTimeEqual, deriveKey } from '../lib/crypto.js';

export class MediaSigner {
  readonly #key: Buffer;
  /** During a rotation, URLs signed under FLOWIQ_SECRET_PREVIOUS still verify. */
  readonly #previous: Buffer | undefined;

  constructor(
    secret: string,
    private readonly publicUrl: string,
    private readonly ttlSeconds: number,
    previousSecret?: string,
  ) {
    this.#key = deriveKey(secret, 'media-url-signing');
    this.#previous = previousSecret === undefined ? undefined : deriveKey(previousSecret, 'media-url-signing');
  }

  private sign(key: string, exp: number, with_: Buffer = this.#key): string {
    return createHmac('sha256', with_).update(`${key}\n${exp}`).digest('base64url');
  }

  url(key: string, now = Date.now()): string {
    const exp = Math.floor(now / 1000) + this.ttlSeconds;
    return `${this.publicUrl}/media/${key}?exp=${exp}&sig=${this.sign(key, exp)}`;
  }

  /** 'ok', or why not: the route answers 403 either way. */
  verify(key: string, exp: string | undefined, sig: string | undefined, now = Date.now()): 'ok' | 'bad' | 'expired' {
    if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return 'bad';
    const valid =
      constantTimeEqual(sig, this.sign(key, Number(exp))) ||
      (this.#previous !== undefined && constantTimeEqual(sig, this.sign(key, Number(exp), this.#previous)));
    if (!valid) return 'bad';
    return Number(exp) * 1000 < now ? 'expired' : 'ok';
  }
}
