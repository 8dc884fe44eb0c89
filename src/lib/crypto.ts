// Key derivation and constant-time comparison shared by the features that hold secrets.
// Every purpose gets its own key derived from FLOWIQ_SECRET, so a leak of one (say, a media URL
// signature) says nothing about another (the Meta tokens' encryption key).
import { createHash, hkdfSync, timingSafeEqual } from 'node:crypto';

export type KeyPurpose = 'meta-token-encryption' | 'media-url-signing' | 'idempotency';

export function deriveKey(secret: string, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), `flowiq:${purpose}`, 32));
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Compares two strings without leaking where they differ through timing. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab); // spend the same time either way
    return false;
  }
  return timingSafeEqual(ab, bb);
}
