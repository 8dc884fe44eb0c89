// API keys: `fiq_` + 256 random bits. Only their SHA-256 is stored (a fast hash is right for
// high-entropy secrets: nothing to brute-force), with a short non-secret prefix for humans.
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../lib/crypto.js';

export const KEY_PREFIX = 'fiq_';
const KEY_BODY = /^fiq_[A-Za-z0-9_-]{43}$/;

export interface NewKeySecret {
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): NewKeySecret {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: displayPrefix(key), hash: hashApiKey(key) };
}

export function displayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6);
}

export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

export function looksLikeApiKey(value: string): boolean {
  return KEY_BODY.test(value);
}
